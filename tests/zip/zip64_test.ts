import assert from "node:assert/strict";
import { decodeEntry } from "../../lib/zip/decode.ts";
import { u16, u32, u64 } from "../../lib/zip/format.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import { readZip } from "../../lib/zip/read.ts";
import { bytesSource, type ZipSource } from "../../lib/zip/source.ts";
import { memorySink, type ZipSink, ZipWriter } from "../../lib/zip/write.ts";
import { buildZip, extraBlock, u64s } from "./_build.ts";

const enc = new TextEncoder();
const T = 1781181045;
const GIB = 1024 * 1024 * 1024;
const UNLIMITED = { maxMembers: 0, maxTotalBytes: 0, maxRatio: 0 };

Deno.test("an archive of 70 000 members written by the writer uses zip64 end records and reads cleanly", async () => {
  const sink = memorySink();
  const w = new ZipWriter(sink, { time: T });
  for (let d = 0; d < 700; d++) {
    await w.addDirectory(`payload/.agentmod/d${d}/`, 0o755);
    for (let f = 0; f < 99; f++) {
      await w.addFile(`payload/.agentmod/d${d}/f${f}.txt`, 0o644, enc.encode(`file ${d} ${f}\n`));
    }
  }
  const done = await w.finish();
  assert.equal(done.members, 70_000);
  assert.equal(done.zip64, true);
  const b = sink.bytes();
  // End record saturated; zip64 end record and locator right before it.
  const e = b.length - 22;
  assert.deepEqual([u16(b, e + 8), u16(b, e + 10), u32(b, e + 12), u32(b, e + 16)], [
    0xffff,
    0xffff,
    0xffffffff,
    0xffffffff,
  ]);
  assert.equal(u32(b, e - 20), 0x07064b50);
  assert.equal(u64(b, e - 20 + 8), e - 20 - 56);
  assert.equal(u32(b, e - 76), 0x06064b50);
  assert.equal(u64(b, e - 76 + 32), 70_000);
  const source = bytesSource(b);
  const archive = await readZip(source, { limits: AMOD_LIMITS, requireUnixHost: true });
  assert.deepEqual(archive.problems, []);
  assert.equal(archive.zip64, true);
  assert.equal(archive.entries.length, 70_000);
  const last = archive.entries[69_999]!;
  assert.equal(last.name, "payload/.agentmod/d699/f98.txt");
  const parts: Uint8Array[] = [];
  assert.equal((await decodeEntry(source, last, (c) => void parts.push(c.slice()))).status, "ok");
  assert.equal(new TextDecoder().decode(parts[0]), "file 699 98\n");
});

Deno.test("an archive of 65 534 members has no zip64 records, 65 535 has them", async () => {
  for (const [count, zip64] of [[65_534, false], [65_535, true]] as const) {
    const sink = memorySink();
    const w = new ZipWriter(sink, { time: T });
    for (let i = 0; i < count; i++) await w.addDirectory(`d${i}/`, 0o755);
    const done = await w.finish();
    assert.equal(done.zip64, zip64);
    const archive = await readZip(bytesSource(sink.bytes()), { limits: AMOD_LIMITS });
    assert.deepEqual(archive.problems, []);
    assert.equal(archive.entries.length, count);
  }
});

/**
 * A sink that keeps written bytes but only remembers the length of long zero runs, and a source
 * over what it kept, so a 4 GiB member costs no memory.
 */
function sparse(): { sink: ZipSink; source: () => ZipSource } {
  const segments: { start: number; bytes: Uint8Array | null; length: number }[] = [];
  let position = 0;
  const isZero = (b: Uint8Array): boolean => {
    if (b.length < 65536 || b.byteOffset % 4 !== 0 || b.length % 4 !== 0) return false;
    const words = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
    return true;
  };
  const sink: ZipSink = {
    get position() {
      return position;
    },
    write(bytes) {
      segments.push({ start: position, bytes: isZero(bytes) ? null : bytes.slice(), length: bytes.length });
      position += bytes.length;
      return Promise.resolve();
    },
  };
  const source = (): ZipSource => ({
    size: position,
    read(offset, length) {
      const out = new Uint8Array(length);
      let lo = 0;
      let hi = segments.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (segments[mid]!.start <= offset) lo = mid;
        else hi = mid - 1;
      }
      for (let i = lo; i < segments.length; i++) {
        const s = segments[i]!;
        if (s.start >= offset + length) break;
        const from = Math.max(offset, s.start);
        const to = Math.min(offset + length, s.start + s.length);
        if (s.bytes !== null && to > from) {
          out.set(s.bytes.subarray(from - s.start, to - s.start), from - offset);
        }
      }
      return Promise.resolve(out);
    },
  });
  return { sink, source };
}

Deno.test("a 4 GiB member gets zip64 blocks, a 24-byte descriptor and zip64 end records", async () => {
  const { sink, source } = sparse();
  const w = new ZipWriter(sink, { time: T });
  await w.addFile("payload/.agentmod/a.txt", 0o644, enc.encode("before\n"));
  const zero = new Uint8Array(64 * 1024 * 1024);
  const big = await w.addFile("payload/.agentmod/big", 0o644, function* () {
    for (let i = 0; i < 64; i++) yield zero;
  }, { method: "store" });
  const after = await w.addFile("payload/.agentmod/after.txt", 0o644, enc.encode("after\n"));
  const done = await w.finish();
  assert.equal(big.uncompressedSize, 4 * GIB);
  assert.ok(after.offset > 0xffffffff);
  assert.equal(done.zip64, true);

  const src = source();
  const archive = await readZip(src, { limits: UNLIMITED, requireUnixHost: true });
  assert.deepEqual(archive.problems, []);
  assert.equal(archive.zip64, true);
  assert.deepEqual(
    archive.entries.map((e) => [e.name, e.uncompressedSize, e.compressedSize, e.localHeaderOffset]),
    [
      ["payload/.agentmod/a.txt", 7, archive.entries[0]!.compressedSize, 0],
      ["payload/.agentmod/big", 4 * GIB, 4 * GIB, big.offset],
      ["payload/.agentmod/after.txt", 6, archive.entries[2]!.compressedSize, after.offset],
    ],
  );
  // Central headers as amod.md §1.7 fixes them.
  const tail = await src.read(src.size - 22 - 20 - 56, 98);
  const cdOffset = u64(tail, 48)!;
  const cdSize = u64(tail, 40)!;
  const cd = await src.read(cdOffset, cdSize);
  const headers: Uint8Array[] = [];
  for (let at = 0; at < cd.length;) {
    const len = 46 + u16(cd, at + 28) + u16(cd, at + 30) + u16(cd, at + 32);
    headers.push(cd.subarray(at, at + len));
    at += len;
  }
  const [a, b, c] = headers;
  assert.deepEqual([u16(a!, 6), u32(a!, 20) === 0xffffffff, u16(a!, 30)], [20, false, 9]);
  // The 4 GiB member: version needed 45, both sizes saturated, offset real, 24-byte zip64 block.
  assert.deepEqual([u16(b!, 6), u32(b!, 20), u32(b!, 24), u32(b!, 42), u16(b!, 30)], [
    45,
    0xffffffff,
    0xffffffff,
    big.offset,
    9 + 28,
  ]);
  const z = b!.subarray(46 + u16(b!, 28) + 9);
  assert.deepEqual([u16(z, 0), u16(z, 2), u64(z, 4), u64(z, 12), u64(z, 20)], [
    1,
    24,
    4 * GIB,
    4 * GIB,
    big.offset,
  ]);
  // The member after it: offset saturated; both size fields saturated too, version needed 20.
  assert.deepEqual([u16(c!, 6), u32(c!, 20), u32(c!, 24), u32(c!, 42), u16(c!, 30)], [
    20,
    0xffffffff,
    0xffffffff,
    0xffffffff,
    37,
  ]);
  // The 4 GiB member's descriptor has 8-byte sizes.
  const d = await src.read(big.offset + 30 + "payload/.agentmod/big".length + 9 + 4 * GIB, 24);
  assert.deepEqual([u32(d, 0), u64(d, 8), u64(d, 16)], [0x08074b50, 4 * GIB, 4 * GIB]);
  // The small member after 4 GiB decodes.
  const parts: Uint8Array[] = [];
  assert.equal((await decodeEntry(src, archive.entries[2]!, (x) => void parts.push(x.slice()))).status, "ok");
  assert.equal(new TextDecoder().decode(parts[0]), "after\n");
});

Deno.test("the reader takes zip64 values only for saturated fields, in order", async () => {
  // Only the offset is saturated: the block's first value is the offset.
  const content = enc.encode("data");
  const bytes = buildZip({
    entries: [{ name: "x", content, offset: 0xffffffff, centralExtra: extraBlock(1, u64s(0)) }],
  });
  const archive = await readZip(bytesSource(bytes), { limits: AMOD_LIMITS });
  assert.deepEqual(archive.problems, []);
  assert.equal(archive.entries[0]!.localHeaderOffset, 0);
});
