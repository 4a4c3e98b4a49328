/**
 * Checking a snapshot (amod.md §5.2–§5.4, §5.6–§5.8, §6.3): the four phases — container,
 * structure, content and integrity, payload plan — over an opened snapshot, in one pass that
 * reports every problem, and the restore plan that phase 4 yields.
 *
 * Phase 1 is the open itself (`open.ts`). Phase 2 reads the six root members (decoding them with
 * their CRC checked) and parses them. Phase 3 decodes every other readable non-directory entry
 * exactly once, streaming, with SHA-256 and a byte count computed on the way, and compares the
 * results with `checksums.txt` and `inventory.json`. Phase 4 checks every payload path in the
 * order of the table, then the plan as a whole (collisions, parents, symlink resolution, marker).
 *
 * @module
 */

import type { Code } from "../report/codes.ts";
import { compareCodePoints, type Problem, problem, type ReportCore, reportCore } from "../report/report.ts";
import { AdaptiveSha256, createSha256, HashThread, sha256Hex, THREAD_DIGEST_BYTES } from "../digest.ts";
import { collisionKey, hasControlCharacter, hasDrivePrefix, normalizePath } from "../names.ts";
import type { ZipLimits } from "../zip/limits.ts";
import { formatMode, type Inventory, type Manifest, parseInventory, parseManifest } from "./json.ts";
import {
  isReadFailure,
  openSnapshot,
  type ReadOutcome,
  ROOT_MEMBERS,
  type SnapshotEntry,
  type SnapshotFs,
  type SnapshotHandle,
  type SnapshotInputKind,
} from "./open.ts";
import {
  checkSymlinkTarget,
  hasProjectMarker,
  MAX_SYMLINK_TARGET_BYTES,
  resolveLink,
  type SnapshotView,
  type ViewEntry,
} from "./resolve.ts";
import { errorLine } from "../text.ts";

/** Which phases run: `validate` all four, `inspect` phases 1 and 2 (§5.5). */
export type VerifyOperation = "validate" | "inspect";

/** Options of {@link verifySnapshot}. */
export interface VerifyOptions {
  /** The limits the snapshot was opened with (root members have their own cap besides). */
  readonly limits: ZipLimits;
  /** `validate` (all phases) or `inspect` (phases 1 and 2). */
  readonly operation: VerifyOperation;
}

/** One entry of the restore plan (§6.3). */
export interface PlanEntry {
  /** The project-root-relative path, starting with `.agentmod`. */
  readonly rel: string;
  /** The member name, or `null` for an implicit parent directory. */
  readonly member: string | null;
  /** The permission bits to apply (`0o700` for implicit parents). */
  readonly perm: number;
  /** Symlinks only: the link target. */
  readonly target?: string;
  /** The snapshot entry to read content from; `null` for implicit parents. */
  readonly entry: SnapshotEntry | null;
}

/** The restore plan: three lists, each sorted by rel path in UTF-8 order (parents first). */
export interface RestorePlan {
  /** Directories, implicit parents included. */
  readonly dirs: readonly PlanEntry[];
  /** Regular files. */
  readonly files: readonly PlanEntry[];
  /** Symbolic links, with their targets. */
  readonly links: readonly PlanEntry[];
}

/** The plan's counts as reports give them (implicit parents are not counted, §6.6). */
export interface PlanCounts {
  /** Planned directory entries. */
  readonly dirs: number;
  /** Planned regular files. */
  readonly files: number;
  /** Planned symlinks. */
  readonly links: number;
}

/** Counts a verification found. */
export interface VerifyCounts {
  /** Number of entries. */
  readonly members: number;
  /** Inventory entries (files plus symlinks), or `null` without a usable inventory. */
  readonly payloadFiles: number | null;
  /** Sum of inventory sizes, or `null` without a usable inventory. */
  readonly payloadBytes: number | null;
  /** Directory entries under `payload/`. */
  readonly payloadDirs: number;
  /**
   * Readable non-directory entries other than `checksums.txt` that have a line in
   * `checksums.txt`, matching or not; `null` when phase 3 did not run or no list was usable.
   */
  readonly checked: number | null;
}

/** Everything {@link verifySnapshot} found. */
export interface Verification {
  /** Every problem, in discovery order (sort with `reportCore`). */
  readonly problems: readonly Problem[];
  /** The typed manifest, or `null` when it is missing or unusable. */
  readonly manifest: Manifest | null;
  /** The manifest's known keys as read, for reports; `null` when it is not a JSON object. */
  readonly manifestKnown: Readonly<Record<string, unknown>> | null;
  /** The usable inventory, or `null`. */
  readonly inventory: Inventory | null;
  /** `REDACTION.md` as text, or `null` when it could not be read. */
  readonly redactionText: string | null;
  /** Counts, or `null` when phase 1 was fatal. */
  readonly counts: VerifyCounts | null;
  /** The restore plan (`validate` only), or `null`. */
  readonly plan: RestorePlan | null;
}

/** A parsed `checksums.txt` line. */
export interface ChecksumLine {
  /** 1-based line number. */
  readonly line: number;
  /** 64 lowercase hex digits. */
  readonly sha256: string;
  /** The member name. */
  readonly name: string;
}

/** What {@link parseChecksums} found. */
export interface ChecksumsReading {
  /** Well-formed lines with first occurrences of each name, or `null` when not valid UTF-8. */
  readonly lines: readonly ChecksumLine[] | null;
  /** `checksums-invalid`, `checksums-malformed-line`, `checksums-duplicate-name`. */
  readonly problems: readonly Problem[];
}

const CHECKSUMS = "checksums.txt";
const PAYLOAD_PREFIX = "payload/";
// deno-lint-ignore no-control-regex -- the control set of amod.md §1.2 is excluded from names
const CHECKSUM_LINE = /^[0-9a-f]{64} {2}[^\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/;
const PROTECTED = new Set([".git", ".ssh", ".aws", ".docker"]);
const ROOT_MEMBER_MIN_CAP = 64 * 1024 * 1024;
const ROOT_MEMBER_PER_ENTRY = 512;
/** Above this many entries, hashing goes through `node:crypto` once instead of Web Crypto per entry. */
const STREAM_HASH_ENTRIES = 256;
/** Past this many spellings of one name in one directory, each is paired with the first only. */
const PAIRWISE_LIMIT = 8;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * Reads `checksums.txt` (§1.12, §5.3 phase 2): `checksums-invalid` when it is not valid UTF-8 (no
 * line checks run then), `checksums-malformed-line` for each non-empty line that is not 64
 * lowercase hex digits, two spaces and a name without control characters, and
 * `checksums-duplicate-name` for each repeated name. Empty lines are skipped; a missing final LF
 * is accepted.
 *
 * @example
 * ```ts
 * import { parseChecksums } from "./verify.ts";
 * const text = `${"a".repeat(64)}  manifest.json\r\n${"b".repeat(64)}  x\n`;
 * const r = parseChecksums(new TextEncoder().encode(text));
 * console.assert(r.problems[0]?.code === "checksums-malformed-line" && r.lines?.length === 1);
 * ```
 */
export function parseChecksums(bytes: Uint8Array): ChecksumsReading {
  const member = CHECKSUMS;
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return {
      lines: null,
      problems: [problem("checksums-invalid", "The checksum list is not valid UTF-8", { member })],
    };
  }
  const problems: Problem[] = [];
  const lines: ChecksumLine[] = [];
  const seen = new Set<string>();
  text.split("\n").forEach((line, i) => {
    if (line === "") return;
    const n = i + 1;
    if (!CHECKSUM_LINE.test(line)) {
      problems.push(problem(
        "checksums-malformed-line",
        `Line ${n} is not 64 lowercase hex digits, two spaces and a name`,
        { member },
      ));
      return;
    }
    const name = line.slice(66);
    if (seen.has(name)) {
      problems.push(
        problem("checksums-duplicate-name", `Line ${n} lists "${name}" a second time`, { member }),
      );
      return;
    }
    seen.add(name);
    lines.push({ line: n, sha256: line.slice(0, 64), name });
  });
  return { lines, problems };
}

/** The largest root member that is read: max(64 MiB, 512 bytes × entries) (§5.3). */
export function rootMemberCap(entries: number): number {
  return Math.max(ROOT_MEMBER_MIN_CAP, ROOT_MEMBER_PER_ENTRY * entries);
}

/** The outcome of decoding one entry. */
interface Content {
  /** Decoded completely, with sizes and CRC-32 as declared: the digest can be trusted. */
  readonly ok: boolean;
  readonly sha256: string | null;
  readonly size: number;
  /** Kept for root members and symlinks. */
  readonly bytes: Uint8Array | null;
}

interface Hash {
  update(chunk: Uint8Array): void | Promise<void>;
  hex(): string | Promise<string>;
}

/** Decodes entries at most once each, keeping digests (and small contents where asked). */
class Decoder {
  readonly #handle: SnapshotHandle;
  readonly #problems: Problem[];
  readonly #results = new Map<number, Content>();
  #newHash: (() => Promise<Hash>) | null = null;
  /** Hashes large files beside the decoding; started at once so it is ready when needed. */
  #thread: HashThread | null = null;

  constructor(handle: SnapshotHandle, problems: Problem[]) {
    this.#handle = handle;
    this.#problems = problems;
    if (!handle.fatal && handle.entries.some((e) => e.kind === "file" && e.size >= THREAD_DIGEST_BYTES)) {
      this.#thread = new HashThread();
    }
  }

  /** Ends the hashing thread, if any (idempotent). */
  close(): void {
    this.#thread?.close();
    this.#thread = null;
  }

  get(e: SnapshotEntry): Content | undefined {
    return this.#results.get(e.index);
  }

  async #hash(): Promise<Hash> {
    if (this.#newHash === null) {
      if (this.#handle.entries.length > STREAM_HASH_ENTRIES) {
        // Many members: one import of the Node layer beats a Web Crypto round trip per member.
        this.#newHash = createSha256;
      } else {
        this.#newHash = () => Promise.resolve(new AdaptiveSha256());
      }
    }
    return await this.#newHash();
  }

  async decode(e: SnapshotEntry, keep: boolean): Promise<Content> {
    const done = this.#results.get(e.index);
    if (done !== undefined) return done;
    // A large file is hashed on the thread, which lends the buffers it is inflated into and
    // copies any other chunk: the decoder may then reuse its buffers. Small files may be buffered
    // by the hasher as given, so each of their chunks is fresh.
    const thread = e.size >= THREAD_DIGEST_BYTES ? this.#thread : null;
    const hash = thread ?? await this.#hash();
    const kept: Uint8Array[] = [];
    let length = 0;
    let outcome: ReadOutcome;
    const input = thread?.input() ?? null;
    try {
      outcome = await this.#handle.read(e, async (chunk) => {
        // Kept first: a chunk fed to the thread may travel there.
        if (keep) kept.push(chunk.slice());
        length += chunk.length;
        await hash.update(chunk);
      }, { readAhead: true, ...input?.options });
    } catch (err) {
      // The thread holds a partial digest now: later files are hashed here instead.
      if (thread !== null) this.close();
      throw err;
    }
    let content: Content;
    if (outcome.status === "ok") {
      let bytes: Uint8Array | null = null;
      if (keep) {
        bytes = new Uint8Array(length);
        let at = 0;
        for (const c of kept) {
          bytes.set(c, at);
          at += c.length;
        }
      }
      const sha256 = input === null ? await hash.hex() : (await input.digests()).sha256;
      content = { ok: true, sha256, size: outcome.size, bytes };
    } else {
      // Finishing the partial digest readies the thread for the next file.
      await input?.digests();
      if (outcome.status === "problem") this.#problems.push(outcome.problem);
      content = { ok: false, sha256: null, size: outcome.size, bytes: null };
    }
    this.#results.set(e.index, content);
    return content;
  }
}

/** A map key that tells byte-identical names apart from everything else. */
function nameKey(e: SnapshotEntry): string {
  if (e.name !== null) return `s${e.name}`;
  let hex = "b";
  for (const b of e.nameBytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

function startsWithPayload(bytes: Uint8Array): boolean {
  if (bytes.length < PAYLOAD_PREFIX.length) return false;
  for (let i = 0; i < PAYLOAD_PREFIX.length; i++) if (bytes[i] !== PAYLOAD_PREFIX.charCodeAt(i)) return false;
  return true;
}

/** The first of the nine path checks of phase 4 that `rel` fails, with a message. */
function pathProblem(rel: string, directoryWithoutSlash: boolean): [Code, string] | null {
  if (hasControlCharacter(rel)) {
    return ["path-control-character", "The payload path contains a control character"];
  }
  if (rel.includes("\\")) return ["path-backslash", `The payload path "${rel}" contains a backslash`];
  if (rel.startsWith("/")) return ["path-absolute", `The payload path "${rel}" is absolute`];
  if (hasDrivePrefix(rel)) {
    return ["path-drive-letter", `The payload path "${rel}" starts with a drive letter`];
  }
  const clean = normalizePath(rel);
  if (clean === ".." || clean.startsWith("../")) {
    return ["path-escapes-root", `The payload path "${rel}" leads out of the project root`];
  }
  if (clean !== rel) {
    return ["path-not-canonical", `The payload path "${rel}" is not in canonical form ("${clean}")`];
  }
  if (directoryWithoutSlash) {
    return ["path-not-canonical", `The directory entry "${rel}" lacks its trailing "/"`];
  }
  const segments = rel.split("/");
  if (segments[0] !== ".agentmod") {
    return ["path-outside-agentmod", `The payload path "${rel}" is not inside ".agentmod"`];
  }
  const bad = segments.slice(1).find((s) => PROTECTED.has(s));
  if (bad !== undefined) {
    return ["path-protected-element", `The payload path "${rel}" contains the protected element "${bad}"`];
  }
  return null;
}

/** A payload entry that passed the nine path checks. */
interface Planned {
  readonly entry: SnapshotEntry;
  readonly rel: string;
  /** Symlinks: `valid` with the target, `invalid` (a bad target is known), or `unknown` (unread). */
  link: { state: "valid"; target: string } | { state: "invalid" } | { state: "unknown" } | null;
  /** An error-severity kind, target or resolution problem concerns this entry. */
  failed: boolean;
}

/**
 * Runs the phases of amod.md §5.2 over an opened snapshot. Operating-system read failures throw
 * (the caller reports `io-error`); everything else about the input is a problem.
 *
 * @example
 * ```ts
 * import { openArchiveSource } from "./open.ts";
 * import { verifySnapshot } from "./verify.ts";
 * import { bytesSource } from "../zip/source.ts";
 * import { AMOD_LIMITS } from "../zip/limits.ts";
 * const handle = await openArchiveSource(bytesSource(new Uint8Array(0)), "empty.amod", AMOD_LIMITS);
 * const v = await verifySnapshot(handle, { limits: AMOD_LIMITS, operation: "validate" });
 * console.assert(v.problems[0]?.code === "zip-no-end-record" && v.plan === null);
 * ```
 */
export async function verifySnapshot(handle: SnapshotHandle, options: VerifyOptions): Promise<Verification> {
  const problems: Problem[] = [...handle.problems];
  const decoder = new Decoder(handle, problems);
  try {
    return await verifyPhases(handle, options, problems, decoder);
  } finally {
    decoder.close();
  }
}

async function verifyPhases(
  handle: SnapshotHandle,
  options: VerifyOptions,
  problems: Problem[],
  decoder: Decoder,
): Promise<Verification> {
  const none: Verification = {
    problems,
    manifest: null,
    manifestKnown: null,
    inventory: null,
    redactionText: null,
    counts: null,
    plan: null,
  };
  if (handle.fatal) return none;
  const form = handle.kind === "archive" ? "amod" : "tree";
  const entries = handle.entries;
  const rootCap = rootMemberCap(entries.length);

  /** Non-directory entries by name. */
  const nonDirs = new Map<string, SnapshotEntry[]>();
  const byName = new Map<string, SnapshotEntry[]>();
  for (const e of entries) {
    if (e.name === null) continue;
    const all = byName.get(e.name);
    if (all === undefined) byName.set(e.name, [e]);
    else all.push(e);
    if (e.kind === "directory") continue;
    const list = nonDirs.get(e.name);
    if (list === undefined) nonDirs.set(e.name, [e]);
    else list.push(e);
  }

  // ── Phase 2: structure ──
  const seen = new Set<string>();
  for (const e of entries) {
    const key = nameKey(e);
    if (seen.has(key)) {
      problems.push(problem("duplicate-member", `The name "${e.displayName}" appears more than once`, {
        member: e.displayName,
      }));
    }
    seen.add(key);
  }
  for (const e of entries) {
    const root = e.name !== null && ROOT_MEMBERS.includes(e.name);
    if (!root && !startsWithPayload(e.nameBytes)) {
      problems.push(problem(
        "member-outside-payload",
        `The entry "${e.displayName}" is neither a root document nor under payload/`,
        { member: e.displayName },
      ));
    }
  }
  const rootBytes = new Map<string, Uint8Array>();
  for (const name of ROOT_MEMBERS) {
    const copies = byName.get(name) ?? [];
    if (copies.length === 0) {
      problems.push(problem("root-member-missing", `The snapshot has no "${name}"`, { member: name }));
      continue;
    }
    const file = copies.find((e) => e.kind === "file");
    if (file === undefined) {
      problems.push(problem(
        "root-member-not-file",
        `The root member "${name}" is a ${
          copies[0]!.kind === "other" ? "special file" : copies[0]!.kind
        }, not a regular file`,
        { member: name },
      ));
      continue;
    }
    if (file.size > rootCap) {
      problems.push(problem(
        "root-member-too-large",
        `The root member "${name}" declares ${file.size} bytes, more than the ${rootCap} that are read`,
        { member: name },
      ));
      continue;
    }
    if (!file.readable) continue;
    const c = await decoder.decode(file, true);
    if (c.ok && c.bytes !== null) rootBytes.set(name, c.bytes);
  }

  let manifest: Manifest | null = null;
  let manifestKnown: Readonly<Record<string, unknown>> | null = null;
  const manifestBytes = rootBytes.get("manifest.json");
  if (manifestBytes !== undefined) {
    const m = parseManifest(manifestBytes, form);
    manifest = m.manifest;
    manifestKnown = m.known;
    problems.push(...m.problems);
  }
  let inventory: Inventory | null = null;
  const inventoryBytes = rootBytes.get("inventory.json");
  if (inventoryBytes !== undefined) {
    const r = parseInventory(inventoryBytes);
    inventory = r.inventory;
    problems.push(...r.problems);
  }
  let checksumLines: readonly ChecksumLine[] | null = null;
  const checksumBytes = rootBytes.get(CHECKSUMS);
  if (checksumBytes !== undefined) {
    const r = parseChecksums(checksumBytes);
    checksumLines = r.lines;
    problems.push(...r.problems);
  }
  const redactionBytes = rootBytes.get("REDACTION.md");
  const redactionText = redactionBytes === undefined ? null : lenientUtf8.decode(redactionBytes);

  let payloadDirs = 0;
  for (const e of entries) {
    if (
      e.kind === "directory" && e.name !== null && e.name.startsWith(PAYLOAD_PREFIX) &&
      e.name !== PAYLOAD_PREFIX
    ) {
      payloadDirs++;
    }
  }
  let payloadBytes = 0;
  for (const f of inventory?.entries ?? []) payloadBytes += f.size;
  const countsBase = {
    members: entries.length,
    payloadFiles: inventory === null ? null : inventory.entries.length,
    payloadBytes: inventory === null ? null : payloadBytes,
    payloadDirs,
  };
  if (options.operation === "inspect") {
    return {
      problems,
      manifest,
      manifestKnown,
      inventory,
      redactionText,
      counts: { ...countsBase, checked: null },
      plan: null,
    };
  }

  // ── Phase 3: content and integrity ──
  for (const e of entries) {
    if (e.kind === "directory" || !e.readable) continue;
    const root = e.name !== null && ROOT_MEMBERS.includes(e.name);
    if (handle.overTotalBytes && !root) continue;
    if (root && e.size > rootCap) continue;
    if (e.kind === "symlink" && e.size > MAX_SYMLINK_TARGET_BYTES) continue;
    await decoder.decode(e, e.kind === "symlink");
  }

  let checked: number | null = null;
  if (checksumLines !== null) {
    checked = 0;
    const want = new Map(checksumLines.map((l) => [l.name, l]));
    for (const e of entries) {
      if (e.kind === "directory" || e.name === null || e.name === CHECKSUMS) continue;
      const line = want.get(e.name);
      if (line === undefined) {
        problems.push(problem(
          "checksums-unlisted-member",
          `The member "${e.name}" has no line in checksums.txt`,
          { member: e.name },
        ));
        continue;
      }
      const c = decoder.get(e);
      if (c === undefined || !c.ok) continue;
      checked++;
      if (c.sha256 !== line.sha256) {
        problems.push(problem(
          "checksum-mismatch",
          `The SHA-256 of "${e.name}" differs from line ${line.line} of checksums.txt`,
          { member: e.name },
        ));
      }
    }
    for (const line of checksumLines) {
      if (!nonDirs.has(line.name)) {
        problems.push(problem(
          "checksums-missing-member",
          `Line ${line.line} of checksums.txt names "${line.name}", which is not a file or link of the snapshot`,
          { member: line.name },
        ));
      }
    }
  }

  if (inventory !== null) await compareInventory(entries, inventory, decoder, form, problems);

  // ── Phase 4: payload plan ──
  const plan = planPayload(handle, entries, decoder, problems);

  return {
    problems,
    manifest,
    manifestKnown,
    inventory,
    redactionText,
    counts: { ...countsBase, checked },
    plan,
  };
}

/** Phase 3's inventory comparisons (§5.3, §5.8). */
async function compareInventory(
  entries: readonly SnapshotEntry[],
  inventory: Inventory,
  decoder: Decoder,
  form: "amod" | "tree",
  problems: Problem[],
): Promise<void> {
  const checkModes = form === "amod" || Deno.build.os !== "windows";
  const present = new Set<string>();
  for (const e of entries) {
    if (e.kind === "directory" || e.name === null) continue;
    present.add(e.name);
    const rec = inventory.byPath.get(e.name);
    const member = e.name;
    if (rec === undefined) {
      if (e.name.startsWith(PAYLOAD_PREFIX)) {
        problems.push(problem(
          "inventory-unlisted-member",
          `The payload member "${member}" has no inventory entry`,
          { member },
        ));
      }
      continue;
    }
    const c = decoder.get(e);
    const known = c !== undefined && c.ok;
    let linkAsFile = false;
    if (rec.symlink_target !== undefined && e.kind !== "symlink") {
      const target = encoder.encode(rec.symlink_target);
      if (
        form === "tree" && e.kind === "file" && known && c.size === target.length &&
        c.sha256 === await sha256Hex(target)
      ) {
        linkAsFile = true;
        problems.push(problem(
          "tree-symlink-as-file",
          `The inventory records a symlink to "${rec.symlink_target}" but the tree holds a regular file with that text (a checkout with symlinks disabled?)`,
          { member },
        ));
      } else {
        problems.push(problem(
          "inventory-kind-mismatch",
          `The inventory records a symlink but "${member}" is a ${
            e.kind === "other" ? "special file" : e.kind
          }`,
          { member },
        ));
      }
    } else if (rec.symlink_target === undefined && e.kind === "symlink") {
      problems.push(problem(
        "inventory-kind-mismatch",
        `"${member}" is a symlink but the inventory records no target for it`,
        { member },
      ));
    } else if (rec.symlink_target !== undefined && known && c.bytes !== null) {
      if (!sameBytes(c.bytes, encoder.encode(rec.symlink_target))) {
        problems.push(problem(
          "inventory-kind-mismatch",
          `The link target of "${member}" differs from the inventory's "${rec.symlink_target}"`,
          { member },
        ));
      }
    }
    if (known) {
      if (c.size !== rec.size) {
        problems.push(problem(
          "inventory-size-mismatch",
          `"${member}" has ${c.size} bytes but the inventory records ${rec.size}`,
          { member },
        ));
      }
      if (c.sha256 !== rec.sha256) {
        problems.push(problem(
          "inventory-sha256-mismatch",
          `The SHA-256 of "${member}" differs from the inventory's`,
          { member },
        ));
      }
    }
    if (!checkModes || linkAsFile || e.perm === null) continue;
    const recorded = parseInt(rec.mode, 8);
    if (form === "amod") {
      if (formatMode(e.perm) !== rec.mode) {
        problems.push(problem(
          "inventory-mode-mismatch",
          `"${member}" has mode ${formatMode(e.perm)} but the inventory records ${rec.mode}`,
          { member },
        ));
      }
    } else if (e.kind === "file" && (e.perm & 0o100) !== (recorded & 0o100)) {
      // Git keeps only the executable bit of files (§5.8).
      problems.push(problem(
        "inventory-mode-mismatch",
        `"${member}" is ${
          (e.perm & 0o100) !== 0 ? "" : "not "
        }executable but the inventory records mode ${rec.mode}`,
        { member },
      ));
    }
  }
  for (const rec of inventory.entries) {
    if (inventory.byPath.get(rec.path) !== rec || present.has(rec.path)) continue;
    present.add(rec.path);
    problems.push(problem(
      "inventory-missing-member",
      `The inventory lists "${rec.path}", which is not a file or link of the snapshot`,
      { member: rec.path },
    ));
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Phase 4 (§5.3) and the plan of §6.3. */
function planPayload(
  handle: SnapshotHandle,
  entries: readonly SnapshotEntry[],
  decoder: Decoder,
  problems: Problem[],
): RestorePlan {
  const planned = new Map<string, Planned>();
  const order: Planned[] = [];
  const seenNames = new Set<string>();
  for (const e of entries) {
    if (e.name === null || !e.name.startsWith(PAYLOAD_PREFIX)) continue;
    if (e.zip !== null && e.zip.unixMode === null) continue; // host unsupported: no kind, no perm
    // A byte-identical copy is duplicate-member already; it never plans anything.
    if (seenNames.has(e.name)) continue;
    seenNames.add(e.name);
    const member = e.name;
    const nameDir = e.name.endsWith("/");
    let rel = e.name.slice(PAYLOAD_PREFIX.length);
    if (e.kind === "directory" && nameDir) rel = rel.slice(0, -1);
    if (rel === "") continue;
    const bad = pathProblem(rel, (e.kind === "directory" || e.dosDirectory) && !nameDir);
    if (bad !== null) {
      problems.push(problem(bad[0], bad[1], { member }));
      continue;
    }
    const earlier = planned.get(rel);
    if (earlier !== undefined) {
      problems.push(problem(
        "duplicate-payload-path",
        `The entry "${member}" restores to "${rel}", as "${earlier.entry.displayName}" does`,
        { member },
      ));
      continue;
    }
    const p: Planned = { entry: e, rel, link: null, failed: false };
    planned.set(rel, p);
    order.push(p);
  }

  // Kind and target checks.
  for (const p of order) {
    const e = p.entry;
    const member = e.displayName;
    const fail = (code: Code, message: string): void => {
      problems.push(problem(code, message, { member }));
      p.failed = true;
    };
    if (e.kind === "other") {
      fail(
        "entry-kind-unsupported",
        `The entry "${member}" is neither a directory, a regular file nor a symlink`,
      );
    }
    if (e.kind === "directory" && handle.kind === "archive" && (e.size > 0 || e.compressedSize > 0)) {
      fail("directory-has-content", `The directory entry "${member}" carries ${e.size} bytes of data`);
    }
    if (e.mode !== null && (e.mode & 0o7000) !== 0) {
      fail(
        "special-mode-bits",
        `The entry "${member}" has set-user-ID, set-group-ID or sticky bits (mode ${
          (e.mode & 0o7777).toString(8)
        })`,
      );
    }
    if (e.kind === "directory" && e.perm !== null && (e.perm & 0o700) !== 0o700) {
      problems.push(problem(
        "directory-mode-restrictive",
        `The directory "${p.rel}" has mode ${
          formatMode(e.perm)
        }; restore applies it last, but later work inside may fail`,
        { member },
      ));
    }
    if (e.kind !== "symlink") continue;
    if (e.size > MAX_SYMLINK_TARGET_BYTES) {
      fail("symlink-target-too-large", `The link target of "${member}" has ${e.size} bytes, more than 4096`);
      p.link = { state: "invalid" };
      continue;
    }
    if (e.targetInvalid) {
      fail("symlink-target-invalid", `The link target of "${member}" is not valid UTF-8`);
      p.link = { state: "invalid" };
      continue;
    }
    const c = decoder.get(e);
    if (c === undefined || !c.ok || c.bytes === null) {
      p.link = { state: "unknown" };
      continue;
    }
    const code = checkSymlinkTarget(c.bytes);
    if (code !== null) {
      fail(code, targetMessage(code, member));
      p.link = { state: "invalid" };
      continue;
    }
    p.link = { state: "valid", target: strictUtf8.decode(c.bytes) };
  }

  // Whole-plan checks: collisions, parents, implicit parents.
  collisions(order, problems);
  const implicit = new Map<string, string>();
  for (const p of order) {
    const segments = p.rel.split("/");
    let ancestor = "";
    for (let i = 0; i < segments.length - 1; i++) {
      ancestor = i === 0 ? segments[0]! : `${ancestor}/${segments[i]}`;
      const q = planned.get(ancestor);
      if (q === undefined) {
        if (!implicit.has(ancestor)) {
          implicit.set(ancestor, p.entry.displayName);
          problems.push(problem(
            "implicit-parent-directory",
            `The directory "${ancestor}" has no entry of its own; restore creates it with mode 0700`,
            { member: p.entry.displayName },
          ));
        }
      } else if (q.entry.kind !== "directory") {
        problems.push(problem(
          "parent-not-directory",
          `"${p.rel}" lies below "${ancestor}", which is not a directory`,
          { member: p.entry.displayName },
        ));
        p.failed = true;
        break;
      }
    }
  }

  const view: SnapshotView = (rel) => viewOf(planned.get(rel));
  for (const p of order) {
    if (p.link?.state !== "valid") continue;
    const r = resolveLink(p.rel, p.link.target, view);
    if (r.ok) continue;
    p.failed = true;
    problems.push(problem(
      r.code === "symlink-loop" ? "symlink-loop" : "symlink-escapes",
      r.code === "symlink-loop"
        ? `Resolving the link "${p.rel}" takes more than 40 link substitutions`
        : `The link "${p.rel}" → "${p.link.target}" leads out of ".agentmod" when it is followed`,
      { member: p.entry.displayName },
    ));
  }
  if (!hasProjectMarker(view)) {
    problems.push(problem(
      "project-marker-missing",
      'The payload has no ".agentmod/agentmod.toml", as a regular file or as a link to one',
    ));
  }

  const dirs: PlanEntry[] = [];
  const files: PlanEntry[] = [];
  const links: PlanEntry[] = [];
  for (const p of order) {
    if (p.failed) continue;
    const e = p.entry;
    const base = { rel: p.rel, member: e.displayName, entry: e };
    if (e.kind === "directory") dirs.push({ ...base, perm: e.perm ?? 0o755 });
    else if (e.kind === "file") files.push({ ...base, perm: e.perm ?? 0o644 });
    else if (e.kind === "symlink" && p.link?.state === "valid") {
      links.push({ ...base, perm: e.perm ?? 0o777, target: p.link.target });
    }
  }
  for (const rel of implicit.keys()) dirs.push({ rel, member: null, perm: 0o700, entry: null });
  const byRel = (a: PlanEntry, b: PlanEntry): number => compareCodePoints(a.rel, b.rel);
  return { dirs: dirs.sort(byRel), files: files.sort(byRel), links: links.sort(byRel) };
}

function viewOf(p: Planned | undefined): ViewEntry | undefined {
  if (p === undefined) return undefined;
  if (p.entry.kind === "directory") return { kind: "directory" };
  if (p.entry.kind !== "symlink") return { kind: "file" };
  switch (p.link?.state) {
    case "valid":
      return { kind: "symlink", target: p.link.target };
    case "invalid":
      // A link with a bad target cannot be followed: resolving through it fails.
      return { kind: "symlink", target: "" };
    default:
      // Unread content (already reported): the snapshot is invalid either way.
      return undefined;
  }
}

function targetMessage(code: Code, member: string): string {
  switch (code) {
    case "symlink-target-invalid":
      return `The link target of "${member}" is not valid UTF-8 or contains a control character`;
    case "symlink-target-empty":
      return `The link target of "${member}" is empty`;
    case "symlink-target-backslash":
      return `The link target of "${member}" contains a backslash`;
    case "symlink-target-absolute":
      return `The link target of "${member}" is absolute`;
    default:
      return `The link target of "${member}" has more than 4096 bytes`;
  }
}

/**
 * `path-collision` (§5.3, §5.4): planned paths and all their ancestors are grouped by spelled
 * parent and collision key of the last segment, so a pair is reported once, where the spellings
 * first diverge (`Dir/x` beside `dir/x` is the pair `Dir`/`dir`).
 */
function collisions(order: readonly Planned[], problems: Problem[]): void {
  const spelled = new Set<string>();
  const groups = new Map<string, string[]>();
  for (const p of order) {
    const segments = p.rel.split("/");
    let path = "";
    for (let i = 0; i < segments.length; i++) {
      const parent = path;
      const segment = segments[i]!;
      path = i === 0 ? segment : `${path}/${segment}`;
      if (spelled.has(path)) continue;
      spelled.add(path);
      const group = `${parent}\u0000${collisionKey(segment)}`;
      const others = groups.get(group);
      if (others === undefined) {
        groups.set(group, [path]);
        continue;
      }
      const n = others.length >= PAIRWISE_LIMIT ? 1 : others.length;
      for (let k = 0; k < n; k++) {
        problems.push(problem(
          "path-collision",
          `The paths "${others[k]}" and "${path}" collide on case-insensitive or normalizing file systems`,
          { member: p.entry.displayName },
        ));
      }
      others.push(path);
    }
  }
}

/** The `summary` object of the `.amod` report (§5.7). */
export interface AmodSummary {
  /** Number of entries. */
  readonly members: number;
  /** Inventory entries (files plus symlinks), or `null` without a usable inventory. */
  readonly payload_files: number | null;
  /** Sum of inventory sizes, or `null` without a usable inventory. */
  readonly payload_bytes: number | null;
  /** Directory entries under `payload/`. */
  readonly payload_dirs: number;
  /** Members checked against `checksums.txt` (`validate`), else `null`. */
  readonly checked: number | null;
  /** The restore plan's counts (`validate`), else `null`. */
  readonly plan: PlanCounts | null;
}

/** The `redaction` object of the `inspect` report (§5.7). */
export interface AmodRedaction {
  /** Scan findings listed in `REDACTION.md` (§1.13 counting rule). */
  readonly findings: number;
  /** Of those, hard findings. */
  readonly hard_findings: number;
  /** The document as read. */
  readonly text: string;
}

/** The `.amod` checking report (§5.7): the shared core plus `manifest`, `summary`, `redaction`. */
export interface AmodReport extends ReportCore {
  /** Always `amod`. */
  readonly format: "amod";
  /** `validate` or `inspect`. */
  readonly operation: VerifyOperation;
  /** `archive` or `directory`. */
  readonly input_kind: SnapshotInputKind;
  /** The manifest's known keys as read, or `null` when unusable. */
  readonly manifest: Readonly<Record<string, unknown>> | null;
  /** Counts, or `null` when the container could not be read. */
  readonly summary: AmodSummary | null;
  /** `inspect` only; `null` for `validate`. */
  readonly redaction: AmodRedaction | null;
}

/** The plan's counts (implicit parents excluded). */
export function planCounts(plan: RestorePlan): PlanCounts {
  return {
    dirs: plan.dirs.filter((d) => d.member !== null).length,
    files: plan.files.length,
    links: plan.links.length,
  };
}

/** Builds the §5.7 report object with keys in the specified order. */
export function amodReport(
  operation: VerifyOperation,
  input: string,
  inputKind: SnapshotInputKind,
  problems: readonly Problem[],
  v: Pick<Verification, "manifestKnown" | "counts" | "plan"> | null,
  redaction: AmodRedaction | null,
): AmodReport {
  const core = reportCore("amod", operation, input, inputKind, problems);
  const counts = v?.counts ?? null;
  return {
    report_version: core.report_version,
    format: "amod",
    operation,
    input: core.input,
    input_kind: inputKind,
    valid: core.valid,
    errors: core.errors,
    warnings: core.warnings,
    problems: core.problems,
    manifest: v?.manifestKnown ?? null,
    summary: counts === null ? null : {
      members: counts.members,
      payload_files: counts.payloadFiles,
      payload_bytes: counts.payloadBytes,
      payload_dirs: counts.payloadDirs,
      checked: counts.checked,
      plan: v?.plan === null || v?.plan === undefined ? null : planCounts(v.plan),
    },
    redaction,
  };
}

/** An `io-error` report: valid false, the one problem, the `.amod` keys `null` (§5.7). */
export function ioErrorReport(
  operation: VerifyOperation,
  input: string,
  inputKind: SnapshotInputKind,
  err: unknown,
): AmodReport {
  const text = errorLine(err);
  return amodReport(
    operation,
    input,
    inputKind,
    [problem("io-error", `Cannot read "${input}": ${text}`)],
    null,
    null,
  );
}

/** Options of {@link validateSnapshot}. */
export interface ValidateSnapshotOptions {
  /** Member, byte and ratio limits (`0` disables one). */
  readonly limits: ZipLimits;
  /** File system to read through (tests inject failures). */
  readonly fs?: SnapshotFs;
}

/**
 * `validate` (§5.6): opens the snapshot, runs all four phases, closes it, and returns the §5.7
 * report. Operating-system failures become an `io-error` report; a missing Deno permission
 * throws.
 *
 * @example
 * ```ts
 * import { validateSnapshot } from "./verify.ts";
 * import { AMOD_LIMITS } from "../zip/limits.ts";
 * const r = await validateSnapshot("/nonexistent.amod", { limits: AMOD_LIMITS });
 * console.assert(!r.valid && r.problems[0]?.code === "input-not-found" && r.summary === null);
 * ```
 */
export async function validateSnapshot(path: string, options: ValidateSnapshotOptions): Promise<AmodReport> {
  const opened = await openSnapshot(path, options.fs ? { limits: options.limits, fs: options.fs } : options);
  if (!opened.ok) return amodReport("validate", path, opened.inputKind, opened.problems, null, null);
  const handle = opened.handle;
  try {
    const v = await verifySnapshot(handle, { limits: options.limits, operation: "validate" });
    return amodReport("validate", path, handle.kind, v.problems, v, null);
  } catch (err) {
    if (!isReadFailure(err)) throw err;
    return ioErrorReport("validate", path, handle.kind, err);
  } finally {
    handle.close();
  }
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The summary line `validate` prints before its verdict (§5.6): members checked against
 * `checksums.txt` and the restore plan's counts.
 *
 * @example
 * ```ts
 * import { validateSummaryLine } from "./verify.ts";
 * const line = validateSummaryLine({
 *   summary: { members: 25, payload_files: 10, payload_bytes: 168, payload_dirs: 9, checked: 15, plan: { dirs: 9, files: 9, links: 1 } },
 * });
 * console.assert(line === "checked 15 members against checksums.txt; restore plan: 9 directories, 9 files, 1 symlink");
 * ```
 */
export function validateSummaryLine(report: Pick<AmodReport, "summary">): string {
  const s = report.summary;
  const checked = s === null || s.checked === null
    ? "checksums.txt: not checked"
    : `checked ${plural(s.checked, "member", "members")} against checksums.txt`;
  const plan = s === null || s.plan === null
    ? "restore plan: not computed"
    : `restore plan: ${plural(s.plan.dirs, "directory", "directories")}, ${
      plural(s.plan.files, "file", "files")
    }, ${plural(s.plan.links, "symlink", "symlinks")}`;
  return `${checked}; ${plan}`;
}
