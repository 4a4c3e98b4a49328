/**
 * `handoff deploy`, `handoff rollback` and `handoff status`: land a validated `.anpkg` package in
 * an install directory with an atomic switch of its `current` link, go back to a kept release,
 * and describe the install directory (see lib/anpkg/deploy.ts for the layout and guarantees).
 *
 * @module
 */

import {
  expectPositionals,
  flag,
  type OptionSpec,
  type ParsedArgs,
  parseOrHelp,
  renderHelp,
  stringOption,
  UsageError,
} from "./args.ts";
import type { Command } from "./command.ts";
import { exitCodeOf, LIMIT_OPTIONS, limitsFrom, requireLinkPermissions, runtimeBinFrom } from "./common.ts";
import { type CliIo, EXIT } from "./io.ts";
import { displayEscape, problemLine, renderJson } from "../report/render.ts";
import { ANPKG_LIMITS } from "../zip/limits.ts";
import type { DeployProgress, DeployReport, RollbackReport, StatusReport } from "../anpkg/deploy.ts";

const TO_OPTION: OptionSpec = { name: "to", value: "DIR", help: "the install directory" };
const JSON_OPTION: OptionSpec = { name: "json", help: "print the result as JSON on stdout" };

const DEPLOY_OPTIONS: readonly OptionSpec[] = [
  TO_OPTION,
  {
    name: "runtime-bin",
    value: "PATH",
    help: "also run PATH --check-config from a private extraction first",
  },
  { name: "replay-timeout", value: "S", help: "seconds before the replayed runtime is killed (default 30)" },
  { name: "keep", value: "N", help: "previous releases kept besides the current one (default 3)" },
  JSON_OPTION,
  { name: "quiet", short: "q", help: "no progress display on standard error" },
  ...LIMIT_OPTIONS,
];

const DEPLOY_HELP = renderHelp(
  ["handoff deploy <package.anpkg> --to <install-dir> [--runtime-bin PATH] [--keep N] [--json] [limits]"],
  "Install a package: validate it completely (and replay the runtime's --check-config with\n" +
    "--runtime-bin), extract it into a staging folder inside the install directory, re-hash every file\n" +
    "on disk, then switch <install-dir>/current to releases/<id> in one atomic rename. The N previous\n" +
    "releases are kept for rollback; every action is appended to <install-dir>/deploy.log. Deploying\n" +
    "the current package again changes nothing. An interrupted deploy never leaves current pointing at\n" +
    "an incomplete release; the next run removes what it left behind.",
  DEPLOY_OPTIONS,
  [
    "Permissions: --allow-read --allow-write, unscoped: Deno creates symbolic links only with unscoped grants;",
    "  narrow them with --deny-read/--deny-write (with --runtime-bin also --allow-run=<bin>).",
    "Exit: 0 deployed or already current · 1 package invalid or install directory refused, nothing changed ·",
    "      2 usage error · 3 another deploy holds the lock, or an I/O error (current left as it was).",
  ],
);

const ROLLBACK_OPTIONS: readonly OptionSpec[] = [
  TO_OPTION,
  { name: "to-release", value: "ID", help: "the release to make current (default: the previous one)" },
  JSON_OPTION,
];

const ROLLBACK_HELP = renderHelp(
  ["handoff rollback --to <install-dir> [--to-release ID] [--json]"],
  "Make a kept release current again: the previous one, or the one named by --to-release (its 12-digit\n" +
    "id or the package's full SHA-256, as shown by handoff status). The release is re-hashed before the\n" +
    "atomic switch; afterwards 'previous' names the release that was current, so a second rollback\n" +
    "returns to it. Nothing is deleted.",
  ROLLBACK_OPTIONS,
  [
    "Permissions: --allow-read --allow-write, unscoped (symbolic links; narrow with --deny-read/--deny-write).",
    "Exit: 0 switched or already current · 1 no such release or it is damaged · 2 usage error ·",
    "      3 another deploy holds the lock, or an I/O error.",
  ],
);

const STATUS_OPTIONS: readonly OptionSpec[] = [
  TO_OPTION,
  { name: "no-verify", help: "do not re-hash the kept releases" },
  JSON_OPTION,
];

const STATUS_HELP = renderHelp(
  ["handoff status --to <install-dir> [--json] [--no-verify]"],
  "Describe an install directory: the current and previous releases, every kept release with its\n" +
    "package and whether its files still match their checksums, leftovers of interrupted runs and the\n" +
    "last logged action. Changes nothing and takes no lock.",
  STATUS_OPTIONS,
  [
    "Permissions: --allow-read=<install-dir>",
    "Exit: 0 ok · 1 the current release is damaged or the directory is not an install directory ·",
    "      2 usage error · 3 I/O error.",
  ],
);

function noPositionals(args: ParsedArgs): void {
  const extra = args.positionals[0];
  if (extra !== undefined) {
    throw new UsageError(`Unexpected argument "${extra}"; name the install directory with --to`);
  }
}

function requireTo(args: ParsedArgs): string {
  const to = stringOption(args, "to");
  if (to === undefined || to === "") throw new UsageError("Missing --to <install-dir>");
  return to;
}

/** A progress line on standard error, rewritten in place at most ten times a second. */
class ProgressLine {
  #io: CliIo;
  #last = 0;
  #width = 0;
  #phase = "";

  constructor(io: CliIo) {
    this.#io = io;
  }

  update(p: DeployProgress): void {
    const now = performance.now();
    if (p.phase === this.#phase && now - this.#last < 100) return;
    this.#phase = p.phase;
    this.#last = now;
    const text = p.phase === "validate"
      ? "validating the package"
      : p.phase === "extract"
      ? `extracting: ${p.done}/${p.total} members`
      : p.phase === "verify"
      ? `verifying ${p.total} members on disk`
      : "switching the current release";
    this.#io.err(`\r${text.padEnd(this.#width)}`);
    this.#width = text.length;
  }

  clear(): void {
    if (this.#width > 0) this.#io.err(`\r${" ".repeat(this.#width)}\r`);
    this.#width = 0;
  }
}

function printDeploy(report: DeployReport, io: CliIo): void {
  for (const p of report.problems) io.err(problemLine(p, report.input, io.style) + "\n");
  const d = report.deploy;
  const dir = displayEscape(d.install_dir);
  if (d.result === "deployed") {
    io.out(`deployed: release ${d.release} is current in ${dir}\n`);
    io.out(`previous: ${d.previous ?? "none"}\n`);
    if (d.removed.length > 0) io.out(`removed: ${d.removed.join(", ")}\n`);
  } else if (d.result === "unchanged") {
    io.out(`unchanged: release ${d.release} is already current in ${dir}\n`);
  } else if (report.problems.some((p) => p.severity === "error" && !INSTALL_CODES.has(p.code))) {
    const e = report.errors;
    const w = report.warnings;
    io.err(
      `deploy refused: the package is invalid (${e} error${e === 1 ? "" : "s"}, ${w} warning${
        w === 1 ? "" : "s"
      }); nothing was changed\n`,
    );
  }
  if (d.cleaned.length > 0) io.err(`cleaned up after an interrupted run: ${d.cleaned.join(", ")}\n`);
}

/** Codes about the install directory rather than the package: their own line says it all. */
const INSTALL_CODES: ReadonlySet<string> = new Set([
  "deploy-locked",
  "install-dir-invalid",
  "release-invalid",
  "io-error",
]);

/** The deploy command. */
export const deployCommand: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const args = parseOrHelp(argv, DEPLOY_OPTIONS, DEPLOY_HELP, io.out);
    if (args === null) return EXIT.ok;
    expectPositionals(args, 1, 1, "the package file");
    const input = args.positionals[0] as string;
    const installDir = requireTo(args);
    const limits = limitsFrom(args, ANPKG_LIMITS);
    const keepText = stringOption(args, "keep");
    let keep: number | undefined;
    if (keepText !== undefined) {
      if (!/^[0-9]{1,6}$/.test(keepText)) {
        throw new UsageError(`--keep needs a whole number of releases, got "${keepText}"`);
      }
      keep = Number(keepText);
    }
    const timeoutText = stringOption(args, "replay-timeout");
    let timeoutSeconds = 30;
    if (timeoutText !== undefined) {
      timeoutSeconds = Number(timeoutText);
      if (!/^[0-9]*\.?[0-9]+$/.test(timeoutText) || !(timeoutSeconds > 0)) {
        throw new UsageError(`--replay-timeout needs a number of seconds above 0, got "${timeoutText}"`);
      }
    }
    const bin = stringOption(args, "runtime-bin");
    let replay: { runtimeBin: string; timeoutSeconds: number } | undefined;
    if (bin !== undefined) {
      replay = { runtimeBin: await runtimeBinFrom(bin), timeoutSeconds };
    } else if (timeoutText !== undefined) {
      throw new UsageError("--replay-timeout needs --runtime-bin");
    }
    requireLinkPermissions("deploy creates symbolic links");
    const json = flag(args, "json");
    const progress = io.errIsTerminal && !flag(args, "quiet") && !json ? new ProgressLine(io) : null;
    const { deployPackage } = await import("../anpkg/deploy.ts");
    let report: DeployReport;
    try {
      report = await deployPackage(input, {
        installDir,
        limits,
        ...(keep !== undefined ? { keep } : {}),
        ...(replay !== undefined ? { replay } : {}),
        ...(progress !== null ? { onProgress: (p: DeployProgress) => progress.update(p) } : {}),
      });
    } finally {
      progress?.clear();
    }
    if (json) io.out(renderJson(report));
    else printDeploy(report, io);
    return exitCodeOf(report);
  },
};

/** The rollback command. */
export const rollbackCommand: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const args = parseOrHelp(argv, ROLLBACK_OPTIONS, ROLLBACK_HELP, io.out);
    if (args === null) return EXIT.ok;
    noPositionals(args);
    const installDir = requireTo(args);
    const toRelease = stringOption(args, "to-release");
    if (toRelease !== undefined && !/^([0-9a-fA-F]{12}|[0-9a-fA-F]{64})$/.test(toRelease)) {
      throw new UsageError(`--to-release needs a 12-digit release id or a SHA-256, got "${toRelease}"`);
    }
    requireLinkPermissions("rollback creates symbolic links");
    const { rollbackRelease } = await import("../anpkg/deploy.ts");
    const report: RollbackReport = await rollbackRelease({
      installDir,
      ...(toRelease !== undefined ? { toRelease } : {}),
    });
    if (flag(args, "json")) io.out(renderJson(report));
    else {
      for (const p of report.problems) io.err(problemLine(p, report.input, io.style) + "\n");
      const r = report.rollback;
      if (r.result === "rolled-back") {
        io.out(`rolled back: release ${r.release} is current in ${displayEscape(r.install_dir)}\n`);
        io.out(`previous: ${r.previous ?? "none"}\n`);
      } else if (r.result === "unchanged") {
        io.out(`unchanged: release ${r.release} is already current in ${displayEscape(r.install_dir)}\n`);
      }
      if (r.cleaned.length > 0) io.err(`cleaned up after an interrupted run: ${r.cleaned.join(", ")}\n`);
    }
    return exitCodeOf(report);
  },
};

/** Text rendering of a status report (problems are printed by the caller). */
export function describeStatus(s: StatusReport): string[] {
  const lines = [`install dir: ${displayEscape(s.input)}`];
  const describe = (id: string | null): string => {
    if (id === null) return "none";
    const r = s.releases.find((x) => x.id === id);
    if (!r) return `${id} (not kept)`;
    const what = r.source_project !== null ? displayEscape(r.source_project) : "unknown project";
    const from = r.package_name !== null ? ` from ${displayEscape(r.package_name)}` : "";
    const check = r.verified === null ? "" : r.verified ? ", verified" : ", DAMAGED";
    return `${id} — ${what}${from}, deployed ${r.deployed_at ?? "?"}${check}`;
  };
  lines.push(`current: ${describe(s.current)}`);
  lines.push(`previous: ${describe(s.previous)}`);
  lines.push(`releases: ${s.releases.length} kept`);
  for (const r of s.releases) {
    const mark = r.current ? "current " : r.previous ? "previous" : "        ";
    const check = r.verified === null
      ? "not checked"
      : r.verified
      ? "verified"
      : `DAMAGED: ${r.problem ?? ""}`;
    lines.push(
      `  ${r.id}  ${mark}  ${displayEscape(r.source_project ?? "?")}  exported ${
        r.exported_at ?? "?"
      }  deployed ${r.deployed_at ?? "?"}  ${displayEscape(check)}`,
    );
  }
  lines.push(
    `leftovers: ${
      s.leftovers.length === 0
        ? "none"
        : `${s.leftovers.map((n) => displayEscape(n)).join(", ")} (removed by the next deploy or rollback)`
    }`,
  );
  const a = s.last_action;
  if (a === null) lines.push("last action: none");
  else {
    const msg = typeof a.message === "string" ? ` — ${displayEscape(a.message)}` : "";
    lines.push(
      `last action: ${String(a.time)} ${String(a.action)} ${String(a.result)} ${String(a.release)}${msg}`,
    );
  }
  return lines;
}

/** The status command. */
export const statusCommand: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const args = parseOrHelp(argv, STATUS_OPTIONS, STATUS_HELP, io.out);
    if (args === null) return EXIT.ok;
    noPositionals(args);
    const installDir = requireTo(args);
    const { installStatus } = await import("../anpkg/deploy.ts");
    const report = await installStatus(installDir, { verify: !flag(args, "no-verify") });
    if (flag(args, "json")) io.out(renderJson(report));
    else {
      for (const p of report.problems) io.err(problemLine(p, report.input, io.style) + "\n");
      for (const line of describeStatus(report)) io.out(line + "\n");
    }
    return exitCodeOf(report);
  },
};

/** The deploy command (the module's default command, as in the other command files). */
export const command: Command = deployCommand;
