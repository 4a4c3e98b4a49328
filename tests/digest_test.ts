import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { crc32 } from "../lib/zip/crc32.ts";
import {
  AdaptiveSha256,
  createSha256,
  HASH_THREAD_BUFFER_BYTES,
  HashThread,
  sha256Hex,
  SMALL_DIGEST_BYTES,
} from "../lib/digest.ts";

function pseudoRandom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function reference(...parts: Uint8Array[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

Deno.test("sha256Hex gives the digest on both sides of the Web Crypto size bound", async () => {
  for (const length of [0, 3, SMALL_DIGEST_BYTES, SMALL_DIGEST_BYTES + 1]) {
    const data = pseudoRandom(length, length + 1);
    assert.equal(await sha256Hex(data), reference(data));
  }
  assert.equal(
    await sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("AdaptiveSha256 and createSha256 agree across chunkings and the switch to a stream", async () => {
  const data = pseudoRandom(SMALL_DIGEST_BYTES + 300_000, 7);
  const adaptive = new AdaptiveSha256();
  const stream = await createSha256();
  for (let at = 0; at < data.length; at += 777_777) {
    await adaptive.update(data.subarray(at, at + 777_777));
    stream.update(data.subarray(at, at + 777_777));
  }
  assert.equal(await adaptive.hex(), reference(data));
  assert.equal(stream.hex(), reference(data));
});

Deno.test("HashThread digests several inputs in turn, with chunks reused by the caller", async () => {
  const thread = new HashThread();
  try {
    // More than the pooled buffers hold at once, in pieces that straddle the buffer size.
    const big = pseudoRandom(13 * 1024 * 1024 + 5, 3);
    const scratch = new Uint8Array(1_500_000);
    for (let at = 0; at < big.length; at += scratch.length) {
      const piece = big.subarray(at, at + scratch.length);
      scratch.set(piece);
      await thread.update(scratch.subarray(0, piece.length));
      scratch.fill(0); // the thread must have copied what it needs
    }
    assert.deepEqual(await thread.finish(), { sha256: reference(big), crc32: crc32(big) });
    assert.equal(await thread.hex(), reference(), "a finished digest starts the next one empty");
    const small = new TextEncoder().encode("abc");
    await thread.update(small);
    assert.equal(await thread.hex(), reference(small));
  } finally {
    thread.close();
  }
});

Deno.test("HashThread refuses work after close, and close is idempotent", async () => {
  const thread = new HashThread();
  thread.close();
  thread.close();
  await assert.rejects(() => thread.update(new Uint8Array(1)), TypeError);
  await assert.rejects(() => thread.hex(), TypeError);
});

Deno.test("HashThread takes a borrowed buffer as it is and takes back one that was not fed", async () => {
  const thread = new HashThread();
  try {
    const lent = await thread.borrow();
    assert.equal(lent.length, HASH_THREAD_BUFFER_BYTES);
    const data = pseudoRandom(1000, 9);
    lent.set(data, 24);
    await thread.update(lent.subarray(24, 1024));
    assert.equal(lent.buffer.byteLength, 0, "the buffer travelled to the thread instead of being copied");
    const unused = await thread.borrow();
    thread.giveBack(unused);
    assert.equal(await thread.hex(), reference(data));
    // Every buffer comes back: more borrows than the pool holds still succeed.
    for (let i = 0; i < 20; i++) {
      const b = await thread.borrow();
      b[0] = i;
      await thread.update(b.subarray(0, 1));
    }
    assert.equal(await thread.hex(), reference(new Uint8Array(Array.from({ length: 20 }, (_, i) => i))));
  } finally {
    thread.close();
  }
});

Deno.test("HashThread works in a process with no permission at all", async () => {
  const digest = new URL("../lib/digest.ts", import.meta.url).href;
  const script = `import { HashThread } from ${JSON.stringify(digest)};
const t = new HashThread();
await t.update(new TextEncoder().encode("abc"));
console.log(await t.hex());
t.close();`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--no-config", "--no-lock", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = out.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const r = await out.output();
  assert.equal(new TextDecoder().decode(r.stderr), "");
  assert.equal(
    new TextDecoder().decode(r.stdout),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n",
  );
});

Deno.test("HashThread.input finishes once, whether or not the decoder asked for the CRC-32", async () => {
  const thread = new HashThread();
  try {
    const data = new TextEncoder().encode("123456789");
    const asked = thread.input();
    await thread.update(data);
    assert.equal(await asked.options.crc(), 0xcbf43926);
    assert.deepEqual(await asked.digests(), { sha256: reference(data), crc32: 0xcbf43926 });
    const unasked = thread.input();
    await thread.update(data.subarray(0, 3));
    const first = await unasked.digests();
    assert.equal(first.sha256, reference(data.subarray(0, 3)));
    assert.equal(await unasked.digests(), first, "a second call returns the same digests");
    const next = thread.input();
    assert.equal((await next.digests()).sha256, reference(), "the thread is ready for the next input");
  } finally {
    thread.close();
  }
});
