import assert from "node:assert/strict";
import { decodeUtf8 } from "../lib/text.ts";

Deno.test("decodeUtf8 decodes valid UTF-8 and refuses invalid bytes", () => {
  const valid = new TextEncoder().encode("a\u00e9\u{1F600}");
  assert.equal(decodeUtf8(valid, { allowBom: true }), "a\u00e9\u{1F600}");
  const invalid = [
    [0xff],
    [0xc3], // truncated
    [0xc0, 0xaf], // overlong
    [0xed, 0xa0, 0x80], // encoded surrogate
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    [0x61, 0x80],
  ];
  for (const bytes of invalid) {
    assert.equal(decodeUtf8(new Uint8Array(bytes), { allowBom: true }), null, String(bytes));
  }
});

Deno.test("decodeUtf8 removes a leading BOM for YAML and keeps it for JSON to refuse", () => {
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]);
  assert.equal(decodeUtf8(bytes, { allowBom: true }), "{}");
  assert.equal(decodeUtf8(bytes, { allowBom: false }), "\ufeff{}");
  assert.equal(decodeUtf8(new Uint8Array([0x61, 0xef, 0xbb, 0xbf]), { allowBom: true }), "a\ufeff");
});
