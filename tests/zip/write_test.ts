import assert from "node:assert/strict";
import { crc32 } from "../../lib/zip/crc32.ts";
import { decodeEntry } from "../../lib/zip/decode.ts";
import { u16, u32 } from "../../lib/zip/format.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import { readZip, type ZipArchive } from "../../lib/zip/read.ts";
import { bytesSource, fileSource, type ZipSource } from "../../lib/zip/source.ts";
import {
  dosDateTime,
  externalAttributes,
  fileSink,
  memorySink,
  needsUtf8Flag,
  SourceChangedError,
  type ZipSink,
  ZipWriter,
} from "../../lib/zip/write.ts";
import { cat } from "./_build.ts";

const enc = new TextEncoder();
const T = 1781181045; // 2026-06-11T12:30:45Z, the amod.md fixture clock
const MIB = 1024 * 1024;

async function readAll(bytes: Uint8Array): Promise<{ archive: ZipArchive; source: ZipSource }> {
  const source = bytesSource(bytes);
  return { archive: await readZip(source, { limits: AMOD_LIMITS, requireUnixHost: true }), source };
}

async function contentOf(source: ZipSource, archive: ZipArchive, index: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const o = await decodeEntry(source, archive.entries[index]!, (c) => void parts.push(c.slice()));
  assert.equal(o.status, "ok");
  return cat(...parts);
}

Deno.test("writer computes MS-DOS time and date from the UTC wall clock", () => {
  assert.deepEqual(dosDateTime(T), { date: 0x5ccb, time: 0x63d6 });
  assert.deepEqual(dosDateTime(315532800), { date: 0x0021, time: 0 });
});

Deno.test("writer external attributes match amod.md §1.3 examples", () => {
  const table: [Parameters<typeof externalAttributes>[0], number, number][] = [
    ["directory", 0o755, 0x41ed0010],
    ["directory", 0o700, 0x41c00010],
    ["file", 0o644, 0x81a40000],
    ["file", 0o600, 0x81800000],
    ["file", 0o444, 0x81240001],
    ["symlink", 0o777, 0xa1ff0000],
    ["file", 0o4755, 0x81ed0000], // set-user-ID is never written
  ];
  for (const [kind, perm, want] of table) {
    assert.equal(externalAttributes(kind, perm), want, `${kind} ${perm.toString(8)}`);
  }
});

Deno.test("writer sets the UTF-8 flag exactly per amod.md §1.7", () => {
  const table: [string, boolean][] = [
    ["payload/.agentmod/a.md", false],
    ["payload/.agentmod/{}|", false],
    ["payload/.agentmod/~x", true],
    ["payload/.agentmod/é", true],
    ["payload/.agentmod/a\\b", true],
    ["payload/.agentmod/\u007f", true],
    ["payload/.agentmod/\t", true],
  ];
  for (const [name, want] of table) assert.equal(needsUtf8Flag(name), want, name);
});

Deno.test("writer lays out directory, symlink and file members byte for byte", async () => {
  const sink = memorySink();
  const w = new ZipWriter(sink, { time: T });
  await w.addDirectory("payload/.agentmod/", 0o755);
  await w.addSymlink("payload/.agentmod/l", "../x", 0o777);
  const data = enc.encode("schema_version = 1\n");
  await w.addFile("payload/.agentmod/agentmod.toml", 0o644, data);
  const done = await w.finish();
  const b = sink.bytes();
  assert.equal(b.length, done.size);
  assert.equal(done.zip64, false);
  const ts = [0x55, 0x54, 0x05, 0x00, 0x01, 0x75, 0xaa, 0x2a, 0x6a];

  // Directory: local header, no data, no descriptor.
  const dirName = "payload/.agentmod/";
  assert.deepEqual(
    [
      u32(b, 0),
      u16(b, 4),
      u16(b, 6),
      u16(b, 8),
      u16(b, 10),
      u16(b, 12),
      u32(b, 14),
      u32(b, 18),
      u32(b, 22),
      u16(b, 26),
      u16(b, 28),
    ],
    [0x04034b50, 20, 0, 0, 0x63d6, 0x5ccb, 0, 0, 0, dirName.length, 9],
  );
  assert.deepEqual([...b.subarray(30 + dirName.length, 30 + dirName.length + 9)], ts);
  let at = 30 + dirName.length + 9;

  // Symlink: stored, bit 3, data, 16-byte descriptor.
  const linkName = "payload/.agentmod/l";
  assert.deepEqual([
    u32(b, at),
    u16(b, at + 6),
    u16(b, at + 8),
    u32(b, at + 14),
    u32(b, at + 18),
    u32(b, at + 22),
  ], [
    0x04034b50,
    0x0008,
    0,
    0,
    0,
    0,
  ]);
  at += 30 + linkName.length + 9;
  assert.equal(new TextDecoder().decode(b.subarray(at, at + 4)), "../x");
  at += 4;
  assert.deepEqual([u32(b, at), u32(b, at + 4), u32(b, at + 8), u32(b, at + 12)], [
    0x08074b50,
    crc32(enc.encode("../x")),
    4,
    4,
  ]);
  at += 16;

  // File: deflated, bit 3, descriptor.
  assert.deepEqual([u16(b, at + 6), u16(b, at + 8)], [0x0008, 8]);

  // Central directory.
  const { archive, source } = await readAll(b);
  assert.deepEqual(archive.problems, []);
  const [d, l, f] = archive.entries;
  assert.deepEqual(
    [d!.versionMadeBy, d!.flags, d!.method, d!.crc32, d!.externalAttributes, d!.dosTime, d!.dosDate, d!.kind],
    [0x0314, 0, 0, 0, 0x41ed0010, 0x63d6, 0x5ccb, "directory"],
  );
  assert.deepEqual([l!.flags, l!.method, l!.externalAttributes, l!.kind], [0x0008, 0, 0xa1ff0000, "symlink"]);
  assert.deepEqual([f!.flags, f!.method, f!.externalAttributes, f!.crc32, f!.uncompressedSize], [
    0x0008,
    8,
    0x81a40000,
    crc32(data),
    data.length,
  ]);
  assert.deepEqual(await contentOf(source, archive, 2), data);
  // Central extra area: timestamp only; version needed 20.
  const cd = b.length - 22 - u32(b, b.length - 22 + 12);
  assert.equal(u16(b, cd + 6), 20);
  assert.equal(u16(b, cd + 30), 9);
  assert.deepEqual([...b.subarray(cd + 46 + dirName.length, cd + 46 + dirName.length + 9)], ts);
  // End record: true values, no comment.
  const e = b.length - 22;
  assert.deepEqual([u16(b, e + 4), u16(b, e + 6), u16(b, e + 8), u16(b, e + 10), u16(b, e + 20)], [
    0,
    0,
    3,
    3,
    0,
  ]);
});

Deno.test("writer output is deterministic", async () => {
  const build = async (): Promise<Uint8Array> => {
    const sink = memorySink();
    const w = new ZipWriter(sink, { time: T });
    await w.addDirectory("payload/.agentmod/", 0o700);
    await w.addFile("payload/.agentmod/a", 0o600, enc.encode("x".repeat(5000)));
    await w.finish();
    return sink.bytes();
  };
  assert.deepEqual(await build(), await build());
});

Deno.test("writer stores a deflated member that would exceed the ratio limit", async () => {
  const sink = memorySink();
  const w = new ZipWriter(sink, { time: T });
  const zeros = new Uint8Array(2 * MIB);
  const r = await w.addFile("payload/.agentmod/zeros", 0o644, zeros);
  const small = await w.addFile("payload/.agentmod/small-zeros", 0o644, new Uint8Array(MIB - 1));
  await w.finish();
  assert.equal(r.rewritten, true);
  assert.equal(r.method, 0);
  assert.equal(small.method, 8);
  const { archive, source } = await readAll(sink.bytes());
  assert.deepEqual(archive.problems, []);
  assert.deepEqual(archive.entries.map((e) => e.method), [0, 8]);
  assert.deepEqual(await contentOf(source, archive, 0), zeros);
});

Deno.test("writer keeps deflate when the ratio limit is disabled", async () => {
  const sink = memorySink();
  const w = new ZipWriter(sink, { time: T, maxRatio: 0 });
  const r = await w.addFile("z", 0o644, new Uint8Array(2 * MIB));
  await w.finish();
  assert.equal(r.method, 8);
  assert.equal(r.rewritten, false);
});

Deno.test("writer ratio fallback rewinds a file sink past flushed bytes and re-reads the source", async () => {
  const path = await Deno.makeTempFile();
  try {
    const passes: number[] = [];
    {
      using file = await Deno.open(path, { write: true, truncate: true });
      // A one-byte buffer flushes every write, so the rewind must truncate the file.
      const w = new ZipWriter(fileSink(file), { time: T, bufferSize: 1 });
      await w.addFile("first", 0o644, crypto.getRandomValues(new Uint8Array(60_000)));
      await w.addFile("zeros", 0o644, function* (pass) {
        passes.push(pass);
        for (let i = 0; i < 64; i++) yield new Uint8Array(MIB);
      });
      await w.finish();
    }
    assert.deepEqual(passes, [1, 2]);
    using file = await Deno.open(path);
    const source = fileSource(file, (await file.stat()).size);
    const archive = await readZip(source, { limits: AMOD_LIMITS });
    assert.deepEqual(archive.problems, []);
    assert.equal(archive.entries[1]!.method, 0);
    assert.equal(archive.entries[1]!.uncompressedSize, 64 * MIB);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("writer throws SourceChangedError when the second read differs", async () => {
  const w = new ZipWriter(memorySink(), { time: T });
  await assert.rejects(
    w.addFile("z", 0o644, (pass) => [new Uint8Array(2 * MIB + (pass === 2 ? 1 : 0))]),
    SourceChangedError,
  );
});

Deno.test("writer ratio fallback needs a sink that can rewind once the member was flushed", async () => {
  const chunks: Uint8Array[] = [];
  let position = 0;
  const appendOnly: ZipSink = {
    get position() {
      return position;
    },
    write(bytes) {
      chunks.push(bytes.slice());
      position += bytes.length;
      return Promise.resolve();
    },
  };
  const w = new ZipWriter(appendOnly, { time: T, bufferSize: 1 });
  await w.addFile("noise", 0o644, crypto.getRandomValues(new Uint8Array(60_000)));
  await assert.rejects(w.addFile("z", 0o644, new Uint8Array(2 * MIB)), TypeError);
});

Deno.test("writer refuses instants that MS-DOS time or Unix seconds cannot hold", () => {
  assert.throws(() => new ZipWriter(memorySink(), { time: 100 }), RangeError);
  assert.throws(() => new ZipWriter(memorySink(), { time: 2 ** 32 }), RangeError);
  assert.throws(() => new ZipWriter(memorySink(), { time: 1.5e9 + 0.5 }), RangeError);
});

Deno.test("writer refuses members after finish", async () => {
  const w = new ZipWriter(memorySink(), { time: T });
  await w.finish();
  await assert.rejects(w.addDirectory("x/", 0o755), TypeError);
});

const FIXTURE = new URL("../../../shared/fixtures/amod/", import.meta.url);
const FIXTURE_AMOD = new URL("layout-example/demo-project-20260611-123045.amod", FIXTURE);
const fixtureExists = (() => {
  try {
    return Deno.statSync(FIXTURE_AMOD).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "writer reproduces every header field of the amod.md fixture except compressed bytes and offsets",
  ignore: !fixtureExists,
  fn: async () => {
    const original = await Deno.readFile(FIXTURE_AMOD);
    const { archive, source } = await readAll(original);
    assert.deepEqual(archive.problems, []);
    const sink = memorySink();
    const w = new ZipWriter(sink, { time: T });
    for (const e of archive.entries) {
      const perm = e.unixMode! & 0o7777;
      if (e.kind === "directory") await w.addDirectory(e.name!, perm);
      else if (e.kind === "symlink") {
        await w.addSymlink(e.name!, await contentOf(source, archive, e.index), perm);
      } else await w.addFile(e.name!, perm, await contentOf(source, archive, e.index));
    }
    await w.finish();
    const ours = await readAll(sink.bytes());
    assert.deepEqual(ours.archive.problems, []);
    const fields = (a: ZipArchive) =>
      a.entries.map((e) => [
        e.name,
        e.kind,
        e.flags,
        e.method,
        e.crc32,
        e.uncompressedSize,
        e.versionMadeBy,
        e.externalAttributes,
        e.dosTime,
        e.dosDate,
      ]);
    assert.deepEqual(fields(ours.archive), fields(archive));
    for (const e of archive.entries) {
      assert.deepEqual(
        await contentOf(ours.source, ours.archive, e.index),
        await contentOf(source, archive, e.index),
      );
    }
    // The reference's own checks (open, verify, restore plan) accept our bytes.
    const path = await Deno.makeTempFile({ suffix: ".amod" });
    try {
      await Deno.writeFile(path, sink.bytes());
      const out = await new Deno.Command("python3", {
        args: [new URL("make_example.py", FIXTURE).pathname, "--check", path],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr));
    } finally {
      await Deno.remove(path);
    }
  },
});

Deno.test("writer hands the sink views of one reused buffer, and the archive reads back", async () => {
  const chunks: Uint8Array[] = [];
  const buffers = new Set<ArrayBufferLike>();
  let position = 0;
  const sink: ZipSink = {
    get position() {
      return position;
    },
    write(bytes) {
      buffers.add(bytes.buffer);
      chunks.push(bytes.slice());
      position += bytes.length;
      return Promise.resolve();
    },
  };
  const w = new ZipWriter(sink, { time: T, bufferSize: 4096 });
  const text = enc.encode("a line of text that deflates well enough\n".repeat(200_000));
  const noise = crypto.getRandomValues(new Uint8Array(65536));
  const mixed = cat(text, noise, noise, noise, text);
  await w.addFile("payload/.agentmod/big.log", 0o644, mixed);
  await w.addFile("payload/.agentmod/stored.bin", 0o644, noise);
  await w.finish();
  assert.ok(chunks.length > 3, `${chunks.length} writes`);
  assert.equal(buffers.size, 1, "every write is a view of the same buffer");
  const source = bytesSource(cat(...chunks));
  const archive = await readZip(source, { limits: AMOD_LIMITS });
  assert.deepEqual(archive.problems, []);
  for (const [i, want] of [mixed, noise].entries()) {
    const parts: Uint8Array[] = [];
    const outcome = await decodeEntry(source, archive.entries[i]!, (c) => void parts.push(c.slice()));
    assert.equal(outcome.status, "ok");
    assert.deepEqual(cat(...parts), want);
  }
});
