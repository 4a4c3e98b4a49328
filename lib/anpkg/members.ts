/**
 * The member set of a package as the checks see it, whatever it was read from (archive,
 * extracted directory, HTTP request body, or export's in-memory archive).
 *
 * @module
 */

import type { Problem } from "../report/report.ts";

/** One member (a file; directories are not members). */
export interface MemberRecord {
  /** Package-relative name with `/` separators. */
  readonly name: string;
  /** Uncompressed size in bytes. */
  readonly size: number;
  /** SHA-256 (lowercase hex), or `null` when the member could not be read or decoded. */
  readonly sha256: string | null;
  /** The bytes, kept for members the checks parse (YAML, JSON, the checksum file); else `null`. */
  readonly content: Uint8Array | null;
  /** Archive facts (null for the directory form). */
  readonly compressedSize: number | null;
  /** Compression method (0 stored, 8 deflate), or `null` for the directory form. */
  readonly method: number | null;
  /** Declared CRC-32, or `null` for the directory form. */
  readonly crc32: number | null;
  /** Unix mode bits (upper 16 bits of the external attributes, or from `stat`), if known. */
  readonly mode: number | null;
}

/** The input of every check of stages B–G. */
export interface MemberSet {
  /** Where the members came from. */
  readonly inputKind: "archive" | "directory" | "request-body";
  /** Members by name. */
  readonly members: ReadonlyMap<string, MemberRecord>;
  /**
   * How many entries the input holds: for an archive its zip entries, directory entries and
   * repeated names included; for a directory its members.
   */
  readonly entries: number;
  /** Directory paths: explicit directory entries and every ancestor of a member (no trailing `/`). */
  readonly dirs: ReadonlySet<string>;
  /** Stage-A problems (container, names, limits). */
  readonly problems: readonly Problem[];
  /** True when a fatal stage-A problem stopped reading: no later stage runs. */
  readonly fatal: boolean;
  /** Streams a member's bytes again from where they were read (runtime replay, deploy). */
  readonly stream: MemberStreamer;
}

/** Streams the bytes of one member into a sink. */
export type MemberStreamer = (name: string, sink: (chunk: Uint8Array) => Promise<void>) => Promise<void>;

/** A streamer for member sets that hold no readable member. */
export const NO_STREAM: MemberStreamer = (name) =>
  Promise.reject(new Error(`Member "${name}" cannot be read`));

/** Every ancestor directory path of a member name (`a/b/c` → `a`, `a/b`). */
export function ancestorDirs(name: string): string[] {
  const out: string[] = [];
  let i = name.indexOf("/");
  while (i >= 0) {
    out.push(name.slice(0, i));
    i = name.indexOf("/", i + 1);
  }
  return out;
}

/** True for members the format parses and the leak rule scans: `.yaml`, `.yml`, `.json` in any case. */
export function isStructuredMember(name: string): boolean {
  return /\.(ya?ml|json)$/i.test(name);
}

/** True when the checks keep a member's bytes: structured members and the checksum file. */
export function keepsContent(name: string): boolean {
  return isStructuredMember(name) || name === "meta/checksums.sha256";
}
