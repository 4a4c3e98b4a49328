/**
 * Test helper: builds zip archives field by field, so that each hostile case changes exactly one
 * thing. Defaults produce a clean archive (stored or deflated entries, Unix host, no descriptor).
 *
 * @module
 */

import { crc32 } from "../../lib/zip/crc32.ts";
import { put16, put32, put64 } from "../../lib/zip/format.ts";
import { deflateRaw } from "../../lib/zip/zlib.ts";

/** One entry; every field can be overridden in the central header, the local header or both. */
export interface EntrySpec {
  name: string | Uint8Array;
  /** Uncompressed content (default empty). */
  content?: Uint8Array;
  /** Deflate the content (method 8) instead of storing it. */
  deflate?: boolean;
  /** Raw data bytes written after the local header (default: content, deflated when asked). */
  data?: Uint8Array;
  method?: number;
  flags?: number;
  crc?: number;
  csize?: number;
  usize?: number;
  versionMadeBy?: number;
  external?: number;
  diskStart?: number;
  /** Local header offset written in the central directory (default: the real one). */
  offset?: number;
  centralExtra?: Uint8Array;
  localExtra?: Uint8Array;
  localName?: string | Uint8Array;
  localMethod?: number;
  localFlags?: number;
  localCrc?: number;
  localCsize?: number;
  localUsize?: number;
  /** Data descriptor after the data: default none; `signed`/`unsigned` 16/12 bytes; `wide…` 8-byte sizes. */
  descriptor?: "signed" | "unsigned" | "wide-signed" | "wide-unsigned";
  /** Values in the descriptor (default: the central ones). */
  descriptorCrc?: number;
  descriptorCsize?: number;
  descriptorUsize?: number;
  /** Write only the central directory entry (its offset then usually points at another entry). */
  omitLocal?: boolean;
}

/** A whole archive. */
export interface ArchiveSpec {
  entries: EntrySpec[];
  /** Bytes before the first entry; recorded offsets ignore them (a prepended stub). */
  prefix?: Uint8Array;
  /** Bytes inserted after entry i (recorded offsets of later parts include them). */
  gapAfter?: Record<number, Uint8Array>;
  /** Central directory order as a permutation of entry indexes. */
  centralOrder?: number[];
  /** Archive comment. */
  comment?: Uint8Array;
  /** Comment length field, when it must differ from the comment. */
  commentLength?: number;
  /** Bytes after the end record and comment. */
  trailing?: Uint8Array;
  /** Write zip64 end records (with saturated end record fields unless overridden). */
  zip64?: boolean;
  end?: Partial<
    { disk: number; cdDisk: number; entriesDisk: number; entries: number; cdSize: number; cdOffset: number }
  >;
  zip64End?: Partial<
    {
      size: number;
      disk: number;
      cdDisk: number;
      entriesDisk: number;
      entries: number;
      cdSize: number;
      cdOffset: number;
    }
  >;
  locator?: Partial<{ disk: number; offset: number; disks: number }>;
}

const enc = new TextEncoder();

function bytesOf(v: string | Uint8Array): Uint8Array {
  return typeof v === "string" ? enc.encode(v) : v;
}

/** Concatenates byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  return catAll(parts);
}

/** Concatenates a list of byte arrays (any length). */
export function catAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An extra block with the given id and data. */
export function extraBlock(id: number, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(4 + data.length);
  put16(b, 0, id);
  put16(b, 2, data.length);
  b.set(data, 4);
  return b;
}

/** 64-bit little-endian values, concatenated. */
export function u64s(...values: number[]): Uint8Array {
  const b = new Uint8Array(8 * values.length);
  values.forEach((v, i) => put64(b, 8 * i, v));
  return b;
}

/** Builds the archive bytes. */
export function buildZip(spec: ArchiveSpec): Uint8Array {
  const parts: Uint8Array[] = [];
  const prefix = spec.prefix ?? new Uint8Array(0);
  parts.push(prefix);
  let at = 0; // recorded offsets exclude the prefix
  const central: Uint8Array[] = [];
  const records: Uint8Array[] = [];
  spec.entries.forEach((e, i) => {
    const name = bytesOf(e.name);
    const content = e.content ?? new Uint8Array(0);
    const data = e.data ?? (e.deflate ? deflateRaw(content) : content);
    const method = e.method ?? (e.deflate ? 8 : 0);
    const flags = e.flags ?? 0;
    const crc = e.crc ?? crc32(content);
    const csize = e.csize ?? data.length;
    const usize = e.usize ?? content.length;
    const offset = at;
    const localName = bytesOf(e.localName ?? name);
    const localExtra = e.localExtra ?? new Uint8Array(0);
    const h = new Uint8Array(30 + localName.length + localExtra.length);
    put32(h, 0, 0x04034b50);
    put16(h, 4, 20);
    put16(h, 6, e.localFlags ?? flags);
    put16(h, 8, e.localMethod ?? method);
    put16(h, 10, 0x63d6);
    put16(h, 12, 0x5ccb);
    put32(h, 14, e.localCrc ?? crc);
    put32(h, 18, e.localCsize ?? csize);
    put32(h, 22, e.localUsize ?? usize);
    put16(h, 26, localName.length);
    put16(h, 28, localExtra.length);
    h.set(localName, 30);
    h.set(localExtra, 30 + localName.length);
    if (!e.omitLocal) {
      parts.push(h, data);
      at += h.length + data.length;
    }
    if (e.descriptor !== undefined && !e.omitLocal) {
      const wide = e.descriptor.startsWith("wide");
      const signed = e.descriptor.endsWith("-signed") || e.descriptor === "signed";
      const d = new Uint8Array((signed ? 4 : 0) + (wide ? 20 : 12));
      let p = 0;
      if (signed) {
        put32(d, 0, 0x08074b50);
        p = 4;
      }
      put32(d, p, e.descriptorCrc ?? crc);
      if (wide) {
        put64(d, p + 4, e.descriptorCsize ?? csize);
        put64(d, p + 12, e.descriptorUsize ?? usize);
      } else {
        put32(d, p + 4, e.descriptorCsize ?? csize);
        put32(d, p + 8, e.descriptorUsize ?? usize);
      }
      parts.push(d);
      at += d.length;
    }
    const gap = spec.gapAfter?.[i];
    if (gap !== undefined) {
      parts.push(gap);
      at += gap.length;
    }
    const centralExtra = e.centralExtra ?? new Uint8Array(0);
    const c = new Uint8Array(46 + name.length + centralExtra.length);
    put32(c, 0, 0x02014b50);
    put16(c, 4, e.versionMadeBy ?? 0x0314);
    put16(c, 6, 20);
    put16(c, 8, flags);
    put16(c, 10, method);
    put16(c, 12, 0x63d6);
    put16(c, 14, 0x5ccb);
    put32(c, 16, crc);
    put32(c, 20, csize);
    put32(c, 24, usize);
    put16(c, 28, name.length);
    put16(c, 30, centralExtra.length);
    put16(c, 34, e.diskStart ?? 0);
    put32(c, 38, e.external ?? (name[name.length - 1] === 0x2f ? 0x41ed0010 : 0x81a40000));
    put32(c, 42, e.offset ?? offset);
    c.set(name, 46);
    c.set(centralExtra, 46 + name.length);
    central.push(c);
  });
  const order = spec.centralOrder ?? spec.entries.map((_, i) => i);
  const cdOffset = at;
  let cdSize = 0;
  for (const i of order) {
    parts.push(central[i]!);
    cdSize += central[i]!.length;
  }
  at += cdSize;
  const count = order.length;
  if (spec.zip64) {
    const z = new Uint8Array(56);
    const o = spec.zip64End ?? {};
    put32(z, 0, 0x06064b50);
    put64(z, 4, o.size ?? 44);
    put16(z, 12, 45);
    put16(z, 14, 45);
    put32(z, 16, o.disk ?? 0);
    put32(z, 20, o.cdDisk ?? 0);
    put64(z, 24, o.entriesDisk ?? count);
    put64(z, 32, o.entries ?? count);
    put64(z, 40, o.cdSize ?? cdSize);
    put64(z, 48, o.cdOffset ?? cdOffset);
    const l = new Uint8Array(20);
    const lo = spec.locator ?? {};
    put32(l, 0, 0x07064b50);
    put32(l, 4, lo.disk ?? 0);
    put64(l, 8, lo.offset ?? at);
    put32(l, 16, lo.disks ?? 1);
    records.push(z, l);
  }
  const comment = spec.comment ?? new Uint8Array(0);
  const end = new Uint8Array(22);
  const eo = spec.end ?? {};
  const sat = spec.zip64 === true;
  put32(end, 0, 0x06054b50);
  put16(end, 4, eo.disk ?? 0);
  put16(end, 6, eo.cdDisk ?? 0);
  put16(end, 8, eo.entriesDisk ?? (sat ? 0xffff : count));
  put16(end, 10, eo.entries ?? (sat ? 0xffff : count));
  put32(end, 12, eo.cdSize ?? (sat ? 0xffffffff : cdSize));
  put32(end, 16, eo.cdOffset ?? (sat ? 0xffffffff : cdOffset));
  put16(end, 20, spec.commentLength ?? comment.length);
  parts.push(...records, end, comment, spec.trailing ?? new Uint8Array(0));
  return catAll(parts);
}
