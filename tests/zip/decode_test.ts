import assert from "node:assert/strict";
import { crc32 } from "../../lib/zip/crc32.ts";
import { decodeEntry, type DecodeOutcome, type OutputLender } from "../../lib/zip/decode.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import { readZip, type ZipEntry } from "../../lib/zip/read.ts";
import { bytesSource, fileSource, type ZipSource } from "../../lib/zip/source.ts";
import { deflateRaw, INFLATE_STEP_MAX } from "../../lib/zip/zlib.ts";
import { buildZip, cat, type EntrySpec } from "./_build.ts";

const enc = new TextEncoder();
const MIB = 1024 * 1024;

async function decodeOne(spec: EntrySpec, maxBytes?: number): Promise<{
  outcome: DecodeOutcome;
  delivered: Uint8Array;
  entry: ZipEntry;
  chunkSizes: number[];
}> {
  const bytes = buildZip({ entries: [spec] });
  const source = bytesSource(bytes);
  const archive = await readZip(source, { limits: { maxMembers: 0, maxTotalBytes: 0, maxRatio: 0 } });
  const entry = archive.entries[0]!;
  const parts: Uint8Array[] = [];
  const outcome = await decodeEntry(
    source,
    entry,
    (c) => void parts.push(c.slice()),
    maxBytes === undefined ? {} : { maxBytes },
  );
  return { outcome, delivered: cat(...parts), entry, chunkSizes: parts.map((p) => p.length) };
}

function codeOf(o: DecodeOutcome): string {
  return o.status === "problem" ? o.problem.code : o.status;
}

const content = enc.encode("The quick brown fox jumps over the lazy dog. ".repeat(200));
const deflated = deflateRaw(content);

Deno.test("decoder copies a stored entry and checks its CRC-32", async () => {
  const r = await decodeOne({ name: "s", content });
  assert.equal(r.outcome.status, "ok");
  assert.deepEqual(r.delivered, content);
  if (r.outcome.status === "ok") assert.equal(r.outcome.crc32, crc32(content));
});

Deno.test("decoder inflates a deflated entry", async () => {
  const r = await decodeOne({ name: "d", content, deflate: true });
  assert.equal(r.outcome.status, "ok");
  assert.deepEqual(r.delivered, content);
});

Deno.test("decoder inflates an empty deflated entry", async () => {
  const r = await decodeOne({ name: "e", content: new Uint8Array(0), deflate: true });
  assert.equal(r.outcome.status, "ok");
  assert.equal(r.delivered.length, 0);
});

const FAILURES: { name: string; spec: EntrySpec; code: string }[] = [
  {
    name: "a stored entry with a wrong CRC-32",
    spec: { name: "s", content, crc: 1 },
    code: "zip-crc-mismatch",
  },
  {
    name: "a deflated entry with a wrong CRC-32",
    spec: { name: "d", content, deflate: true, crc: 1 },
    code: "zip-crc-mismatch",
  },
  {
    name: "a malformed deflate stream",
    spec: { name: "d", content, method: 8, data: new Uint8Array([0xff, 0xff, 0xff, 0xff]) },
    code: "zip-deflate-invalid",
  },
  {
    name: "a deflate stream ending before the declared compressed size",
    spec: { name: "d", content, method: 8, data: cat(deflated, new Uint8Array([1, 2, 3])) },
    code: "zip-size-mismatch",
  },
  {
    name: "a deflate stream continuing past the declared compressed size",
    spec: { name: "d", content, method: 8, data: deflated.subarray(0, deflated.length - 4) },
    code: "zip-size-mismatch",
  },
  {
    name: "a declared uncompressed size larger than the data",
    spec: { name: "d", content, deflate: true, usize: content.length + 10 },
    code: "zip-size-mismatch",
  },
  {
    name: "a declared uncompressed size smaller than the data",
    spec: { name: "d", content, deflate: true, usize: 100 },
    code: "zip-size-mismatch",
  },
  {
    name: "a stored entry with different sizes",
    spec: { name: "s", content, usize: 5 },
    code: "zip-size-mismatch",
  },
];

for (const f of FAILURES) {
  Deno.test(`decoder reports ${f.code} for ${f.name}`, async () => {
    const r = await decodeOne(f.spec);
    assert.equal(codeOf(r.outcome), f.code);
    if (r.outcome.status === "problem") assert.equal(r.outcome.problem.member, String(f.spec.name));
  });
}

Deno.test("decoder stops after declared + 1 bytes and never delivers more than declared", async () => {
  const big = new Uint8Array(8 * MIB);
  const r = await decodeOne({ name: "bomb", content: big, deflate: true, usize: 1000 });
  assert.equal(codeOf(r.outcome), "zip-size-mismatch");
  assert.ok(r.delivered.length <= 1000);
  assert.ok(r.outcome.size <= 1001);
});

Deno.test("decoder stops with status limit beyond maxBytes", async () => {
  const r = await decodeOne({ name: "d", content, deflate: true }, 100);
  assert.equal(r.outcome.status, "limit");
  assert.ok(r.delivered.length <= 100);
});

Deno.test("decoder streams a large member in bounded chunks", async () => {
  const big = new Uint8Array(24 * MIB);
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
  const stored = await decodeOne({ name: "s", content: big });
  assert.equal(stored.outcome.status, "ok");
  assert.ok(Math.max(...stored.chunkSizes) <= 4 * MIB);
  const inflated = await decodeOne({ name: "d", content: big, deflate: true });
  assert.equal(inflated.outcome.status, "ok");
  assert.ok(Math.max(...inflated.chunkSizes) <= MIB);
  assert.ok(inflated.chunkSizes.length >= 24);
  if (inflated.outcome.status === "ok") assert.equal(inflated.outcome.crc32, crc32(big));
});

Deno.test("decoder reports one of the three decode codes for every flipped bit of a deflated member", async () => {
  const bytes = buildZip({ entries: [{ name: "d", content, deflate: true }] });
  const dataStart = 30 + 1;
  const seen = new Set<string>();
  for (let i = 0; i < deflated.length; i++) {
    for (const bit of [0x01, 0x10, 0x80]) {
      const copy = bytes.slice();
      copy[dataStart + i]! ^= bit;
      const source: ZipSource = bytesSource(copy);
      const archive = await readZip(source, { limits: AMOD_LIMITS });
      const outcome = await decodeEntry(source, archive.entries[0]!, () => {});
      const code = codeOf(outcome);
      seen.add(code);
      // "ok" is possible only where the flip hits padding bits after the final block: the
      // decoded bytes then still have the declared length and CRC-32.
      assert.ok(
        ["zip-crc-mismatch", "zip-deflate-invalid", "zip-size-mismatch", "ok"].includes(code),
        `byte ${i} bit ${bit}: ${code}`,
      );
    }
  }
  assert.ok(seen.has("zip-deflate-invalid") && seen.has("zip-crc-mismatch") && seen.has("zip-size-mismatch"));
});

Deno.test("decoder refuses an entry whose local header is unusable", async () => {
  const bytes = buildZip({ entries: [{ name: "a", content, offset: 7 }] });
  const source = bytesSource(bytes);
  const archive = await readZip(source, { limits: AMOD_LIMITS });
  const e = archive.entries[0]!;
  assert.equal(e.dataOffset, null);
  const outcome = await decodeEntry(source, e, () => {});
  assert.equal(codeOf(outcome), "zip-local-header-invalid");
});

Deno.test("decoder uses the native CRC-32 for large members with the same result", async () => {
  const big = new Uint8Array(9 * MIB).map((_, i) => (i * 31) & 0xff);
  const r = await decodeOne({ name: "s", content: big });
  assert.equal(r.outcome.status, "ok");
});

/** 9 MiB of mixed content: text runs and pseudo-random runs, so deflate and stored blocks alternate. */
function mixedContent(): Uint8Array {
  const out = new Uint8Array(9 * MIB);
  let x = 12345;
  for (let i = 0; i < out.length; i++) {
    if ((i >> 20) % 2 === 0) out[i] = 97 + (i % 26);
    else {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
  }
  return out;
}

for (const deflate of [false, true]) {
  Deno.test(`decoder with reused buffers delivers the same bytes from a file (${deflate ? "deflated" : "stored"})`, async () => {
    const data = mixedContent();
    const path = await Deno.makeTempFile();
    try {
      await Deno.writeFile(path, buildZip({ entries: [{ name: "m", content: data, deflate }] }));
      using file = await Deno.open(path);
      const source = fileSource(file, (await file.stat()).size);
      const archive = await readZip(source, { limits: { maxMembers: 0, maxTotalBytes: 0, maxRatio: 0 } });
      const entry = archive.entries[0]!;
      const parts: Uint8Array[] = [];
      const buffers = new Set<ArrayBufferLike>();
      const outcome = await decodeEntry(source, entry, (c) => {
        buffers.add(c.buffer);
        parts.push(c.slice());
      }, { reuseBuffers: true });
      assert.equal(outcome.status, "ok");
      assert.deepEqual(cat(...parts), data);
      // Stored: two alternating read buffers; deflated: one output buffer for every step.
      assert.equal(buffers.size, deflate ? 1 : 2);
      assert.ok(parts.length > buffers.size);
    } finally {
      await Deno.remove(path);
    }
  });
}

Deno.test("decoder inflates into lent buffers, hands each to the sink once, and gives back the rest", async () => {
  const data = mixedContent();
  const bytes = buildZip({ entries: [{ name: "m", content: data, deflate: true }] });
  const source = bytesSource(bytes);
  const entry = (await readZip(source, { limits: { maxMembers: 0, maxTotalBytes: 0, maxRatio: 0 } }))
    .entries[0]!;
  const lent = new Set<ArrayBufferLike>();
  const givenBack: ArrayBufferLike[] = [];
  const lender: OutputLender = {
    borrow: () => {
      const b = new Uint8Array(INFLATE_STEP_MAX);
      lent.add(b.buffer);
      return Promise.resolve(b);
    },
    giveBack: (b) => void givenBack.push(b.buffer),
  };
  const parts: Uint8Array[] = [];
  const seen = new Set<ArrayBufferLike>();
  const outcome = await decodeEntry(source, entry, (c) => {
    assert.ok(lent.has(c.buffer), "every chunk is a view of a lent buffer");
    assert.ok(!seen.has(c.buffer), "no buffer is handed over twice");
    seen.add(c.buffer);
    parts.push(c.slice());
  }, { lender });
  assert.equal(outcome.status, "ok");
  assert.deepEqual(cat(...parts), data);
  // Whatever was borrowed is either the sink's or back with the lender.
  assert.equal(seen.size + givenBack.length, lent.size);
  assert.ok(givenBack.every((b) => !seen.has(b)));

  // A decode stopped by a limit gives back the buffer the sink did not get.
  givenBack.length = 0;
  const limited = await decodeEntry(source, entry, () => {}, { lender, maxBytes: 1000 });
  assert.equal(limited.status, "limit");
  assert.equal(givenBack.length, 1);
});

Deno.test("decoder compares a CRC-32 computed elsewhere as it would its own", async () => {
  const bytes = buildZip({ entries: [{ name: "d", content, deflate: true }] });
  const source = bytesSource(bytes);
  const entry = (await readZip(source, { limits: { maxMembers: 0, maxTotalBytes: 0, maxRatio: 0 } }))
    .entries[0]!;
  let calls = 0;
  const good = await decodeEntry(source, entry, () => {}, {
    crc: () => Promise.resolve(++calls && crc32(content)),
  });
  assert.deepEqual(good, { status: "ok", size: content.length, crc32: crc32(content) });
  assert.equal(calls, 1);
  const bad = await decodeEntry(source, entry, () => {}, { crc: () => Promise.resolve(0x1234) });
  assert.equal(codeOf(bad), "zip-crc-mismatch");
  assert.match(bad.status === "problem" ? bad.problem.message : "", /is 0x00001234, not the declared/);
});
