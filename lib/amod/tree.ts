/**
 * The tree package (`snapshot --for-git`, amod.md §1.17, §4.11): the same member set as an `.amod`,
 * written as ordinary files under `<root>/.agentmod-handoff/` so that it can be committed. It is
 * built from the same plan (`walk.ts`) and the same payload pass ({@link PayloadPacker}) as the
 * `.amod` file; only the sink differs.
 *
 * Everything is built in a fresh sibling directory `.agentmod-handoff-partial-<random>` with
 * no-follow semantics — non-recursive `mkdir`, exclusive creates with `O_NOFOLLOW`, modes set
 * through descriptors so that the umask cannot remove bits, links created last, directory modes
 * applied deepest first — and swapped in only when complete ({@link swapInDirectory}). A previous
 * package stays byte-identical until the swap.
 *
 * @module
 */

import { isSystemError, lstatOrNull, randomSuffix, trackTemp, untrackTemp } from "../fs/atomic.ts";
import { type Problem, problem } from "../report/report.ts";
import { AMOD_LIMITS } from "../zip/limits.ts";
import {
  absolutize,
  buildManifest,
  type CreateCommonOptions,
  loadPackRuntime,
  type PackRuntime,
  PayloadPacker,
  refusal,
  renderRootMembers,
  type SnapshotOutcome,
  snapshotSeconds,
  yieldToEventLoop,
} from "./snapshot.ts";
import { checkAgentmodDir, CreateFailure, ioProblem, type PlannedEntry, planSnapshot } from "./walk.ts";

/** Name of the tree package directory below the project root. */
export const TREE_DIR = ".agentmod-handoff";

/** What is at the tree target before create (amod.md §4.11 "Target"). */
export type TreeTargetState = "absent" | "previous-package" | "foreign" | "not-directory";

/**
 * Classifies `<root>/.agentmod-handoff` by `lstat`: absent; a directory holding an entry named
 * `manifest.json` of any kind (a previous package, replaced); a directory without one (foreign,
 * refused); anything else (refused).
 *
 * @example
 * ```ts
 * import { treeTargetState } from "./tree.ts";
 * const root = await Deno.makeTempDir();
 * console.assert(await treeTargetState(`${root}/.agentmod-handoff`) === "absent");
 * await Deno.mkdir(`${root}/.agentmod-handoff`);
 * console.assert(await treeTargetState(`${root}/.agentmod-handoff`) === "foreign");
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function treeTargetState(target: string): Promise<TreeTargetState> {
  const info = await lstatOrNull(target);
  if (info === null) return "absent";
  if (!info.isDirectory) return "not-directory";
  return (await lstatOrNull(`${target}/manifest.json`)) === null ? "foreign" : "previous-package";
}

/** The file system operations of {@link swapInDirectory} (injected in tests to provoke failures). */
export interface SwapOps {
  /** Renames a directory (fails when the destination exists and is not an empty directory). */
  rename(from: string, to: string): void;
  /** Creates one directory, failing with `AlreadyExists` when the name is taken. */
  mkdir(path: string): void;
  /** Removes a directory tree. */
  removeTree(path: string): void;
}

/** Deno's synchronous calls; `removeTree` first makes directories writable (see {@link forceRemoveSync}). */
export const DENO_SWAP_OPS: SwapOps = {
  rename: (from, to) => Deno.renameSync(from, to),
  mkdir: (path) => Deno.mkdirSync(path),
  removeTree: (path) => forceRemoveSync(path),
};

/**
 * Removes a directory tree we created, even where it holds directories whose recorded mode lacks
 * the owner-write bit (a non-root user could not delete their entries otherwise). Symlinks are
 * never followed: only real directories are made writable.
 */
export function forceRemoveSync(path: string): void {
  const stack = [path];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(dir);
    } catch {
      continue;
    }
    if (!info.isDirectory) continue;
    if (((info.mode ?? 0) & 0o700) !== 0o700) Deno.chmodSync(dir, 0o700);
    for (const e of Deno.readDirSync(dir)) if (e.isDirectory) stack.push(`${dir}/${e.name}`);
  }
  Deno.removeSync(path, { recursive: true });
}

/** How {@link swapInDirectory} ended. */
export type SwapOutcome =
  | { readonly ok: true }
  | {
    readonly ok: false;
    /** The `io-error` problem, saying where everything is now. */
    readonly problem: Problem;
    /** The partial directory still exists and should be removed by the caller. */
    readonly partialLeft: boolean;
  };

/**
 * Moves a complete directory into place (amod.md §4.11 "Swap-in"). Without a previous tree it is
 * one rename. With one, a unique sibling name `<target>-old-<random>` is reserved (created and
 * removed again: macOS refuses to rename onto an existing directory), the previous tree is renamed
 * there, the new one to the target, and the old one is removed. Should the second rename fail, the
 * previous tree is moved back; every failure says where each tree is.
 *
 * @example
 * ```ts
 * import { swapInDirectory } from "./tree.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/new`);
 * await Deno.mkdir(`${root}/target`);
 * const r = swapInDirectory(`${root}/new`, `${root}/target`, true);
 * console.assert(r.ok);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function swapInDirectory(
  partial: string,
  target: string,
  hasPrevious: boolean,
  ops: SwapOps = DENO_SWAP_OPS,
): SwapOutcome {
  const fail = (message: string, partialLeft: boolean): SwapOutcome => ({
    ok: false,
    problem: problem("io-error", message, { member: target }),
    partialLeft,
  });
  const why = (
    err: unknown,
  ): string => (err instanceof Error ? err.message.split("\n")[0] as string : String(err));
  if (!hasPrevious) {
    try {
      ops.rename(partial, target);
      return { ok: true };
    } catch (err) {
      return fail(`Cannot move the new package into place at "${target}": ${why(err)}`, true);
    }
  }
  let old = "";
  for (let attempt = 0;; attempt++) {
    old = `${target}-old-${randomSuffix()}`;
    try {
      ops.mkdir(old);
      ops.removeTree(old);
      break;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists) || attempt >= 8) {
        return fail(`Cannot reserve a name for the previous package beside "${target}": ${why(err)}`, true);
      }
    }
  }
  try {
    ops.rename(target, old);
  } catch (err) {
    return fail(`Cannot move the previous package aside: ${why(err)}; it is unchanged at "${target}"`, true);
  }
  try {
    ops.rename(partial, target);
  } catch (err) {
    const first = why(err);
    try {
      ops.rename(old, target);
    } catch (back) {
      return fail(
        `Cannot move the new package into place (${first}) nor the previous one back (${why(back)}); ` +
          `the previous package is now at "${old}", the new one at "${partial}"`,
        false,
      );
    }
    return fail(
      `Cannot move the new package into place: ${first}; the previous package is back at "${target}"`,
      true,
    );
  }
  try {
    ops.removeTree(old);
  } catch (err) {
    return fail(
      `The new package is in place at "${target}", but the previous one could not be removed and remains at "${old}": ${
        why(err)
      }`,
      false,
    );
  }
  return { ok: true };
}

/** Writes all of `bytes` to a descriptor. */
function writeAll(rt: PackRuntime, fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) at += rt.fs.writeSync(fd, bytes, at, bytes.length - at);
}

/** Creates a file exclusively (never through an existing name or link) and sets `perm` via the descriptor. */
function createExclusive(rt: PackRuntime, path: string, perm: number): number {
  const c = rt.fs.constants;
  let fd: number;
  try {
    fd = rt.fs.openSync(path, c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW, perm);
  } catch (err) {
    throw new CreateFailure([ioProblem(path, err, "create")]);
  }
  try {
    rt.fs.fchmodSync(fd, perm);
  } catch (err) {
    rt.fs.closeSync(fd);
    throw new CreateFailure([ioProblem(path, err, "set the mode of")]);
  }
  return fd;
}

/** Sets a directory's perm through a descriptor opened without following links. */
function chmodDirectory(rt: PackRuntime, path: string, perm: number): void {
  const c = rt.fs.constants;
  let fd: number;
  try {
    fd = rt.fs.openSync(path, c.O_RDONLY | c.O_DIRECTORY | c.O_NOFOLLOW);
  } catch (err) {
    throw new CreateFailure([ioProblem(path, err, "open")]);
  }
  try {
    rt.fs.fchmodSync(fd, perm);
  } catch (err) {
    throw new CreateFailure([ioProblem(path, err, "set the mode of")]);
  } finally {
    rt.fs.closeSync(fd);
  }
}

/** Options of {@link createTreePackage}. */
export interface TreeOptions extends CreateCommonOptions {
  /** Swap-in operations (fault injection in tests). */
  readonly swapOps?: SwapOps;
}

/**
 * Creates or replaces the tree package `<root>/.agentmod-handoff/` (amod.md §4.11) with the tree
 * policy (rules 1–11 by default). Hard findings always refuse: `--allow-findings` does not exist
 * for a package that is published with the repository.
 *
 * @example
 * ```ts
 * import { createTreePackage } from "./tree.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/.agentmod`);
 * await Deno.writeTextFile(`${root}/.agentmod/agentmod.toml`, "schema_version = 1\n");
 * const out = await createTreePackage({
 *   root, clock: () => new Date(1781181045000), toolVersion: "test-version", platform: "testos/testarch",
 * });
 * console.assert(out.ok && (await Deno.readTextFile(`${root}/.agentmod-handoff/manifest.json`)).includes('"for_git": true'));
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function createTreePackage(options: TreeOptions): Promise<SnapshotOutcome> {
  const root = absolutize(options.root);
  const seconds = snapshotSeconds(options.clock);
  const limits = options.limits ?? AMOD_LIMITS;
  const target = `${root}/${TREE_DIR}`;

  const pre = checkAgentmodDir(root, options.walkFs);
  if (pre !== null) return { ok: false, problems: [pre] };
  let state: TreeTargetState;
  try {
    state = await treeTargetState(target);
  } catch (err) {
    return { ok: false, problems: [ioProblem(target, err)] };
  }
  if (state === "foreign") {
    return {
      ok: false,
      problems: [problem(
        "tree-target-foreign",
        `"${target}" exists but holds no manifest.json, so it is not a package to replace; it was left alone`,
        { member: target },
      )],
    };
  }
  if (state === "not-directory") {
    return {
      ok: false,
      problems: [
        problem("tree-target-not-directory", `"${target}" exists and is not a directory; it was left alone`, {
          member: target,
        }),
      ],
    };
  }

  const planned = planSnapshot({
    root,
    form: "tree",
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
    limits,
    ...(options.walkFs !== undefined ? { fs: options.walkFs } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
  });
  if (!planned.ok) return planned;
  const plan = planned.plan;
  await options.afterPlan?.(plan);

  const rt = await loadPackRuntime();
  const partial = `${root}/${TREE_DIR}-partial-${randomSuffix()}`;
  try {
    Deno.mkdirSync(partial, { mode: 0o700 });
  } catch (err) {
    return { ok: false, problems: [ioProblem(partial, err, "create")] };
  }
  trackTemp(partial);
  let packer: PayloadPacker | null = null;
  const discard = (): void => {
    try {
      forceRemoveSync(partial);
    } catch {
      // Best effort; the unique name is documented and the target was never touched.
    }
    untrackTemp(partial);
  };
  try {
    chmodDirectory(rt, partial, 0o700);
    const payload = `${partial}/payload`;
    const dest = (e: PlannedEntry): string => `${payload}/${e.relPath}`;
    // Step 1: the container, then every payload directory in walk order, one mkdir each.
    const mkdir = (path: string): void => {
      try {
        Deno.mkdirSync(path, { mode: 0o755 });
      } catch (err) {
        throw new CreateFailure([ioProblem(path, err, "create")]);
      }
    };
    mkdir(payload);
    for (const e of plan.entries) if (e.kind === "directory") mkdir(dest(e));

    // Step 2: regular files, created exclusively with their perm, contents streamed.
    packer = new PayloadPacker(plan, rt, limits, options.onProgress, options.readAhead);
    for (const e of plan.entries) {
      if (e.kind === "directory") packer.memberDone();
      if (e.kind !== "file") continue;
      const path = dest(e);
      const fd = createExclusive(rt, path, e.perm);
      try {
        for await (const chunk of packer.fileChunks(e, 1)) {
          try {
            writeAll(rt, fd, chunk);
          } catch (err) {
            throw new CreateFailure([ioProblem(path, err, "write")]);
          }
          await yieldToEventLoop();
        }
      } finally {
        rt.fs.closeSync(fd);
      }
      packer.memberDone();
      await yieldToEventLoop();
    }
    // Step 3: symlinks, after every directory and file.
    for (const e of plan.entries) {
      if (e.kind !== "symlink") continue;
      packer.symlinkContent(e);
      try {
        Deno.symlinkSync(e.target, dest(e));
      } catch (err) {
        throw new CreateFailure([ioProblem(dest(e), err, "create")]);
      }
      packer.memberDone();
    }
    const gate = packer.hardFindingGate("tree", false);
    if (gate !== null) throw new CreateFailure(gate.problems, gate.advice);

    // Step 4: the root files.
    const manifest = buildManifest(seconds, options, "tree");
    const members = await renderRootMembers({
      form: "tree",
      projectName: root.slice(root.lastIndexOf("/") + 1),
      manifest,
      inventory: packer.inventory,
      excluded: plan.excluded,
      findings: packer.findings,
      binarySkipped: packer.binarySkipped,
    });
    packer.checkTotalBytes(members.reduce((n, m) => n + m.bytes.length, 0));
    for (const m of members) {
      const path = `${partial}/${m.name}`;
      const fd = createExclusive(rt, path, 0o644);
      try {
        writeAll(rt, fd, m.bytes);
      } catch (err) {
        throw new CreateFailure([ioProblem(path, err, "write")]);
      } finally {
        rt.fs.closeSync(fd);
      }
    }
    // Step 5: directory perms, deepest first (reverse walk order puts every directory after its
    // descendants), then the container and the package root.
    for (let i = plan.entries.length - 1; i >= 0; i--) {
      const e = plan.entries[i] as PlannedEntry;
      if (e.kind === "directory") chmodDirectory(rt, dest(e), e.perm);
    }
    chmodDirectory(rt, payload, 0o755);
    chmodDirectory(rt, partial, 0o755);

    // Swap-in. The target is looked at again: it must still be what the precondition saw.
    let now: TreeTargetState;
    try {
      now = await treeTargetState(target);
    } catch (err) {
      throw new CreateFailure([ioProblem(target, err)]);
    }
    if (now !== (state === "absent" ? "absent" : "previous-package")) {
      throw new CreateFailure([problem(
        now === "foreign"
          ? "tree-target-foreign"
          : now === "not-directory"
          ? "tree-target-not-directory"
          : "io-error",
        `"${target}" changed while the package was being built; nothing was replaced`,
        { member: target },
      )]);
    }
    const swapped = swapInDirectory(partial, target, state === "previous-package", options.swapOps);
    if (!swapped.ok) {
      if (swapped.partialLeft) discard();
      else untrackTemp(partial);
      return { ok: false, problems: [swapped.problem] };
    }
    untrackTemp(partial);
    let bytes = 0;
    for (const e of packer.inventory) bytes += e.size;
    return {
      ok: true,
      snapshot: {
        form: "tree",
        output: target,
        manifest,
        files: packer.inventory.length,
        bytes,
        members: plan.members,
        excluded: plan.excluded,
        findings: packer.findings,
        binarySkipped: packer.binarySkipped,
      },
    };
  } catch (err) {
    discard();
    if (err instanceof CreateFailure) return refusal(err);
    if (isSystemError(err)) return { ok: false, problems: [ioProblem(partial, err, "write")] };
    throw err;
  } finally {
    packer?.close();
  }
}
