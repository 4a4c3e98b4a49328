import assert from "node:assert/strict";
import { crc32, nativeCrc32 } from "../../lib/zip/crc32.ts";

const enc = new TextEncoder();

Deno.test("crc32 matches the standard check values", () => {
  const table: [string, number][] = [
    ["", 0x00000000],
    ["a", 0xe8b7be43],
    ["123456789", 0xcbf43926],
    ["The quick brown fox jumps over the lazy dog", 0x414fa339],
  ];
  for (const [s, want] of table) assert.equal(crc32(enc.encode(s)), want, s);
});

Deno.test("crc32 continues across any split", () => {
  const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 131 + 7) & 0xff);
  const whole = crc32(data);
  for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
    assert.equal(crc32(data.subarray(cut), crc32(data.subarray(0, cut))), whole, `cut ${cut}`);
  }
});

Deno.test("native crc32 agrees with the table implementation and continues the same way", async () => {
  const f = await nativeCrc32();
  const data = crypto.getRandomValues(new Uint8Array(65536));
  assert.equal(f(data, 0), crc32(data));
  assert.equal(f(data.subarray(100), crc32(data.subarray(0, 100))), crc32(data));
});
