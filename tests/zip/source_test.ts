import assert from "node:assert/strict";
import { bytesSource, fileSource, type SeekableFile } from "../../lib/zip/source.ts";

Deno.test("bytesSource reads ranges and refuses reads outside the bytes", async () => {
  const s = bytesSource(new Uint8Array([1, 2, 3, 4]));
  assert.equal(s.size, 4);
  assert.deepEqual([...await s.read(1, 2)], [2, 3]);
  assert.deepEqual([...await s.read(4, 0)], []);
  assert.throws(() => s.read(3, 2), RangeError);
  assert.throws(() => s.read(-1, 1), RangeError);
});

Deno.test("fileSource serialises concurrent reads on one handle", async () => {
  const path = await Deno.makeTempFile();
  try {
    const data = Uint8Array.from({ length: 100_000 }, (_, i) => i & 0xff);
    await Deno.writeFile(path, data);
    using file = await Deno.open(path);
    const s = fileSource(file, data.length);
    const reads = await Promise.all([s.read(0, 10), s.read(50_000, 10), s.read(99_990, 10), s.read(7, 3)]);
    assert.deepEqual(reads.map((r) => [...r]), [
      [...data.subarray(0, 10)],
      [...data.subarray(50_000, 50_010)],
      [...data.subarray(99_990)],
      [...data.subarray(7, 10)],
    ]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("fileSource throws when the file is shorter than its declared size", async () => {
  // A file that returns fewer bytes than promised (it shrank after stat).
  const shrunk: SeekableFile = {
    seek: () => Promise.resolve(0),
    read: () => Promise.resolve(null),
  };
  const s = fileSource(shrunk, 10);
  await assert.rejects(s.read(0, 4), Deno.errors.UnexpectedEof);
  // The queue survives a failed read.
  await assert.rejects(s.read(0, 1), Deno.errors.UnexpectedEof);
});

Deno.test("fileSource reads across short reads", async () => {
  let position = 0;
  const data = Uint8Array.from({ length: 50 }, (_, i) => i);
  const trickle: SeekableFile = {
    seek: (offset) => {
      position = Number(offset);
      return Promise.resolve(position);
    },
    read: (buf) => {
      const n = Math.min(3, buf.length, data.length - position);
      buf.set(data.subarray(position, position + n));
      position += n;
      return Promise.resolve(n);
    },
  };
  const s = fileSource(trickle, data.length);
  assert.deepEqual([...await s.read(10, 20)], [...data.subarray(10, 30)]);
});
