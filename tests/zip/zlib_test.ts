import { concatBytes } from "../../lib/bytes.ts";
import assert from "node:assert/strict";
import { deflateRaw, INFLATE_STEP_MAX, RawDeflater, RawInflater } from "../../lib/zip/zlib.ts";

const enc = new TextEncoder();

function inputs(): {
  empty: Uint8Array;
  one: Uint8Array;
  text: Uint8Array;
  random: Uint8Array;
  zeros: Uint8Array;
} {
  const random = new Uint8Array(3 * 1024 * 1024);
  let x = 0x12345678;
  for (let i = 0; i < random.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    random[i] = x & 0xff;
  }
  const lines: string[] = [];
  for (let i = 0; i < 40_000; i++) lines.push(`key_${i % 97}: value ${i * 7 % 1009} # comment ${i % 13}`);
  return {
    empty: new Uint8Array(0),
    one: enc.encode("a"),
    text: enc.encode(lines.join("\n")),
    random,
    zeros: new Uint8Array(5 * 1024 * 1024),
  };
}

const python = await (async () => {
  try {
    const out = await new Deno.Command("python3", { args: ["-c", "import zlib"], stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
})();

async function pythonDeflate(data: Uint8Array): Promise<Uint8Array> {
  const p = new Deno.Command("python3", {
    args: [
      "-c",
      "import sys, zlib\nc = zlib.compressobj(6, zlib.DEFLATED, -15)\nsys.stdout.buffer.write(c.compress(sys.stdin.buffer.read()) + c.flush())",
    ],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(data);
  await w.close();
  const out = await p.output();
  assert.ok(out.success);
  return out.stdout;
}

Deno.test({
  name: "deflate output is byte-identical to zlib level 6 (python3 zlib, raw)",
  ignore: !python,
  fn: async () => {
    for (const [name, data] of Object.entries(inputs())) {
      assert.deepEqual(deflateRaw(data), await pythonDeflate(data), name);
    }
  },
});

Deno.test("deflate output does not depend on how the input is split", () => {
  const { text, random } = inputs();
  for (const data of [text, random]) {
    const d = new RawDeflater();
    const parts: Uint8Array[] = [];
    let at = 0;
    for (const n of [1, 7, 1000, 65_536, 300_000, 5]) {
      parts.push(...d.push(data.subarray(at, at + n)));
      at += n;
    }
    parts.push(...d.push(data.subarray(at)), ...d.finish());
    assert.deepEqual(concatBytes(parts), deflateRaw(data));
  }
});

function inflateAll(
  stream: Uint8Array,
  pieces = 1,
): { out: Uint8Array; ended: boolean; invalid: boolean; trailing: number } {
  const inf = new RawInflater();
  const parts: Uint8Array[] = [];
  let ended = false;
  let invalid = false;
  const size = Math.ceil(stream.length / pieces);
  try {
    for (let at = 0; at < stream.length && !ended && !invalid; at += size) {
      inf.setInput(stream.subarray(at, at + size));
      for (;;) {
        const s = inf.step();
        parts.push(s.output);
        ended = s.ended;
        invalid = s.invalid;
        if (ended || invalid || (s.output.length === 0 && inf.pendingInput === 0)) break;
      }
    }
    return { out: concatBytes(parts), ended, invalid, trailing: inf.pendingInput };
  } finally {
    inf.dispose();
  }
}

Deno.test("inflater round-trips every input, in one piece and in many", () => {
  for (const [name, data] of Object.entries(inputs())) {
    for (const pieces of [1, 37]) {
      const r = inflateAll(deflateRaw(data), pieces);
      assert.equal(r.ended, true, name);
      assert.equal(r.invalid, false, name);
      assert.deepEqual(r.out, data, name);
    }
  }
});

Deno.test("inflater reports trailing bytes after the final block", () => {
  const r = inflateAll(concatBytes([deflateRaw(enc.encode("hello hello")), new Uint8Array([1, 2, 3])]));
  assert.equal(r.ended, true);
  assert.equal(r.trailing, 3);
});

Deno.test("inflater reports a truncated stream as not ended, and garbage as invalid", () => {
  const stream = deflateRaw(enc.encode("hello hello hello".repeat(50)));
  const truncated = inflateAll(stream.subarray(0, stream.length - 2));
  assert.equal(truncated.ended, false);
  assert.equal(truncated.invalid, false);
  const garbage = inflateAll(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
  assert.equal(garbage.invalid, true);
});

Deno.test("inflater releases at most 1 MiB per step", () => {
  const inf = new RawInflater();
  try {
    inf.setInput(deflateRaw(new Uint8Array(5 * 1024 * 1024)));
    const first = inf.step();
    assert.ok(first.output.length <= 1024 * 1024);
    assert.equal(first.ended, false);
  } finally {
    inf.dispose();
  }
});

Deno.test("inflater writes each step into a given target and refuses one that is too small", () => {
  const data = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
  const inf = new RawInflater();
  try {
    inf.setInput(deflateRaw(data));
    assert.throws(() => inf.step(new Uint8Array(INFLATE_STEP_MAX - 1)), RangeError);
    const target = new Uint8Array(INFLATE_STEP_MAX);
    const parts: Uint8Array[] = [];
    for (;;) {
      const s = inf.step(target);
      if (s.output.length > 0) {
        assert.equal(s.output.buffer, target.buffer);
        parts.push(s.output.slice());
      }
      if (s.ended) break;
    }
    assert.deepEqual(concatBytes(parts), data);
  } finally {
    inf.dispose();
  }
});

Deno.test("deflater refuses use after finish", () => {
  const d = new RawDeflater();
  d.finish();
  assert.throws(() => d.push(new Uint8Array(1)), TypeError);
});
