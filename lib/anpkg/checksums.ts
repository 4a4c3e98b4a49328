/**
 * `meta/checksums.sha256`: rendering (anpkg.md §2.9) and the checks of §3.4 stage C.
 *
 * @module
 */

import { type Problem, problem } from "../report/report.ts";
import { compareCodePoints } from "../report/report.ts";
import { decodeUtf8, isBlank, pySplitLines, pyTrim } from "../text.ts";

/** The checksum member's name. */
export const CHECKSUMS_MEMBER = "meta/checksums.sha256";

/** One `<digest>  <name>` entry. */
export interface ChecksumEntry {
  readonly sha256: string;
  readonly name: string;
}

/**
 * Renders the checksum file: one line per entry in code-point order of names, LF endings.
 *
 * @example
 * ```ts
 * import { renderChecksums } from "./checksums.ts";
 * const text = renderChecksums([{ sha256: "b".repeat(64), name: "b" }, { sha256: "a".repeat(64), name: "a" }]);
 * console.assert(text === `${"a".repeat(64)}  a\n${"b".repeat(64)}  b\n`);
 * ```
 */
export function renderChecksums(entries: readonly ChecksumEntry[]): string {
  return [...entries]
    .sort((a, b) => compareCodePoints(a.name, b.name))
    .map((e) => `${e.sha256}  ${e.name}\n`)
    .join("");
}

/** What the package's members look like to the checksum stage. */
export interface ChecksumSubject {
  /** Member names (directories excluded) with their SHA-256, or `null` when unreadable. */
  readonly digests: ReadonlyMap<string, string | null>;
}

const DIGEST = /^[0-9a-f]{64}$/;

/**
 * Runs stage C over the checksum file's bytes. Returns the problems; a non-UTF-8 file yields
 * `encoding-invalid` and no other problem.
 */
export function checkChecksums(bytes: Uint8Array, subject: ChecksumSubject): Problem[] {
  const member = CHECKSUMS_MEMBER;
  const text = decodeUtf8(bytes);
  if (text === null) {
    return [problem("encoding-invalid", "The checksum file is not valid UTF-8", { member })];
  }
  const problems: Problem[] = [];
  const listed = new Map<string, string>();
  const entries: ChecksumEntry[] = [];
  pySplitLines(text).forEach((raw, i) => {
    const n = i + 1;
    const line = pyTrim(raw);
    if (isBlank(line)) return;
    const sep = line.indexOf("  ");
    if (sep < 0) {
      problems.push(problem("checksums-line-invalid", `Line ${n} has no two-space separator`, { member }));
      return;
    }
    const digest = line.slice(0, sep);
    const name = line.slice(sep + 2);
    if (!DIGEST.test(digest)) {
      problems.push(
        problem("checksums-digest-invalid", `Line ${n} does not start with 64 lowercase hex digits`, {
          member,
        }),
      );
      return;
    }
    if (name === CHECKSUMS_MEMBER) {
      problems.push(problem("checksums-self-entry", `Line ${n} lists the checksum file itself`, { member }));
      return;
    }
    if (listed.has(name)) {
      problems.push(problem("checksums-duplicate-entry", `Line ${n} lists "${name}" again`, { member }));
      return;
    }
    listed.set(name, digest);
    entries.push({ sha256: digest, name });
  });
  for (const [name, actual] of subject.digests) {
    if (name === CHECKSUMS_MEMBER) continue;
    const want = listed.get(name);
    if (want === undefined) {
      problems.push(
        problem("checksum-missing-entry", `Member "${name}" has no checksum line`, { member: name }),
      );
    } else if (actual !== null && actual !== want) {
      problems.push(
        problem("checksum-mismatch", `SHA-256 of "${name}" differs from its checksum line`, { member: name }),
      );
    }
  }
  for (const name of listed.keys()) {
    if (!subject.digests.has(name)) {
      problems.push(problem("checksum-orphan-entry", `Checksum line names "${name}", which is not a member`, {
        member,
      }));
    }
  }
  if (renderChecksums(entries) !== text) {
    problems.push(
      problem(
        "checksums-noncanonical",
        "The checksum file is not in canonical form (order, line ends or blank lines)",
        {
          member,
        },
      ),
    );
  }
  return problems;
}
