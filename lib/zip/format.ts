/**
 * ZIP record signatures, flag bits and little-endian field access shared by the reader and the
 * writers (APPNOTE layout as amod.md §1.7 fixes it).
 *
 * @module
 */

/** `50 4B 03 04`: local file header. */
export const SIG_LOCAL = 0x04034b50;
/** `50 4B 01 02`: central directory header. */
export const SIG_CENTRAL = 0x02014b50;
/** `50 4B 05 06`: end of central directory record. */
export const SIG_END = 0x06054b50;
/** `50 4B 06 06`: zip64 end of central directory record. */
export const SIG_ZIP64_END = 0x06064b50;
/** `50 4B 06 07`: zip64 end of central directory locator. */
export const SIG_ZIP64_LOCATOR = 0x07064b50;
/** `50 4B 07 08`: data descriptor. */
export const SIG_DESCRIPTOR = 0x08074b50;

/** Fixed part of a local header. */
export const LOCAL_HEADER_SIZE = 30;
/** Fixed part of a central directory header. */
export const CENTRAL_HEADER_SIZE = 46;
/** End of central directory record without its comment. */
export const END_RECORD_SIZE = 22;
/** Zip64 end record as the toolkit reads and writes it (size field 44). */
export const ZIP64_END_RECORD_SIZE = 56;
/** Zip64 end locator. */
export const ZIP64_LOCATOR_SIZE = 20;
/** The end record lies within this many bytes of the end of the file (22 + 65 535 comment). */
export const END_SEARCH_WINDOW: number = END_RECORD_SIZE + 0xffff;

/** Flag bit 0: encrypted. */
export const FLAG_ENCRYPTED = 0x0001;
/** Flag bit 3: sizes and CRC-32 follow the data in a descriptor. */
export const FLAG_DESCRIPTOR = 0x0008;
/** Flag bit 6: strong encryption. */
export const FLAG_STRONG_ENCRYPTION = 0x0040;
/** Flag bit 11: the name is UTF-8. */
export const FLAG_UTF8 = 0x0800;
/** Flag bit 13: local header values masked (central directory encryption). */
export const FLAG_MASKED = 0x2000;
/** Flag bits that mean the entry is encrypted (amod.md §5.3 `zip-encrypted`). */
export const FLAGS_ENCRYPTION = FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED;
/** Flag bits a reader accepts besides the encryption bits: deflate options, descriptor, UTF-8. */
export const FLAGS_ALLOWED = 0x0002 | 0x0004 | FLAG_DESCRIPTOR | FLAG_UTF8;

/** Method 0: stored. */
export const METHOD_STORE = 0;
/** Method 8: deflate. */
export const METHOD_DEFLATE = 8;
/** Method 99: WinZip AES (encryption). */
export const METHOD_AES = 99;

/** Extra block id of the zip64 extended information. */
export const EXTRA_ZIP64 = 0x0001;
/** Extra block id of the extended timestamp (`UT`). */
export const EXTRA_TIMESTAMP = 0x5455;
/** Extra block id of the Info-ZIP Unicode Path field (refused). */
export const EXTRA_UNICODE_PATH = 0x7075;

/** 32-bit saturation marker. */
export const MAX32 = 0xffffffff;
/** 16-bit saturation marker. */
export const MAX16 = 0xffff;

/** Host byte (high byte of "version made by") of Unix. */
export const HOST_UNIX = 3;
/** Host byte of macOS (OS X), treated like Unix. */
export const HOST_MACOS = 19;

/** Unix file type mask and types (upper 16 bits of the external attributes). */
export const S_IFMT = 0o170000;
/** Unix directory type. */
export const S_IFDIR = 0o040000;
/** Unix regular file type. */
export const S_IFREG = 0o100000;
/** Unix symbolic link type. */
export const S_IFLNK = 0o120000;

/** Reads an unsigned 16-bit little-endian value. */
export function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

/** Reads an unsigned 32-bit little-endian value. */
export function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** Reads an unsigned 64-bit little-endian value; `null` when it exceeds `Number.MAX_SAFE_INTEGER`. */
export function u64(b: Uint8Array, at: number): number | null {
  const lo = u32(b, at);
  const hi = u32(b, at + 4);
  if (hi >= 0x200000) return null;
  return hi * 0x100000000 + lo;
}

/** Writes an unsigned 16-bit little-endian value. */
export function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}

/** Writes an unsigned 32-bit little-endian value. */
export function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

/** Writes an unsigned 64-bit little-endian value (`v` must be a safe non-negative integer). */
export function put64(b: Uint8Array, at: number, v: number): void {
  put32(b, at, v % 0x100000000);
  put32(b, at + 4, Math.floor(v / 0x100000000));
}
