import assert from "node:assert/strict";
import { describeChar, quote, quoteTag } from "../../lib/yaml/message.ts";

Deno.test("message helpers keep document text on one line without control characters", () => {
  assert.equal(quote('a"b\\c\nd\te\u0007\u2028'), '"a\\"b\\\\c\\nd\\te\\u0007\\u2028"');
  assert.equal(quote("x".repeat(61)), `"${"x".repeat(57)}..."`);
  assert.equal(quote("😀".repeat(61)), `"${"😀".repeat(57)}..."`);
  assert.equal(quoteTag("tag:yaml.org,2002:binary"), '"!!binary"');
  assert.equal(quoteTag("!local"), '"!local"');
  assert.deepEqual([0, 0x3a, 0x20, 0x09, 0x0a, 0x07, 0xfeff].map(describeChar), [
    "the end of the input",
    '":"',
    "a space",
    "a tab",
    "a line break",
    "U+0007",
    "U+FEFF",
  ]);
});
