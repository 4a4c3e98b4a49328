/**
 * Landing `.anpkg` packages on a field machine: `deploy`, `rollback` and `status` over an install
 * directory laid out as
 *
 * ```
 * <install>/releases/<id>/      extracted members plus .release.json (id: 12 hex digits of the package SHA-256)
 * <install>/current  -> releases/<id>   the live release (relative symbolic link)
 * <install>/previous -> releases/<id>   the release that was live before the last switch
 * <install>/.staging-<random>/  a release being extracted (never visible as a release)
 * <install>/.lock               advisory lock held by a running deploy or rollback
 * <install>/deploy.log          one JSON object per line and action
 * ```
 *
 * A release directory appears only by renaming a staging directory whose every file was re-hashed
 * against the package's checksums, and disappears only by being renamed aside while no link
 * points at it; `current` changes only by renaming a fresh link over it. So a process killed at
 * any moment leaves `current` absent (never deployed) or pointing at a complete, verified release;
 * the next run removes what the killed one left behind (`.staging-*`, `.trash-*`, `*.tmp-*`).
 *
 * The library is pure in the sense of DESIGN.md: the clock, the process id and a hook called after
 * every file-system step (for fault injection in tests) are injected.
 *
 * @module
 */

import { AdaptiveSha256 } from "../digest.ts";
import { lstatOrNull, removeQuietly, syncDirectory, untrackTemp } from "../fs/atomic.ts";
import {
  commitDirectory,
  createStagingDir,
  removeSymlink,
  replaceSymlink,
  retireDirectory,
} from "../fs/swap.ts";
import { compareCodePoints, type Problem, problem, type ReportCore, reportCore } from "../report/report.ts";
import { ANPKG_LIMITS, type ZipLimits } from "../zip/limits.ts";
import { fileSource } from "../zip/source.ts";
import { CHECKSUMS_MEMBER } from "./checksums.ts";
import { readOpenFileChunks } from "./directory.ts";
import type { MemberSet } from "./members.ts";
import { NOT_REQUESTED, type ReplayOptions, type ReplayReport, runReplay, SKIPPED_STATIC } from "./replay.ts";
import {
  appendDeployLog,
  type InstallResult,
  listLeftovers,
  listReleaseIds,
  lockInstallDir,
  LOG_FILE,
  parseDeployLog,
  readLinks,
  readMetadata,
  readReleaseLink,
  RELEASE_ID,
  RELEASE_METADATA,
  type ReleaseMetadata,
  SHA256_HEX,
  verifyRelease,
} from "./install_dir.ts";
import { checkSet, openPackagePath, readArchiveMembers } from "./validate.ts";
import { errorLine } from "../text.ts";

/** Default number of previous releases kept besides the current one. */
export const DEFAULT_KEEP = 3;

/** The file-system steps of deploy and rollback, in the order they can happen. */
export type DeployStepName =
  | "lock-acquired"
  | "leftover-removed"
  | "releases-dir-created"
  | "damaged-release-retired"
  | "staging-created"
  | "member-written"
  | "metadata-written"
  | "staging-synced"
  | "release-committed"
  | "previous-link-created"
  | "previous-switched"
  | "current-link-created"
  | "current-switched"
  | "previous-removed"
  | "release-retired"
  | "release-removed"
  | "logged";

/** One completed file-system step. */
export interface DeployStep {
  /** Which step completed. */
  readonly step: DeployStepName;
  /** The member, release or leftover concerned, or `null`. */
  readonly detail: string | null;
}

/**
 * Called after every file-system step of deploy and rollback. Tests use it to stop the process at
 * a chosen step and kill it; the CLI never sets it.
 */
export type DeployHook = (step: DeployStep) => void | Promise<void>;

/** Progress of a deploy, for a terminal display. */
export interface DeployProgress {
  /** What is happening. */
  readonly phase: "validate" | "extract" | "verify" | "switch";
  /** Members done in this phase. */
  readonly done: number;
  /** Members in this phase (0 when not counted). */
  readonly total: number;
}

/** What deploy, rollback and status take from the environment. */
export interface InstallContext {
  /** The install directory, as the user gave it (messages use it verbatim). */
  readonly installDir: string;
  /** Clock for `deployed_at` and log times (default: the system clock). */
  readonly now?: () => Date;
  /** Process id recorded in the lock file and the log (default `Deno.pid`). */
  readonly pid?: number;
  /** Fault-injection hook, called after each file-system step. */
  readonly onStep?: DeployHook;
}

/** Options of {@link deployPackage}. */
export interface DeployOptions extends InstallContext {
  /** Previous releases kept besides the current one (default 3). */
  readonly keep?: number;
  /** Container limits for validation (default: the `.anpkg` limits). */
  readonly limits?: ZipLimits;
  /** Run the runtime replay (anpkg.md §5) before anything is written. */
  readonly replay?: ReplayOptions;
  /** Progress callback for a terminal display. */
  readonly onProgress?: (progress: DeployProgress) => void;
}

/** The `deploy` object of a deploy report. */
export interface DeployInfo {
  /** The install directory as given. */
  readonly install_dir: string;
  /** What happened. */
  readonly result: InstallResult;
  /** The package's release id (12 hex digits), once known. */
  readonly release: string | null;
  /** The package file's SHA-256, once known. */
  readonly package_sha256: string | null;
  /** The release that was current before (and is now `previous`), or `null`. */
  readonly previous: string | null;
  /** Releases deleted by retention. */
  readonly removed: readonly string[];
  /** Leftovers of interrupted runs that were removed first. */
  readonly cleaned: readonly string[];
}

/** The deploy report: a checking report (the package validation) plus the outcome. */
export interface DeployReport extends ReportCore {
  /** The runtime replay, as in the validate report. */
  readonly replay: ReplayReport;
  /** What deploy did. */
  readonly deploy: DeployInfo;
}

/** The `rollback` object of a rollback report. */
export interface RollbackInfo {
  /** The install directory as given. */
  readonly install_dir: string;
  /** What happened. */
  readonly result: InstallResult;
  /** The release that is current afterwards (or the one asked for when refused). */
  readonly release: string | null;
  /** The release that was current before. */
  readonly previous: string | null;
  /** Leftovers of interrupted runs that were removed first. */
  readonly cleaned: readonly string[];
}

/** The rollback report. */
export interface RollbackReport extends ReportCore {
  /** What rollback did. */
  readonly rollback: RollbackInfo;
}

/** Options of {@link rollbackRelease}. */
export interface RollbackOptions extends InstallContext {
  /** The release to make current: a 12-digit id or a full SHA-256 (default: `previous`). */
  readonly toRelease?: string;
}

/** One release as `status` shows it. */
export interface ReleaseStatus {
  /** The release id. */
  readonly id: string;
  /** Whether `current` points at it. */
  readonly current: boolean;
  /** Whether `previous` points at it. */
  readonly previous: boolean;
  /** From its metadata (`null` when unreadable), as the following fields. */
  readonly package_sha256: string | null;
  /** The deployed package file's base name. */
  readonly package_name: string | null;
  /** The project the package was exported from. */
  readonly source_project: string | null;
  /** When the package was exported. */
  readonly exported_at: string | null;
  /** When the release was extracted. */
  readonly deployed_at: string | null;
  /** True when every file matched its checksum; false when not; `null` when not checked. */
  readonly verified: boolean | null;
  /** Why verification failed, or `null`. */
  readonly problem: string | null;
}

/** The `status` output (its own JSON shape, operation `status`). */
export interface StatusReport {
  /** Always 1. */
  readonly report_version: 1;
  /** Always `anpkg`. */
  readonly format: "anpkg";
  /** Always `status`. */
  readonly operation: "status";
  /** The install directory as given. */
  readonly input: string;
  /** The current release id, or `null`. */
  readonly current: string | null;
  /** The previous release id, or `null`. */
  readonly previous: string | null;
  /** Every kept release, most recently deployed first. */
  readonly releases: readonly ReleaseStatus[];
  /** Names left by interrupted runs (removed by the next deploy or rollback). */
  readonly leftovers: readonly string[];
  /** The last complete line of `deploy.log`, or `null`. */
  readonly last_action: Record<string, unknown> | null;
  /** False when a problem is an error (damaged current release, foreign links). */
  readonly valid: boolean;
  /** Number of error problems. */
  readonly errors: number;
  /** Number of warning problems. */
  readonly warnings: number;
  /** What is wrong with the install directory. */
  readonly problems: readonly Problem[];
}

/** Removes the leftovers of interrupted runs (under the lock). */
async function cleanLeftovers(installDir: string, step: StepFn): Promise<string[]> {
  const names = await listLeftovers(installDir);
  for (const name of names) {
    const path = `${installDir}/${name}`;
    // A leftover link is removed as a link; a directory with everything in it.
    await Deno.remove(path, { recursive: true });
    await step("leftover-removed", name);
  }
  if (names.length > 0) await syncDirectory(installDir);
  return names;
}

type StepFn = (step: DeployStepName, detail?: string | null) => Promise<void>;

function stepper(onStep: DeployHook | undefined): StepFn {
  return async (step, detail = null) => {
    if (onStep) await onStep({ step, detail });
  };
}

/** Checks (and with `create`, creates) the install directory; a problem when it cannot be one. */
async function prepareInstallDir(installDir: string, create: boolean): Promise<Problem | null> {
  const info = await Deno.stat(installDir).catch((err) => {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  });
  if (info === null) {
    if (!create) {
      return problem("install-dir-invalid", `The install directory "${installDir}" does not exist`);
    }
    await Deno.mkdir(installDir, { recursive: true, mode: 0o755 });
    return null;
  }
  if (!info.isDirectory) return problem("install-dir-invalid", `"${installDir}" is not a directory`);
  return null;
}

function isPermissionError(err: unknown): boolean {
  return err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied;
}

// ───────────────────────────── deploy ─────────────────────────────

interface OpenedPackage {
  readonly problems: Problem[];
  readonly set: MemberSet | null;
  readonly sha256: string | null;
  readonly size: number;
  close(): void;
}

/**
 * Opens a package file once: hashes it, then reads its members through the same handle, so the
 * release id and the validated content come from the same bytes.
 */
async function openPackage(path: string, limits: ZipLimits): Promise<OpenedPackage> {
  const fail = (p: Problem): OpenedPackage => ({
    problems: [p],
    set: null,
    sha256: null,
    size: 0,
    close: () => {},
  });
  const opened = await openPackagePath(path);
  if (opened.kind === "problem") return fail(opened.problem);
  if (opened.kind === "directory") {
    return fail(problem("input-unsupported", `"${path}" is a directory; deploy takes a package file`));
  }
  const { file } = opened;
  try {
    const hash = new AdaptiveSha256();
    const size = await readOpenFileChunks(file, (chunk) => hash.update(chunk));
    const sha256 = await hash.hex();
    const set = await readArchiveMembers(fileSource(file, size), limits);
    return { problems: [], set, sha256, size, close: () => file.close() };
  } catch (err) {
    file.close();
    if (isPermissionError(err)) throw err;
    return fail(problem("io-error", `Cannot read "${path}": ${errorLine(err)}`));
  }
}

function provenanceFacts(set: MemberSet): { source_project: string | null; exported_at: string | null } {
  const content = set.members.get("meta/provenance.json")?.content;
  const out = { source_project: null as string | null, exported_at: null as string | null };
  if (!content) return out;
  try {
    const v = JSON.parse(new TextDecoder().decode(content));
    if (typeof v?.source_project === "string") out.source_project = v.source_project;
    if (typeof v?.exported_at === "string") out.exported_at = v.exported_at;
  } catch {
    // provenance problems are validation warnings; the release records what it can
  }
  return out;
}

function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Writes every member of a validated set into `staging`, flushing files and directories. */
async function extractMembers(
  set: MemberSet,
  staging: string,
  step: StepFn,
  progress: (done: number, total: number) => void,
): Promise<void> {
  const dirs = [...set.dirs].sort(compareCodePoints);
  for (const d of dirs) await Deno.mkdir(`${staging}/${d}`, { recursive: true, mode: 0o755 });
  const names = [...set.members.keys()].sort(compareCodePoints);
  let done = 0;
  for (const name of names) {
    const file = await Deno.open(`${staging}/${name}`, { write: true, createNew: true, mode: 0o644 });
    try {
      await set.stream(name, async (chunk) => {
        let at = 0;
        while (at < chunk.length) at += await file.write(chunk.subarray(at));
      });
      await file.syncData();
    } finally {
      file.close();
    }
    progress(++done, names.length);
    await step("member-written", name);
  }
}

/**
 * Fills a staging directory: every member, then the release metadata, everything flushed; then
 * re-hashes the staged tree against the package's checksums. Returns `null` when the staged
 * release is complete and verified, else why not.
 */
async function stageRelease(
  set: MemberSet,
  staging: string,
  metadata: ReleaseMetadata,
  step: StepFn,
  progress: (p: DeployProgress) => void,
): Promise<string | null> {
  await extractMembers(set, staging, step, (done, total) => progress({ phase: "extract", done, total }));
  const file = await Deno.open(`${staging}/${RELEASE_METADATA}`, {
    write: true,
    createNew: true,
    mode: 0o644,
  });
  try {
    const bytes = new TextEncoder().encode(JSON.stringify(metadata, null, 2) + "\n");
    let at = 0;
    while (at < bytes.length) at += await file.write(bytes.subarray(at));
    await file.syncData();
  } finally {
    file.close();
  }
  await step("metadata-written");
  await syncTree(staging, set.dirs);
  await step("staging-synced");
  progress({ phase: "verify", done: 0, total: set.members.size });
  const v = await verifyRelease(staging, metadata.id, metadata.package_sha256);
  return v.ok ? null : v.reason;
}

/** Flushes every directory of a staged tree, deepest first, so the renamed release is durable. */
async function syncTree(staging: string, dirs: Iterable<string>): Promise<void> {
  const all = [...dirs].sort((a, b) => b.split("/").length - a.split("/").length || compareCodePoints(a, b));
  for (const d of all) await syncDirectory(`${staging}/${d}`);
  await syncDirectory(staging);
}

/**
 * The retention order of the releases other than current: the one that was just replaced (now
 * `previous`) first, then the most recently deployed. Returns the ids to delete.
 */
async function releasesToRetire(
  installDir: string,
  current: string,
  previous: string | null,
  keep: number,
): Promise<string[]> {
  const others = (await listReleaseIds(installDir)).filter((id) => id !== current);
  const deployedAt = new Map<string, string>();
  for (const id of others) {
    const m = await readMetadata(`${installDir}/releases/${id}`);
    deployedAt.set(id, typeof m === "string" ? "" : m.deployed_at);
  }
  others.sort((a, b) => {
    if (a === previous) return -1;
    if (b === previous) return 1;
    return compareCodePoints(deployedAt.get(b) ?? "", deployedAt.get(a) ?? "") || compareCodePoints(a, b);
  });
  return others.slice(keep);
}

function deployReport(
  input: string,
  problems: readonly Problem[],
  replay: ReplayReport,
  deploy: DeployInfo,
): DeployReport {
  return { ...reportCore("anpkg", "deploy", input, "archive", problems), replay, deploy };
}

/**
 * Deploys a package into an install directory: validates it completely (and runs the runtime
 * replay when asked) before anything is written; takes the install lock; removes leftovers of
 * interrupted runs; extracts into a staging directory, re-hashes every file on disk against the
 * package's checksums, renames the staging directory to `releases/<id>`; moves `previous` to the
 * old current release and `current` to the new one (each by renaming a fresh link over it);
 * deletes releases beyond `keep`; appends a line to `deploy.log`. Deploying the release that is
 * already current changes nothing and says so (`result: "unchanged"`).
 *
 * Never throws for bad input or a busy lock (they are problems in the report); missing
 * permissions throw so the CLI can name them. Other I/O failures become `io-error` and leave
 * `current` as it was.
 */
export async function deployPackage(packagePath: string, options: DeployOptions): Promise<DeployReport> {
  const installDir = options.installDir;
  const now = options.now ?? (() => new Date());
  const pid = options.pid ?? Deno.pid;
  const keep = options.keep ?? DEFAULT_KEEP;
  const step = stepper(options.onStep);
  const progress = options.onProgress ?? (() => {});
  let info: DeployInfo = {
    install_dir: installDir,
    result: "refused",
    release: null,
    package_sha256: null,
    previous: null,
    removed: [],
    cleaned: [],
  };

  progress({ phase: "validate", done: 0, total: 0 });
  const opened = await openPackage(packagePath, options.limits ?? ANPKG_LIMITS);
  try {
    if (opened.set === null || opened.sha256 === null) {
      return deployReport(packagePath, opened.problems, NOT_REQUESTED, info);
    }
    const set = opened.set;
    const checked = checkSet(set);
    const problems: Problem[] = [...checked.problems];
    let replay: ReplayReport = NOT_REQUESTED;
    if (options.replay) {
      if (problems.some((p) => p.severity === "error") || !checked.facts) replay = SKIPPED_STATIC;
      else {
        const r = await runReplay(set, checked.facts, options.replay);
        replay = r.report;
        problems.push(...r.problems);
      }
    }
    const sha256 = opened.sha256;
    const id = sha256.slice(0, 12);
    info = { ...info, release: id, package_sha256: sha256 };
    if (set.members.has(RELEASE_METADATA)) {
      problems.push(problem(
        "member-name-reserved",
        `Member "${RELEASE_METADATA}" would overwrite the release metadata that deploy writes`,
        { member: RELEASE_METADATA },
      ));
    }
    if (problems.some((p) => p.severity === "error")) {
      return deployReport(packagePath, problems, replay, info);
    }

    const refuse = (p: Problem, result: InstallResult = "refused") => {
      problems.push(p);
      info = { ...info, result };
      return deployReport(packagePath, problems, replay, info);
    };
    let held: Awaited<ReturnType<typeof lockInstallDir>>;
    try {
      const dirProblem = await prepareInstallDir(installDir, true);
      if (dirProblem) return refuse(dirProblem);
      held = await lockInstallDir(installDir, pid);
    } catch (err) {
      if (isPermissionError(err)) throw err;
      return refuse(problem("io-error", `Cannot prepare "${installDir}": ${errorLine(err)}`), "failed");
    }
    if ("heldBy" in held) {
      return refuse(lockedProblem(installDir, held.heldBy), "failed");
    }
    let staging: string | null = null;
    const log = async (message: string | null) => {
      await appendDeployLog(installDir, {
        time: now().toISOString(),
        action: "deploy",
        release: info.release,
        package_sha256: info.package_sha256,
        result: info.result,
        previous: info.previous,
        package: packagePath,
        removed: info.removed,
        cleaned: info.cleaned,
        pid,
        message,
      });
      await step("logged");
    };
    try {
      await step("lock-acquired");
      info = { ...info, cleaned: await cleanLeftovers(installDir, step) };
      const links = await readLinks(installDir);
      if ("code" in links) {
        problems.push(links);
        await log(links.message);
        return deployReport(packagePath, problems, replay, info);
      }
      const current = links.current;
      info = { ...info, previous: current };
      const releaseDir = `${installDir}/releases/${id}`;
      if (current === id) {
        const v = await verifyRelease(releaseDir, id, sha256);
        if (v.ok) {
          info = { ...info, result: "unchanged", previous: null };
          await log(`Release ${id} is already current`);
          return deployReport(packagePath, problems, replay, info);
        }
        const p = problem(
          "release-invalid",
          `The current release ${id} is damaged (${v.reason}); roll back or deploy another package first`,
          { member: `releases/${id}` },
        );
        problems.push(p);
        await log(p.message);
        return deployReport(packagePath, problems, replay, info);
      }

      const releasesInfo = await lstatOrNull(`${installDir}/releases`);
      if (releasesInfo === null) {
        await Deno.mkdir(`${installDir}/releases`, { mode: 0o755 });
        await syncDirectory(installDir);
        await step("releases-dir-created");
      } else if (!releasesInfo.isDirectory) {
        const p = problem("install-dir-invalid", `"${installDir}/releases" is not a directory`, {
          member: "releases",
        });
        problems.push(p);
        await log(p.message);
        return deployReport(packagePath, problems, replay, info);
      }

      let reuse = false;
      if ((await lstatOrNull(releaseDir)) !== null) {
        // Kept from an earlier deploy: reuse it when intact, otherwise set the damaged copy aside.
        // It is not current, and a `previous` link naming it goes first, so no link points into it.
        reuse = (await verifyRelease(releaseDir, id, sha256)).ok;
        if (!reuse) {
          await removeSymlinkIfTo(installDir, "previous", id);
          await retireDirectory(releaseDir, installDir, ".trash-");
          await step("damaged-release-retired", id);
        }
      }

      if (!reuse) {
        staging = await createStagingDir(installDir, ".staging-");
        await step("staging-created");
        const reason = await stageRelease(
          set,
          staging,
          {
            release_format: 1,
            id,
            package_sha256: sha256,
            package_size: opened.size,
            package_name: baseName(packagePath),
            ...provenanceFacts(set),
            checksums_sha256: set.members.get(CHECKSUMS_MEMBER)?.sha256 ?? "",
            deployed_at: now().toISOString(),
          },
          step,
          progress,
        );
        if (reason !== null) {
          const p = problem(
            "io-error",
            `The extracted release does not match the package (${reason}); nothing was switched`,
            { member: `releases/${id}` },
          );
          problems.push(p);
          info = { ...info, result: "failed" };
          await removeQuietly(staging);
          untrackTemp(staging);
          staging = null;
          await log(p.message);
          return deployReport(packagePath, problems, replay, info);
        }
        await commitDirectory(staging, releaseDir);
        staging = null;
        await step("release-committed", id);
      }

      progress({ phase: "switch", done: 0, total: 0 });
      await switchLinks(installDir, current, id, keep > 0, step);
      const removed: string[] = [];
      const kept = await readReleaseLink(installDir, "previous");
      const previousNow = typeof kept === "string" ? kept : null;
      for (const old of await releasesToRetire(installDir, id, previousNow, keep)) {
        await retireDirectory(`${installDir}/releases/${old}`, installDir, ".trash-", {
          afterRename: () => step("release-retired", old),
        });
        removed.push(old);
        await step("release-removed", old);
      }
      info = { ...info, result: "deployed", removed };
      await log(null);
      return deployReport(packagePath, problems, replay, info);
    } catch (err) {
      if (staging !== null) {
        await removeQuietly(staging);
        untrackTemp(staging);
      }
      if (isPermissionError(err)) throw err;
      const p = problem("io-error", `Deploy stopped: ${errorLine(err)}; "current" was left as it was`);
      problems.push(p);
      info = { ...info, result: "failed" };
      await log(p.message).catch(() => {});
      return deployReport(packagePath, problems, replay, info);
    } finally {
      held.lock.release();
    }
  } finally {
    opened.close();
  }
}

/** Removes the `previous` link when it points at `id` (before that release is deleted). */
async function removeSymlinkIfTo(installDir: string, name: "previous", id: string): Promise<void> {
  const target = await readReleaseLink(installDir, name);
  if (target === id) await removeSymlink(`${installDir}/${name}`);
}

/**
 * The switch: `previous` is pointed at the release being replaced first, then `current` at the
 * new one, so an interruption between the two leaves both naming the old release. With
 * `keepPrevious` false (`--keep 0`) the `previous` link is removed instead.
 */
async function switchLinks(
  installDir: string,
  oldCurrent: string | null,
  next: string,
  keepPrevious: boolean,
  step: StepFn,
): Promise<void> {
  if (oldCurrent !== null && keepPrevious) {
    await replaceSymlink(`${installDir}/previous`, `releases/${oldCurrent}`, {
      beforeCommit: () => step("previous-link-created"),
    });
    await step("previous-switched", oldCurrent);
  } else if (!keepPrevious && (await lstatOrNull(`${installDir}/previous`)) !== null) {
    await removeSymlink(`${installDir}/previous`);
    await step("previous-removed");
  }
  await replaceSymlink(`${installDir}/current`, `releases/${next}`, {
    beforeCommit: () => step("current-link-created"),
  });
  await step("current-switched", next);
}

function lockedProblem(installDir: string, heldBy: number | null): Problem {
  const who = heldBy === null ? "another process" : `process ${heldBy}`;
  return problem(
    "deploy-locked",
    `"${installDir}" is locked by ${who} running a deploy or rollback; nothing was changed`,
  );
}

// ───────────────────────────── rollback ─────────────────────────────

function rollbackReport(input: string, problems: readonly Problem[], rollback: RollbackInfo): RollbackReport {
  return { ...reportCore("anpkg", "rollback", input, "directory", problems), rollback };
}

/**
 * Makes a kept release current again: `toRelease` (a 12-digit id or a full SHA-256), or else the
 * `previous` release. The target is verified file by file before the switch; `previous` then
 * names the release that was current, so two rollbacks in a row return to where they started.
 * Nothing is deleted. Never throws for a refused rollback or a busy lock.
 */
export async function rollbackRelease(options: RollbackOptions): Promise<RollbackReport> {
  const installDir = options.installDir;
  const now = options.now ?? (() => new Date());
  const pid = options.pid ?? Deno.pid;
  const step = stepper(options.onStep);
  const problems: Problem[] = [];
  let info: RollbackInfo = {
    install_dir: installDir,
    result: "refused",
    release: null,
    previous: null,
    cleaned: [],
  };
  const done = (p?: Problem, result?: InstallResult) => {
    if (p) problems.push(p);
    if (result) info = { ...info, result };
    return rollbackReport(installDir, problems, info);
  };

  let wanted: string | null = null;
  if (options.toRelease !== undefined) {
    const t = options.toRelease.toLowerCase();
    if (RELEASE_ID.test(t) || SHA256_HEX.test(t)) wanted = t.slice(0, 12);
    else {
      return done(problem("release-not-found", `"${options.toRelease}" is not a release id (12 hex digits)`));
    }
  }
  const dirProblem = await prepareInstallDir(installDir, false);
  if (dirProblem) return done(dirProblem);
  const held = await lockInstallDir(installDir, pid);
  if ("heldBy" in held) return done(lockedProblem(installDir, held.heldBy), "failed");
  const log = async (message: string | null) => {
    let sha: string | null = null;
    if (info.release !== null) {
      const m = await readMetadata(`${installDir}/releases/${info.release}`).catch(() => "");
      if (typeof m !== "string") sha = m.package_sha256;
    }
    await appendDeployLog(installDir, {
      time: now().toISOString(),
      action: "rollback",
      release: info.release,
      package_sha256: sha,
      result: info.result,
      previous: info.previous,
      package: null,
      removed: [],
      cleaned: info.cleaned,
      pid,
      message,
    });
    await step("logged");
  };
  try {
    await step("lock-acquired");
    info = { ...info, cleaned: await cleanLeftovers(installDir, step) };
    const links = await readLinks(installDir);
    if ("code" in links) {
      await log(links.message);
      return done(links);
    }
    const cur = links.current;
    const target = wanted ?? links.previous;
    info = { ...info, previous: cur, release: target };
    if (target === null) {
      const p = problem(
        "release-not-found",
        `"${installDir}" records no previous release; name one with --to-release (see handoff status)`,
      );
      await log(p.message);
      return done(p);
    }
    if (target === cur) {
      info = { ...info, result: "unchanged", previous: null };
      await log(`Release ${target} is already current`);
      return done();
    }
    const dir = `${installDir}/releases/${target}`;
    if ((await lstatOrNull(dir)) === null) {
      const p = problem("release-not-found", `Release ${target} is not kept in "${installDir}/releases"`);
      await log(p.message);
      return done(p);
    }
    const v = await verifyRelease(dir, target);
    if (!v.ok) {
      const p = problem("release-invalid", `Release ${target} cannot be made current: ${v.reason}`, {
        member: `releases/${target}`,
      });
      await log(p.message);
      return done(p);
    }
    await switchLinks(installDir, cur, target, true, step);
    info = { ...info, result: "rolled-back" };
    await log(null);
    return done();
  } catch (err) {
    if (isPermissionError(err)) throw err;
    const p = problem("io-error", `Rollback stopped: ${errorLine(err)}; "current" was left as it was`);
    info = { ...info, result: "failed" };
    problems.push(p);
    await log(p.message).catch(() => {});
    return done();
  } finally {
    held.lock.release();
  }
}

// ───────────────────────────── status ─────────────────────────────

/** Options of {@link installStatus}. */
export interface StatusOptions {
  /** Re-hash every kept release (default true). */
  readonly verify?: boolean;
}

/**
 * Describes an install directory without changing it (no lock is taken, so a running deploy is
 * never disturbed): current and previous releases, every kept release with its metadata and
 * verification, leftovers of interrupted runs and the last logged action. A damaged current
 * release or a foreign `current` entry is an error; a damaged older release is a warning.
 */
export async function installStatus(installDir: string, options: StatusOptions = {}): Promise<StatusReport> {
  const verify = options.verify ?? true;
  const problems: Problem[] = [];
  const report = (
    current: string | null,
    previous: string | null,
    releases: ReleaseStatus[],
    leftovers: string[],
    lastAction: Record<string, unknown> | null,
  ): StatusReport => {
    const core = reportCore("anpkg", "status", installDir, "directory", problems);
    return {
      report_version: 1,
      format: "anpkg",
      operation: "status",
      input: installDir,
      current,
      previous,
      releases,
      leftovers,
      last_action: lastAction,
      valid: core.valid,
      errors: core.errors,
      warnings: core.warnings,
      problems: core.problems,
    };
  };
  const dirProblem = await prepareInstallDir(installDir, false);
  if (dirProblem) {
    problems.push(dirProblem);
    return report(null, null, [], [], null);
  }
  const currentLink = await readReleaseLink(installDir, "current");
  const previousLink = await readReleaseLink(installDir, "previous");
  let current: string | null = null;
  let previous: string | null = null;
  if (currentLink !== null && typeof currentLink !== "string") problems.push(currentLink);
  else current = currentLink;
  if (previousLink !== null && typeof previousLink !== "string") {
    problems.push({ ...previousLink, severity: "warning" });
  } else previous = previousLink;

  const ids = await listReleaseIds(installDir);
  const releases: ReleaseStatus[] = [];
  for (const id of ids) {
    const dir = `${installDir}/releases/${id}`;
    const meta = await readMetadata(dir);
    let verified: boolean | null = null;
    let why: string | null = typeof meta === "string" ? meta : null;
    if (verify) {
      const v = await verifyRelease(dir, id);
      verified = v.ok;
      if (!v.ok) why = v.reason;
    }
    const m = typeof meta === "string" ? null : meta;
    releases.push({
      id,
      current: id === current,
      previous: id === previous,
      package_sha256: m?.package_sha256 ?? null,
      package_name: m?.package_name ?? null,
      source_project: m?.source_project ?? null,
      exported_at: m?.exported_at ?? null,
      deployed_at: m?.deployed_at ?? null,
      verified,
      problem: why,
    });
    if (why !== null) {
      problems.push(problem("release-invalid", `Release ${id} is damaged: ${why}`, {
        member: `releases/${id}`,
        severity: id === current ? "error" : "warning",
      }));
    }
  }
  for (const [name, id] of [["current", current], ["previous", previous]] as const) {
    if (id !== null && !ids.includes(id)) {
      problems.push(problem("release-not-found", `"${name}" points at release ${id}, which is not kept`, {
        member: name,
        severity: name === "current" ? "error" : "warning",
      }));
    }
  }
  releases.sort((a, b) =>
    compareCodePoints(b.deployed_at ?? "", a.deployed_at ?? "") || compareCodePoints(a.id, b.id)
  );
  let lastAction: Record<string, unknown> | null = null;
  try {
    const lines = parseDeployLog(await Deno.readTextFile(`${installDir}/${LOG_FILE}`));
    lastAction = lines[lines.length - 1] ?? null;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return report(current, previous, releases, await listLeftovers(installDir), lastAction);
}
