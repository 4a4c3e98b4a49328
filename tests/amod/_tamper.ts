/**
 * Test helper: rebuilds `.amod` archives with one deliberate fault (amod.md §9 "Tamper" tests).
 * An archive is a list of {@link Member}s — name, unix mode, content — serialized in the
 * reference's layout (§1.7: descriptors, extended timestamps, version made by 0x0314); each field
 * can be overridden in the central header, the local header or both. {@link withLists}
 * regenerates `inventory.json` and `checksums.txt` so that only the intended fault remains.
 *
 * @module
 */

import { crc32 } from "../../lib/zip/crc32.ts";
import { put16, put32 } from "../../lib/zip/format.ts";
import { deflateRaw } from "../../lib/zip/zlib.ts";
import { needsUtf8Flag } from "../../lib/zip/write.ts";
import { readZip } from "../../lib/zip/read.ts";
import { decodeEntry } from "../../lib/zip/decode.ts";
import { bytesSource } from "../../lib/zip/source.ts";
import { AMOD_LIMITS, type ZipLimits } from "../../lib/zip/limits.ts";
import { openArchiveSource } from "../../lib/amod/open.ts";
import { type AmodReport, amodReport, verifySnapshot } from "../../lib/amod/verify.ts";
import { formatMode, type InventoryEntry, renderInventory } from "../../lib/amod/json.ts";
import { sha256Hex } from "../../lib/digest.ts";
import { compareCodePoints } from "../../lib/report/report.ts";
import { readFixture } from "./fixture.ts";

/** Unix type bits. */
export const DIR = 0o040000;
export const FILE = 0o100000;
export const LINK = 0o120000;

/** One archive member and the overrides that make it faulty. */
export interface Member {
  /** Name (UTF-8 text, or raw bytes for undecodable names). */
  name: string | Uint8Array;
  /** Unix mode with type bits (`0o100644`). */
  mode: number;
  /** Uncompressed content (empty for directories). */
  content: Uint8Array;
  /** 0 (store) or 8 (deflate); default 0 for directories and links, 8 for files. */
  method?: number;
  /** General-purpose flags in both headers (default: §1.7's). */
  flags?: number;
  /** Version made by (default 0x0314). */
  versionMadeBy?: number;
  /** External attributes (default: §1.3's from the mode). */
  external?: number;
  /** Central extra area (default: the extended timestamp block). */
  centralExtra?: Uint8Array;
  /** Local extra area (default: the extended timestamp block). */
  localExtra?: Uint8Array;
  /** Local header name (default: the central one). */
  localName?: string | Uint8Array;
  /** Declared CRC-32, in the central header and descriptor (default: the real one). */
  crc?: number;
  /** Declared uncompressed size, in the central header and descriptor. */
  usize?: number;
  /** Raw data written after the local header (default: content, deflated for method 8). */
  data?: Uint8Array;
  /** Write a data descriptor with zeros in the local header (default: every non-directory). */
  descriptor?: boolean;
}

/** Whole-archive faults. */
export interface ArchiveOptions {
  /** Bytes inserted after member i; recorded offsets of later members include them. */
  gapAfter?: Record<number, Uint8Array>;
  /**
   * Extra central entries that point at the local header of member `of`, optionally renamed; each
   * follows its original in the central directory, so the order stays the physical one.
   */
  sharedLocals?: { of: number; name?: string }[];
}

const enc = new TextEncoder();
const dec = new TextDecoder();
/** The fixture's instant as MS-DOS fields and Unix seconds (§1.5). */
const DOS_TIME = 0x63d6;
const DOS_DATE = 0x5ccb;
const UNIX_TIME = 1781181045;

/** Concatenates byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** UTF-8 bytes of text. */
export function utf8(text: string): Uint8Array {
  return enc.encode(text);
}

function nameBytes(name: string | Uint8Array): Uint8Array {
  return typeof name === "string" ? enc.encode(name) : name;
}

/** The member's name as text (lenient for raw names). */
export function nameOf(m: Member): string {
  return typeof m.name === "string" ? m.name : dec.decode(m.name);
}

function isDir(m: Member): boolean {
  return (m.mode & 0o170000) === DIR;
}

/** The extended timestamp extra block of the fixture (9 bytes). */
export function timestampBlock(): Uint8Array {
  const b = new Uint8Array(9);
  put16(b, 0, 0x5455);
  put16(b, 2, 5);
  b[4] = 1;
  put32(b, 5, UNIX_TIME);
  return b;
}

/** An extra block with the given id and data. */
export function extraBlock(id: number, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(4 + data.length);
  put16(b, 0, id);
  put16(b, 2, data.length);
  b.set(data, 4);
  return b;
}

/** External attributes of a mode as §1.3 writes them. */
export function externalOf(mode: number): number {
  const perm = mode & 0o777;
  const dir = (mode & 0o170000) === DIR;
  return ((mode & 0xffff) * 0x10000 + (dir ? 0x10 : 0) + ((perm & 0o200) === 0 ? 1 : 0)) >>> 0;
}

/** Serializes members in the reference layout with the given faults. */
export function buildArchive(members: readonly Member[], options: ArchiveOptions = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    offset += b.length;
  };
  const centrals: { m: Member; at: number; crc: number; csize: number; usize: number; flags: number }[] = [];
  members.forEach((m, i) => {
    const name = nameBytes(m.name);
    const dir = isDir(m);
    const method = m.method ?? (dir || (m.mode & 0o170000) === LINK ? 0 : 8);
    const descriptor = m.descriptor ?? !dir;
    const flags = m.flags ??
      ((descriptor ? 0x0008 : 0) | (typeof m.name === "string" && needsUtf8Flag(m.name) ? 0x0800 : 0));
    const data = m.data ?? (method === 8 ? deflateRaw(m.content) : m.content);
    const crc = m.crc ?? (m.content.length === 0 ? 0 : crc32(m.content));
    const usize = m.usize ?? m.content.length;
    const csize = data.length;
    const at = offset;
    const localName = m.localName === undefined ? name : nameBytes(m.localName);
    const localExtra = m.localExtra ?? timestampBlock();
    const h = new Uint8Array(30);
    put32(h, 0, 0x04034b50);
    put16(h, 4, 20);
    put16(h, 6, flags);
    put16(h, 8, method);
    put16(h, 10, DOS_TIME);
    put16(h, 12, DOS_DATE);
    if (!descriptor) {
      put32(h, 14, crc);
      put32(h, 18, csize);
      put32(h, 22, usize);
    }
    put16(h, 26, localName.length);
    put16(h, 28, localExtra.length);
    push(cat(h, localName, localExtra, data));
    if (descriptor) {
      const d = new Uint8Array(16);
      put32(d, 0, 0x08074b50);
      put32(d, 4, crc);
      put32(d, 8, csize);
      put32(d, 12, usize);
      push(d);
    }
    centrals.push({ m, at, crc, csize, usize, flags });
    const gap = options.gapAfter?.[i];
    if (gap !== undefined) push(gap);
  });
  const centralOf = (c: (typeof centrals)[number], rename?: string): Uint8Array => {
    const m = c.m;
    const name = rename === undefined ? nameBytes(m.name) : enc.encode(rename);
    const extra = m.centralExtra ?? timestampBlock();
    const method = m.method ?? (isDir(m) || (m.mode & 0o170000) === LINK ? 0 : 8);
    const h = new Uint8Array(46);
    put32(h, 0, 0x02014b50);
    put16(h, 4, m.versionMadeBy ?? 0x0314);
    put16(h, 6, 20);
    put16(h, 8, c.flags);
    put16(h, 10, method);
    put16(h, 12, DOS_TIME);
    put16(h, 14, DOS_DATE);
    put32(h, 16, c.crc);
    put32(h, 20, c.csize);
    put32(h, 24, c.usize);
    put16(h, 28, name.length);
    put16(h, 30, extra.length);
    put32(h, 38, m.external ?? externalOf(m.mode));
    put32(h, 42, c.at);
    return cat(h, name, extra);
  };
  centrals.forEach((c, i) => {
    central.push(centralOf(c));
    for (const s of options.sharedLocals ?? []) if (s.of === i) central.push(centralOf(c, s.name));
  });
  const cdOffset = offset;
  const cd = cat(...central);
  const end = new Uint8Array(22);
  put32(end, 0, 0x06054b50);
  put16(end, 8, central.length);
  put16(end, 10, central.length);
  put32(end, 12, cd.length);
  put32(end, 16, cdOffset);
  return cat(...parts, cd, end);
}

/** Reads every member of an archive (content decoded) as a {@link Member} list. */
export async function readMembers(bytes: Uint8Array): Promise<Member[]> {
  const source = bytesSource(bytes);
  const archive = await readZip(source, { limits: AMOD_LIMITS, requireUnixHost: true });
  if (archive.problems.length > 0) throw new Error(`Not a clean archive: ${archive.problems[0]!.code}`);
  const out: Member[] = [];
  for (const e of archive.entries) {
    const chunks: Uint8Array[] = [];
    const r = await decodeEntry(source, e, (c) => void chunks.push(c.slice()));
    if (r.status !== "ok") throw new Error(`Cannot decode ${e.displayName}`);
    out.push({ name: e.name!, mode: e.unixMode!, content: cat(...chunks) });
  }
  return out;
}

/** The fixture path (relative to the repository root's sibling `../shared`). */
export const FIXTURE_AMOD = "demo-project-20260611-123045.amod";

/** The fixture archive's bytes. */
export function fixtureBytes(): Promise<Uint8Array> {
  return readFixture(FIXTURE_AMOD);
}

/** The fixture's members in archive order. */
export async function fixtureMembers(): Promise<Member[]> {
  return await readMembers(await fixtureBytes());
}

/** Finds a member by name (throws when absent). */
export function find(members: readonly Member[], name: string): Member {
  const m = members.find((x) => nameOf(x) === name);
  if (m === undefined) throw new Error(`No member ${name}`);
  return m;
}

/** Replaces the content of the named member (returns a new list). */
export function withContent(
  members: readonly Member[],
  name: string,
  content: Uint8Array | string,
): Member[] {
  return members.map((m) =>
    nameOf(m) === name ? { ...m, content: typeof content === "string" ? utf8(content) : content } : m
  );
}

/** Applies overrides to the named member (returns a new list). */
export function patch(members: readonly Member[], name: string, changes: Partial<Member>): Member[] {
  return members.map((m) => nameOf(m) === name ? { ...m, ...changes } : m);
}

/** Removes the named member. */
export function without(members: readonly Member[], name: string): Member[] {
  return members.filter((m) => nameOf(m) !== name);
}

/**
 * Inserts members just before `manifest.json` (after the payload), as a writer would place extra
 * payload members.
 */
export function adding(members: readonly Member[], ...extra: Member[]): Member[] {
  const at = members.findIndex((m) => nameOf(m) === "manifest.json");
  const out = [...members];
  out.splice(at < 0 ? out.length : at, 0, ...extra);
  return out;
}

/** A regular file member. */
export function file(name: string, content: string | Uint8Array, perm = 0o644): Member {
  return { name, mode: FILE | perm, content: typeof content === "string" ? utf8(content) : content };
}

/** A directory member. */
export function dir(name: string, perm = 0o755): Member {
  return { name, mode: DIR | perm, content: new Uint8Array(0) };
}

/** A symlink member. */
export function link(name: string, target: string | Uint8Array, perm = 0o777): Member {
  return { name, mode: LINK | perm, content: typeof target === "string" ? utf8(target) : target };
}

/** Options of {@link withLists}. */
export interface ListOptions {
  /** Regenerate `inventory.json` (default true). */
  inventory?: boolean;
  /** Regenerate `checksums.txt` (default true). */
  checksums?: boolean;
}

const ROOT_DOCS = ["manifest.json", "inventory.json", "REDACTION.md", "HANDOFF.md", "RESTORE.md"];

/**
 * Regenerates `inventory.json` (every non-directory member under `payload/` with a UTF-8 name;
 * symlinks with their target) and `checksums.txt` (the five documents, the inventory's paths, then
 * any other non-directory member, in archive order; names with control characters cannot have a
 * line and are left out), so that a tampered archive carries consistent lists.
 */
export async function withLists(members: readonly Member[], options: ListOptions = {}): Promise<Member[]> {
  let out = [...members];
  const payload = (m: Member): boolean =>
    typeof m.name === "string" && m.name.startsWith("payload/") && !isDir(m);
  if (options.inventory ?? true) {
    const entries: InventoryEntry[] = [];
    for (const m of out.filter(payload)) {
      const isLink = (m.mode & 0o170000) === LINK;
      entries.push({
        path: m.name as string,
        size: m.content.length,
        sha256: await sha256Hex(m.content),
        mode: formatMode(m.mode),
        ...(isLink ? { symlink_target: dec.decode(m.content) } : {}),
      });
    }
    out = withContent(out, "inventory.json", renderInventory(entries));
  }
  if (options.checksums ?? true) {
    const inventoryPaths = out.filter(payload).map((m) => m.name as string).sort(compareCodePoints);
    const names: string[] = [];
    for (const n of [...ROOT_DOCS, ...inventoryPaths]) if (!names.includes(n)) names.push(n);
    for (const m of out) {
      const n = nameOf(m);
      if (typeof m.name !== "string" || isDir(m) || n === "checksums.txt" || names.includes(n)) continue;
      names.push(n);
    }
    let text = "";
    for (const n of names) {
      // deno-lint-ignore no-control-regex -- such names cannot be written on a checksum line
      if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(n)) continue;
      const m = out.find((x) => nameOf(x) === n && !isDir(x));
      if (m === undefined) continue;
      text += `${await sha256Hex(m.content)}  ${n}\n`;
    }
    out = withContent(out, "checksums.txt", text);
  }
  return out;
}

/** The fixture's manifest as an object (for edits). */
export async function fixtureManifest(): Promise<Record<string, unknown>> {
  return JSON.parse(dec.decode(find(await fixtureMembers(), "manifest.json").content));
}

const tempDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of tempDirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // already removed by the test itself
    }
  }
});

/**
 * Writes archive bytes to a temporary `.amod` file and returns its path. The folder is removed when
 * the test module unloads.
 */
export async function tempArchive(bytes: Uint8Array, name = "t.amod"): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "amod-test-" });
  tempDirs.push(dir);
  const path = `${dir}/${name}`;
  await Deno.writeFile(path, bytes);
  return path;
}

/**
 * Writes a snapshot's members as a tree package (§1.17, §5.8) under `dir`: root documents and
 * `payload/` entries with their recorded perms, links as links. `manifest.json` gains
 * `"for_git": true` and `checksums.txt` is regenerated to match.
 */
export async function writeTree(members: readonly Member[], dir: string): Promise<void> {
  const manifest = JSON.parse(dec.decode(find(members, "manifest.json").content));
  manifest.for_git = true;
  const { renderManifest } = await import("../../lib/amod/json.ts");
  const tree = await withLists(withContent(members, "manifest.json", renderManifest(manifest)), {
    inventory: false,
  });
  await Deno.mkdir(dir, { recursive: true });
  await Deno.mkdir(`${dir}/payload`);
  const dirModes: [string, number][] = [];
  for (const m of tree) {
    const name = nameOf(m);
    const path = `${dir}/${name.replace(/\/$/, "")}`;
    const type = m.mode & 0o170000;
    if (type === DIR) {
      await Deno.mkdir(path, { recursive: true });
      dirModes.push([path, m.mode & 0o777]);
    } else if (type === LINK) await Deno.symlink(dec.decode(m.content), path);
    else {
      await Deno.writeFile(path, m.content);
      await Deno.chmod(path, m.mode & 0o777);
    }
  }
  for (const [path, perm] of dirModes.reverse()) await Deno.chmod(path, perm);
}

/** Validates archive bytes held in memory (all four phases) and returns the §5.7 report. */
export async function validateBytes(
  bytes: Uint8Array,
  limits: ZipLimits = AMOD_LIMITS,
  name = "t.amod",
): Promise<AmodReport> {
  const handle = await openArchiveSource(bytesSource(bytes), name, limits);
  try {
    const v = await verifySnapshot(handle, { limits, operation: "validate" });
    return amodReport("validate", name, "archive", v.problems, v, null);
  } finally {
    handle.close();
  }
}

/** The problem codes of a report, in report order. */
export function codes(report: { problems: readonly { code: string }[] }): string[] {
  return report.problems.map((p) => p.code);
}
