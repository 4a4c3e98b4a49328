/**
 * The three Markdown root members of a snapshot — `REDACTION.md`, `HANDOFF.md`, `RESTORE.md`
 * (amod.md §1.13–§1.15, §1.17) — in our own words, plus the readers of `REDACTION.md`: the
 * finding count `inspect` prints and a structural parser.
 *
 * Parsed tokens stay exact: the first line `# Redaction report`, the two section headings, one
 * ``- `{path}` — {rule}: {reason}`` line per excluded entry, one ``- `{path}` line {n} — {pattern}``
 * line per finding, the `(HARD finding` marker, and no other line starting with `- ` in those
 * sections. Our commands come first (`handoff restore`, `handoff validate`), agentmod's second.
 *
 * @module
 */

import type { Exclusion } from "./exclude.ts";
import type { SnapshotForm } from "./exclude.ts";
import type { Finding } from "./scan.ts";

/** First line of `REDACTION.md`. */
export const REDACTION_TITLE = "# Redaction report";
/** Heading of the excluded-entries section. */
export const EXCLUDED_HEADING = "## Excluded from the payload";
/** Heading of the scan section; the counting rule keys on it. */
export const SCAN_HEADING = "## Secret-candidate scan";
/** Marker that makes a scan line a hard finding. */
export const HARD_MARKER = "(HARD finding";

/**
 * Control characters (the set rule 13 excludes) cannot occur in kept paths, but an excluded path
 * may carry one; escaping it keeps every list item on one line and the parse exact.
 */
function inlinePath(path: string): string {
  return path.replace(
    // deno-lint-ignore no-control-regex -- escaping exactly these characters is the point
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (ch) => `\\u{${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}}`,
  );
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Inputs of {@link renderRedaction}. */
export interface RedactionInput {
  /** The manifest's `created_at`. */
  readonly createdAt: string;
  /** The manifest's `agentmod_version` (ours: `handoff/<version>`). */
  readonly version: string;
  /** Exclusions in walk order, `snapshots-output` included. */
  readonly excluded: readonly Exclusion[];
  /** Findings in finding order (walk position, pattern, line). */
  readonly findings: readonly Finding[];
  /** Files not scanned because they look binary; mentioned when above zero. */
  readonly binarySkipped?: number;
}

/**
 * Renders `REDACTION.md` (amod.md §1.13). The same for both forms.
 *
 * @example
 * ```ts
 * import { countFindings, renderRedaction } from "./docs.ts";
 * const text = renderRedaction({
 *   createdAt: "2026-06-11T12:30:45Z",
 *   version: "handoff/0.1.0",
 *   excluded: [{ path: ".agentmod/claude/.env", rule: "env-file", reason: "secrets" }],
 *   findings: [{ path: ".agentmod/a.md", line: 2, pattern: "api-key", hard: false }],
 * });
 * console.assert(text.startsWith("# Redaction report\n"));
 * console.assert(countFindings(text).findings === 1);
 * ```
 */
export function renderRedaction(input: RedactionInput): string {
  let out = `${REDACTION_TITLE}\n\n` +
    `Written by ${input.version} for the snapshot taken at ${input.createdAt}.\n\n` +
    `${EXCLUDED_HEADING}\n\n`;
  if (input.excluded.length === 0) {
    out += "Every entry of the agent environment was packed; the exclusion rules matched\nnothing.\n";
  } else {
    out += "Everything below was found in the agent environment and deliberately kept out\n" +
      'of the snapshot. Entries ending in "/" are directories; nothing inside them was\n' +
      "packed.\n\n";
    for (const x of input.excluded) out += `- \`${inlinePath(x.path)}\` — ${x.rule}: ${x.reason}\n`;
  }
  out += `\n${SCAN_HEADING}\n\n`;
  if (input.findings.length === 0) {
    out += "No packed file matched any of the secret-candidate patterns.\n";
  } else {
    out += "Every packed text file was checked against patterns that tend to indicate\n" +
      "secrets. The lines below point at the places that matched (file, line number\n" +
      "and pattern) without quoting what was found. Look at these places before the\n" +
      "snapshot leaves your hands:\n\n";
    for (const f of input.findings) {
      const hard = f.hard ? ` ${HARD_MARKER}; packed only because --allow-findings was given)` : "";
      out += `- \`${inlinePath(f.path)}\` line ${f.line} — ${f.pattern}${hard}\n`;
    }
  }
  const skipped = input.binarySkipped ?? 0;
  if (skipped > 0) {
    out += `\n${plural(skipped, "file was", "files were")} not scanned because ${
      skipped === 1 ? "it looks" : "they look"
    } binary.\n`;
  }
  return out;
}

/** Inputs of {@link renderHandoff}. */
export interface HandoffInput {
  /** Which wording to use. */
  readonly form: SnapshotForm;
  /** The project root's base name. */
  readonly projectName: string;
  /** The manifest's `created_at`. */
  readonly createdAt: string;
  /** The manifest's `agentmod_version`. */
  readonly version: string;
  /** The manifest's `platform`. */
  readonly platform: string;
  /** Inventory entries (regular files plus symlinks). */
  readonly files: number;
  /** Sum of inventory sizes. */
  readonly bytes: number;
  /** Excluded entries, `snapshots-output` included. */
  readonly excluded: number;
  /** Scan findings, hard ones included. */
  readonly findings: number;
  /** Hard findings among them (packed only with `--allow-findings`). */
  readonly hardFindings: number;
}

/**
 * Renders `HANDOFF.md` (amod.md §1.14) in the wording of the given form.
 *
 * @example
 * ```ts
 * import { renderHandoff } from "./docs.ts";
 * const text = renderHandoff({
 *   form: "amod", projectName: "demo", createdAt: "2026-06-11T12:30:45Z", version: "handoff/0.1.0",
 *   platform: "linux/amd64", files: 10, bytes: 168, excluded: 3, findings: 1, hardFindings: 0,
 * });
 * console.assert(text.includes("handoff restore"));
 * ```
 */
export function renderHandoff(input: HandoffInput): string {
  const tree = input.form === "tree";
  const project = inlinePath(input.projectName);
  let out = `# Handoff: ${project}\n\n` +
    `A copy of the \`.agentmod/\` directory of \`${project}\`, where Claude Code, Codex CLI\n` +
    `and OpenCode keep this project's settings, skills${tree ? "" : ", sessions"} and work in progress, ` +
    (tree
      ? "written as a\ntree package so that it can travel with the repository.\n\n"
      : "packed\nas an `.amod` snapshot so that it can move to another machine.\n\n") +
    `- Project: ${project}\n` +
    `- Created: ${input.createdAt}\n` +
    `- Written by: ${input.version}\n` +
    `- Platform: ${input.platform}\n\n` +
    "## Contents\n\n" +
    `\`payload/\` holds ${plural(input.files, "file", "files")} (${plural(input.bytes, "byte", "bytes")}), ` +
    "each stored under its path from the\nproject root. Sizes, modes and SHA-256 digests are listed in " +
    "`inventory.json`;\n`checksums.txt` repeats the digests for every member with content, in the format\n" +
    "`sha256sum` reads.\n\n" +
    "## Restoring\n\n";
  if (tree) {
    out += "The package is committed to the project's repository and reaches the other\n" +
      "machine by commit and pull. `handoff restore` takes only `.amod` files, so the\n" +
      "payload is copied into place by hand; `RESTORE.md` walks through it, sign-ins\n" +
      "included. `handoff validate .agentmod-handoff` checks the package beforehand.\n\n";
  } else {
    out += "In the project on the new machine, `handoff restore <file>` unpacks it\n" +
      "(`agentmod handoff restore <file>` works as well). Before that,\n" +
      "`handoff validate <file>` checks it without touching anything. `RESTORE.md`\n" +
      "walks through the whole procedure, sign-ins included.\n\n";
  }
  out += "## Left out\n\n";
  out += input.excluded === 0
    ? "- The exclusion rules matched nothing; `REDACTION.md` confirms it.\n"
    : `- ${plural(input.excluded, "entry was", "entries were")} left out under the exclusion rules; ` +
      "`REDACTION.md` names\n  each one with its rule and reason. The rules cover login files, `.env` files,\n" +
      "  keys, cloud credentials, caches, git metadata, installed packages and scratch\n  directories.\n";
  if (input.findings === 0) {
    out += "- Secret scan: clean, no candidates in the packed files.\n";
  } else {
    const hard = input.hardFindings > 0 ? `, ${input.hardFindings} of them hard` : "";
    out +=
      `- Secret scan: ${plural(input.findings, "candidate", "candidates")} in the packed files${hard}; ` +
      "review the list in\n  `REDACTION.md` before you pass the snapshot on.\n";
  }
  if (tree) {
    out += "- Sessions, history and logs are left out: a committed package can be read by\n" +
      "  everyone with access to the repository. A regular `.amod` snapshot carries them\n" +
      "  privately.\n";
  }
  out += "- Credentials are never included, so each agent has to be signed in again on the\n" +
    "  new machine (`RESTORE.md` says how).\n" +
    "- gstack's git metadata is not included; after restoring,\n" +
    "  `agentmod install gstack --force` gives it a fresh clone that can update again.\n" +
    "- Globally installed npm tools: their packages under `lib/node_modules` are not\n" +
    "  packed, so the commands in `.agentmod/node/bin` may be broken links; install the\n" +
    "  tools again from inside the project.\n";
  return out;
}

/** Inputs of {@link renderRestore}. */
export interface RestoreInput {
  /** Which wording to use. */
  readonly form: SnapshotForm;
  /** The manifest's `agentmod_version`. */
  readonly version: string;
}

/**
 * Renders `RESTORE.md` (amod.md §1.15) in the wording of the given form.
 *
 * @example
 * ```ts
 * import { renderRestore } from "./docs.ts";
 * const text = renderRestore({ form: "amod", version: "handoff/0.1.0" });
 * console.assert(text.indexOf("handoff restore") < text.indexOf("agentmod handoff restore"));
 * ```
 */
export function renderRestore(input: RestoreInput): string {
  let out = "# How to restore\n\n" +
    `These notes come from ${input.version} and were written together with the snapshot.\n\n` +
    "## Steps\n\n";
  if (input.form === "tree") {
    out += "This is a tree package: it travels inside the project's repository, by commit and\n" +
      "pull. `handoff restore` takes only `.amod` files and does not accept it (neither does\n" +
      "`agentmod handoff restore`), so copy the payload by hand. Copying runs nothing from\n" +
      "the package.\n\n" +
      "1. Pull the commit that contains `.agentmod-handoff/` and change to the project root.\n" +
      "2. Check the package: `handoff validate .agentmod-handoff`.\n" +
      "3. Back up the current environment, if there is one:\n" +
      "   `mv .agentmod .agentmod.backup-$(date -u +%Y%m%d-%H%M%S)`.\n" +
      "4. Copy the payload, keeping symlinks as they are:\n" +
      "   `cp -RP .agentmod-handoff/payload/.agentmod .agentmod`.\n" +
      "5. If agentmod is installed, `agentmod doctor` points out anything that still\n" +
      "   needs attention.\n";
  } else {
    out += "1. Make sure the new machine has `handoff` (or agentmod) and whichever agents you\n" +
      "   work with: Claude Code, Codex CLI, OpenCode.\n" +
      "2. From the root of the target project, run `handoff restore <file>.amod`. With\n" +
      "   agentmod, `agentmod handoff restore <file>.amod` does the same job.\n" +
      "3. Before anything changes, the whole snapshot is validated (`handoff validate\n" +
      "   <file>.amod` runs the same checks on their own). A `.agentmod/` that is already\n" +
      "   there is renamed to a backup, not deleted, and files are written only inside the\n" +
      "   new `.agentmod/`. No file from the snapshot is run at any point.\n" +
      "4. If agentmod is installed, `agentmod doctor` points out anything that still\n" +
      "   needs attention.\n";
  }
  out += "\n## Signing in again\n\n" +
    "Nothing that proves who you are is packed: no login files, credentials or tokens.\n" +
    "Sign each agent in again once the environment is in place:\n\n" +
    "- Claude Code: start `claude` once in the project directory and follow its sign-in\n" +
    "  prompt.\n" +
    "- Codex CLI: `codex login`, run from the project directory.\n" +
    "- OpenCode: when it asks for credentials, sign in to your model provider once more.\n" +
    "- On macOS, Claude Code stores its sign-in in your login Keychain. That entry is not\n" +
    "  per project, so signing in once is enough for every project on the Mac.\n\n" +
    "## Tools to install again\n\n" +
    "- gstack: its git metadata was left out, so it cannot update itself;\n" +
    "  `agentmod install gstack --force` replaces it with a fresh clone.\n" +
    "- Globally installed npm tools: their packages under `lib/node_modules` are not\n" +
    "  packed, so the commands in `.agentmod/node/bin` may be broken links; install the\n" +
    "  tools again from inside the project.\n";
  return out;
}

/** Counts of scan lines in `REDACTION.md`. */
export interface FindingCounts {
  /** Lines counted as findings. */
  readonly findings: number;
  /** Those among them that carry the hard marker. */
  readonly hard: number;
}

/**
 * Counts findings in a `REDACTION.md` by the rule of amod.md §1.13: split at LF; a line starting
 * with `## ` starts a section, the scan section when it equals `## Secret-candidate scan` after
 * trimming; there every line starting with `- ` is a finding, and a hard one when it contains
 * `(HARD finding`.
 *
 * @example
 * ```ts
 * import { countFindings } from "./docs.ts";
 * const c = countFindings("## Secret-candidate scan\n\n- `a` line 1 — private-key (HARD finding)\n");
 * console.assert(c.findings === 1 && c.hard === 1);
 * ```
 */
export function countFindings(text: string): FindingCounts {
  let inScan = false;
  let findings = 0;
  let hard = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("## ")) {
      inScan = line.trim() === SCAN_HEADING;
      continue;
    }
    if (inScan && line.startsWith("- ")) {
      findings++;
      if (line.includes(HARD_MARKER)) hard++;
    }
  }
  return { findings, hard };
}

/** A parsed excluded-entry line. */
export interface ParsedExclusion {
  /** The path between the backticks, as written. */
  readonly path: string;
  /** The rule id. */
  readonly rule: string;
  /** The text after the rule id. */
  readonly reason: string;
}

/** A parsed finding line. */
export interface ParsedFinding {
  /** The path between the backticks, as written. */
  readonly path: string;
  /** The line number. */
  readonly line: number;
  /** The pattern id. */
  readonly pattern: string;
  /** True when the line carries the hard marker. */
  readonly hard: boolean;
}

/** The parsed structure of a `REDACTION.md`. */
export interface ParsedRedaction {
  /** The document's first line (`# Redaction report` when well formed). */
  readonly firstLine: string;
  /** Every `## ` heading, in order. */
  readonly headings: readonly string[];
  /** Items of the excluded-entries section, in order. */
  readonly excluded: readonly ParsedExclusion[];
  /** Items of the scan section, in order. */
  readonly findings: readonly ParsedFinding[];
  /** Lines starting with `- ` in the two sections that match neither item form. */
  readonly strayItems: readonly string[];
}

const EXCLUDED_ITEM = /^- `(.*)` — ([a-z][a-z0-9-]*): (.*)$/;
const FINDING_ITEM = /^- `(.*)` line ([0-9]+) — ([a-z][a-z0-9-]*)(.*)$/;

/**
 * Parses the tokens of a `REDACTION.md` that other tools rely on (amod.md §1.13): the first line,
 * the headings, the excluded entries with rule and reason, the findings with line, pattern and
 * hard marker, and any stray `- ` line in the two sections.
 *
 * @example
 * ```ts
 * import { parseRedaction } from "./docs.ts";
 * const p = parseRedaction("# Redaction report\n\n## Excluded from the payload\n\n- `.agentmod/x/` — tmp: scratch\n");
 * console.assert(p.excluded[0]?.rule === "tmp" && p.excluded[0]?.path === ".agentmod/x/");
 * ```
 */
export function parseRedaction(text: string): ParsedRedaction {
  const lines = text.split("\n");
  const headings: string[] = [];
  const excluded: ParsedExclusion[] = [];
  const findings: ParsedFinding[] = [];
  const strayItems: string[] = [];
  let section: "excluded" | "scan" | "other" = "other";
  for (const line of lines) {
    if (line.startsWith("## ")) {
      headings.push(line);
      const h = line.trim();
      section = h === EXCLUDED_HEADING ? "excluded" : h === SCAN_HEADING ? "scan" : "other";
      continue;
    }
    if (!line.startsWith("- ") || section === "other") continue;
    if (section === "excluded") {
      const m = EXCLUDED_ITEM.exec(line);
      if (m === null) strayItems.push(line);
      else excluded.push({ path: m[1] as string, rule: m[2] as string, reason: m[3] as string });
    } else {
      const m = FINDING_ITEM.exec(line);
      if (m === null) strayItems.push(line);
      else {
        findings.push({
          path: m[1] as string,
          line: Number(m[2]),
          pattern: m[3] as string,
          hard: line.includes(HARD_MARKER),
        });
      }
    }
  }
  return { firstLine: lines[0] ?? "", headings, excluded, findings, strayItems };
}
