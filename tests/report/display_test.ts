import assert from "node:assert/strict";
import { displayEscape } from "../../lib/report/render.ts";

Deno.test("displayEscape replaces terminal controls and bidi characters", () => {
  const table: [string, string][] = [
    ["plain é ✓", "plain é ✓"],
    ["\u001b[2J", "\\u{001B}[2J"],
    ["a\u0000b", "a\\u{0000}b"],
    ["\u007f\u0085\u009f", "\\u{007F}\\u{0085}\\u{009F}"],
    ["\u200e\u200f", "\\u{200E}\\u{200F}"],
    ["\u2028\u2029", "\\u{2028}\\u{2029}"],
    ["\u202a\u202e", "\\u{202A}\\u{202E}"],
    ["\u2066\u2069", "\\u{2066}\\u{2069}"],
    ["\u200d\u2065\u206a", "\u200d\u2065\u206a"],
    ["x\ny\tz\r", "x\\u{000A}y\\u{0009}z\\u{000D}"],
  ];
  for (const [input, want] of table) assert.equal(displayEscape(input), want, JSON.stringify(input));
});

Deno.test("displayEscape keeps LF and TAB inside documents only", () => {
  assert.equal(displayEscape("a\n\tb\r\u001b", { document: true }), "a\n\tb\\u{000D}\\u{001B}");
});
