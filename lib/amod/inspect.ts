/**
 * `inspect` of a snapshot (amod.md §5.5, §5.7): phases 1 and 2 only — root members are decoded
 * with their CRC checked, payload contents are not read — and a description for people: identity,
 * git state, counts, recorded secret candidates and the display-escaped `REDACTION.md`.
 *
 * @module
 */

import { displayEscape } from "../report/render.ts";
import type { ZipLimits } from "../zip/limits.ts";
import { countFindings } from "./docs.ts";
import { isReadFailure, openSnapshot, type SnapshotFs } from "./open.ts";
import { type AmodRedaction, type AmodReport, amodReport, ioErrorReport, verifySnapshot } from "./verify.ts";

/** Options of {@link inspectSnapshot}. */
export interface InspectSnapshotOptions {
  /** Member, byte and ratio limits (`0` disables one). */
  readonly limits: ZipLimits;
  /** File system to read through (tests inject failures). */
  readonly fs?: SnapshotFs;
}

/**
 * Inspects a snapshot path and returns the §5.7 report with `operation: "inspect"`:
 * `summary.checked` and `summary.plan` are `null`, `redaction` holds the finding counts and the
 * text of `REDACTION.md` (or `null` when it cannot be read).
 *
 * @example
 * ```ts
 * import { inspectSnapshot } from "./inspect.ts";
 * import { AMOD_LIMITS } from "../zip/limits.ts";
 * const r = await inspectSnapshot("/nonexistent.amod", { limits: AMOD_LIMITS });
 * console.assert(r.operation === "inspect" && r.problems[0]?.code === "input-not-found");
 * ```
 */
export async function inspectSnapshot(path: string, options: InspectSnapshotOptions): Promise<AmodReport> {
  const opened = await openSnapshot(path, options.fs ? { limits: options.limits, fs: options.fs } : options);
  if (!opened.ok) return amodReport("inspect", path, opened.inputKind, opened.problems, null, null);
  const handle = opened.handle;
  try {
    const v = await verifySnapshot(handle, { limits: options.limits, operation: "inspect" });
    let redaction: AmodRedaction | null = null;
    if (v.redactionText !== null) {
      const counts = countFindings(v.redactionText);
      redaction = { findings: counts.findings, hard_findings: counts.hard, text: v.redactionText };
    }
    return amodReport("inspect", path, handle.kind, v.problems, v, redaction);
  } catch (err) {
    if (!isReadFailure(err)) throw err;
    return ioErrorReport("inspect", path, handle.kind, err);
  } finally {
    handle.close();
  }
}

/** A manifest value for display: strings escaped, other JSON values as JSON, absence named. */
function shown(value: unknown): string {
  if (value === undefined || value === null) return "(not recorded)";
  return displayEscape(typeof value === "string" ? value : JSON.stringify(value));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The git line of `inspect` (§5.5): `no metadata recorded`, `<identity>, clean[, remote <url>]`
 * or `<identity>, DIRTY at create time (<summary>)[, remote <url>]`, the identity being
 * `branch <b> @ <head>` or `detached HEAD @ <head>` with `(no commits yet)` for an empty head
 * (§4.12). Values are display-escaped.
 *
 * @example
 * ```ts
 * import { gitLine } from "./inspect.ts";
 * console.assert(gitLine(undefined) === "no metadata recorded");
 * const line = gitLine({ dirty: true, status_summary: "1 untracked", source_included: false });
 * console.assert(line === "detached HEAD @ (no commits yet), DIRTY at create time (1 untracked)");
 * ```
 */
export function gitLine(git: unknown): string {
  if (!isRecord(git)) return "no metadata recorded";
  const text = (v: unknown): string | null => typeof v === "string" && v !== "" ? displayEscape(v) : null;
  const head = text(git.head) ?? "(no commits yet)";
  const branch = text(git.branch);
  const identity = branch !== null ? `branch ${branch} @ ${head}` : `detached HEAD @ ${head}`;
  const state = git.dirty === true
    ? `DIRTY at create time (${text(git.status_summary) ?? "no summary"})`
    : "clean";
  const remote = text(git.remote_url);
  return `${identity}, ${state}${remote !== null ? `, remote ${remote}` : ""}`;
}

/**
 * The text lines `inspect` prints on standard output before the problems and the verdict (§5.5):
 * the path and input kind, schema version, creation time, tool version, platform, git state,
 * counts, recorded secret candidates, then `--- REDACTION.md ---` and the document. Everything
 * taken from the snapshot is display-escaped.
 *
 * @example
 * ```ts
 * import { describeSnapshot, inspectSnapshot } from "./inspect.ts";
 * import { AMOD_LIMITS } from "../zip/limits.ts";
 * const lines = describeSnapshot(await inspectSnapshot("/nonexistent.amod", { limits: AMOD_LIMITS }));
 * console.assert(lines[0] === "snapshot: /nonexistent.amod (.amod archive)");
 * ```
 */
export function describeSnapshot(report: AmodReport): string[] {
  const kind = report.input_kind === "directory" ? "tree package" : ".amod archive";
  const lines = [`snapshot: ${displayEscape(report.input)} (${kind})`];
  const m = report.manifest;
  if (m === null) lines.push("manifest: not readable");
  else {
    lines.push(`schema version: ${shown(m.schema_version)}`);
    lines.push(`created at: ${shown(m.created_at)}`);
    lines.push(`tool version: ${shown(m.agentmod_version)}`);
    lines.push(`platform: ${shown(m.platform)}`);
    lines.push(`git: ${gitLine(m.git)}`);
  }
  const s = report.summary;
  if (s !== null) {
    const payload = s.payload_files === null || s.payload_bytes === null
      ? "payload files and bytes unknown (no usable inventory)"
      : `${s.payload_files} payload file${s.payload_files === 1 ? "" : "s"} (${s.payload_bytes} bytes)`;
    lines.push(
      `members: ${s.members}; ${payload}; ${s.payload_dirs} payload director${
        s.payload_dirs === 1 ? "y" : "ies"
      }`,
    );
  }
  const r = report.redaction;
  if (r === null) {
    if (report.operation === "inspect") {
      lines.push("recorded secret candidates: unknown (REDACTION.md not readable)");
    }
  } else {
    lines.push(`recorded secret candidates: ${r.findings} (${r.hard_findings} hard)`);
    lines.push("--- REDACTION.md ---");
    const doc = displayEscape(r.text, { document: true });
    lines.push(...(doc.endsWith("\n") ? doc.slice(0, -1) : doc).split("\n"));
  }
  return lines;
}
