/**
 * The `.anpkg` archive writer (anpkg.md §2.10): stored members in code-point order of their names,
 * fixed header values, no extra fields, no descriptors, no directory entries, no zip64.
 *
 * @module
 */

import { compareCodePoints } from "../report/report.ts";
import { crc32 } from "./crc32.ts";
import {
  CENTRAL_HEADER_SIZE,
  END_RECORD_SIZE,
  FLAG_UTF8,
  LOCAL_HEADER_SIZE,
  MAX16,
  MAX32,
  put16,
  put32,
  SIG_CENTRAL,
  SIG_END,
  SIG_LOCAL,
} from "./format.ts";

/** One member to store: a package-relative name and its bytes. */
export interface StoredMember {
  /** Package-relative name (`/`-separated). */
  readonly name: string;
  /** The member's bytes. */
  readonly data: Uint8Array;
}

/** The archive, or why it cannot be written without zip64 structures. */
export type StoredZipResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly code: "limit-members" | "limit-total-bytes"; readonly message: string };

/** MS-DOS time 00:00:00 and date 1980-01-01, the fixed timestamp of every `.anpkg` member. */
const DOS_TIME = 0x0000;
const DOS_DATE = 0x0021;
/** Unix regular file, mode 0644, in the upper 16 bits. */
const EXTERNAL_ATTRIBUTES = 0x81a40000;
const VERSION_MADE_BY = 0x0314;
const VERSION_NEEDED = 20;

const encoder = new TextEncoder();

/**
 * Writes a stored, deterministic zip of the given members. The size is
 * `Σ(30 + name + data) + Σ(46 + name) + 22`. Refuses (as a result, not an exception) a package that
 * would need zip64: 65 535 or more members (`limit-members`), or a size or offset of 2³² − 1 or
 * more (`limit-total-bytes`) — whatever the configured limits.
 *
 * @example
 * ```ts
 * import { writeStoredZip } from "./stored.ts";
 * const r = writeStoredZip([{ name: "b", data: new Uint8Array(1) }, { name: "a", data: new Uint8Array(0) }]);
 * console.assert(r.ok && r.bytes.length === (30 + 1 + 0) + (30 + 1 + 1) + 2 * (46 + 1) + 22);
 * ```
 */
export function writeStoredZip(members: readonly StoredMember[]): StoredZipResult {
  if (members.length >= MAX16) {
    return {
      ok: false,
      code: "limit-members",
      message:
        `A package of ${members.length} members would need zip64 structures, which .anpkg does not use`,
    };
  }
  const sorted = members
    .map((m) => ({ name: m.name, nameBytes: encoder.encode(m.name), data: m.data }))
    .sort((a, b) => compareCodePoints(a.name, b.name));

  let localTotal = 0;
  let centralTotal = 0;
  const offsets: number[] = [];
  for (const m of sorted) {
    if (m.data.length >= MAX32 || localTotal >= MAX32) return tooLarge();
    offsets.push(localTotal);
    localTotal += LOCAL_HEADER_SIZE + m.nameBytes.length + m.data.length;
    centralTotal += CENTRAL_HEADER_SIZE + m.nameBytes.length;
  }
  if (localTotal >= MAX32 || centralTotal >= MAX32) return tooLarge();

  const out = new Uint8Array(localTotal + centralTotal + END_RECORD_SIZE);
  const crcs: number[] = [];
  let at = 0;
  for (const m of sorted) {
    const crc = crc32(m.data);
    crcs.push(crc);
    put32(out, at, SIG_LOCAL);
    put16(out, at + 4, VERSION_NEEDED);
    put16(out, at + 6, flagsOf(m.nameBytes));
    put16(out, at + 8, 0);
    put16(out, at + 10, DOS_TIME);
    put16(out, at + 12, DOS_DATE);
    put32(out, at + 14, crc);
    put32(out, at + 18, m.data.length);
    put32(out, at + 22, m.data.length);
    put16(out, at + 26, m.nameBytes.length);
    put16(out, at + 28, 0);
    out.set(m.nameBytes, at + LOCAL_HEADER_SIZE);
    out.set(m.data, at + LOCAL_HEADER_SIZE + m.nameBytes.length);
    at += LOCAL_HEADER_SIZE + m.nameBytes.length + m.data.length;
  }
  sorted.forEach((m, i) => {
    put32(out, at, SIG_CENTRAL);
    put16(out, at + 4, VERSION_MADE_BY);
    put16(out, at + 6, VERSION_NEEDED);
    put16(out, at + 8, flagsOf(m.nameBytes));
    put16(out, at + 10, 0);
    put16(out, at + 12, DOS_TIME);
    put16(out, at + 14, DOS_DATE);
    put32(out, at + 16, crcs[i]!);
    put32(out, at + 20, m.data.length);
    put32(out, at + 24, m.data.length);
    put16(out, at + 28, m.nameBytes.length);
    // extra length, comment length, disk number start, internal attributes: all 0
    put32(out, at + 38, EXTERNAL_ATTRIBUTES);
    put32(out, at + 42, offsets[i]!);
    out.set(m.nameBytes, at + CENTRAL_HEADER_SIZE);
    at += CENTRAL_HEADER_SIZE + m.nameBytes.length;
  });
  put32(out, at, SIG_END);
  put16(out, at + 8, sorted.length);
  put16(out, at + 10, sorted.length);
  put32(out, at + 12, centralTotal);
  put32(out, at + 16, localTotal);
  return { ok: true, bytes: out };
}

function flagsOf(nameBytes: Uint8Array): number {
  for (const b of nameBytes) if (b >= 0x80) return FLAG_UTF8;
  return 0;
}

function tooLarge(): StoredZipResult {
  return {
    ok: false,
    code: "limit-total-bytes",
    message:
      "The package would need sizes or offsets of 4 GiB or more, which need zip64 structures .anpkg does not use",
  };
}
