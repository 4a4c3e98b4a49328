import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { JSON_MAX_DEPTH, type JsonValue, loadJson } from "../lib/json.ts";
import { YamlMap } from "../lib/yaml/types.ts";
import { canonical, hasPyYaml, runPyYaml, toTagged } from "./yaml/_pyyaml.ts";
import { propertyRuns } from "./yaml/_runs.ts";

function parse(text: string): JsonValue {
  const r = loadJson(text);
  if (!r.ok) throw new Error(`expected a value for ${JSON.stringify(text)}: ${r.message}`);
  return r.value;
}

Deno.test("JSON reader keeps integer tokens apart from other numbers", () => {
  const cases: [string, JsonValue][] = [
    ["1", 1n],
    ["-0", 0n],
    ["12345678901234567890123", 12345678901234567890123n],
    ["1.0", 1],
    ["1e3", 1000],
    ["1E+3", 1000],
    ["-2.5e-3", -0.0025],
    ["1e400", Infinity],
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["-Infinity", -Infinity],
    ["true", true],
    ["false", false],
    ["null", null],
    ['"a\\u00e9\\ud83d\\ude00\\n\\t\\/\\\\\\""', 'a\u00e9\u{1F600}\n\t/\\"'],
  ];
  for (const [text, want] of cases) {
    const got = parse(text);
    assert.ok(Object.is(got, want), `${text}: got ${String(got)} (${typeof got})`);
  }
  assert.ok(Object.is(parse("-0.0"), -0));
});

Deno.test("JSON reader keeps object keys in document order and lets the last duplicate win", () => {
  const value = parse('{"b": 1, "2": 2, "1": 3, "b": 4, "a": {"x": []}}');
  assert.ok(value instanceof YamlMap);
  assert.deepEqual(value.keys(), ["b", "2", "1", "a"]);
  assert.equal(value.get("b"), 4n);
  assert.ok(value.get("a") instanceof YamlMap);
});

Deno.test("JSON reader refuses what RFC 8259 refuses, a BOM included", () => {
  const bad = [
    "",
    " ",
    "\ufeff{}",
    "{",
    "{,}",
    '{"a" 1}',
    '{"a": 1,}',
    "[1,]",
    "[1 2]",
    "01",
    "-",
    "+1",
    ".5",
    "1.",
    "1e",
    "0x10",
    "nan",
    "inf",
    "-Inf",
    "NaNa",
    "'a'",
    '"a',
    '"\\x"',
    '"\\u12"',
    '"a\tb"',
    '"\u0000"',
    "{a: 1}",
    "[] []",
    "tru",
    "1" + "0".repeat(4300),
    "[".repeat(JSON_MAX_DEPTH + 1) + "]".repeat(JSON_MAX_DEPTH + 1),
  ];
  for (const text of bad) {
    const r = loadJson(text);
    assert.equal(r.ok, false, JSON.stringify(text.slice(0, 40)));
    if (!r.ok) assert.match(r.message, /\(line \d+, column \d+\)$/);
  }
  assert.ok(loadJson("[".repeat(JSON_MAX_DEPTH) + "]".repeat(JSON_MAX_DEPTH)).ok);
  assert.ok(loadJson("9".repeat(4300)).ok);
  assert.ok(loadJson(" \t\r\n{}\n ").ok);
});

Deno.test("JSON reader reports the line and column of an error", () => {
  const r = loadJson('{\n  "a": 1,\n  "b": x\n}');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.message, /\(line 3, column 8\)$/);
});

const jsonTextArb = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.json({ maxDepth: 3 }).map((t) => t.replace(/\b(?:0|1)\b/, "NaN").replace(/null/, "-Infinity")),
  fc.tuple(
    fc.json({ maxDepth: 3 }),
    fc.nat(),
    fc.constantFrom(
      "",
      ",",
      "]",
      "}",
      '"',
      "\\",
      "NaN",
      "Infinity",
      "-",
      "1e",
      ".",
      " ",
      "\ufeff",
      "\u0001",
      "01",
    ),
  ).map(
    ([t, at, ch]) => {
      const i = at % (t.length + 1);
      return t.slice(0, i) + ch + t.slice(i + (at % 2));
    },
  ),
);

Deno.test("JSON reader never throws", () => {
  fc.assert(
    fc.property(fc.oneof(jsonTextArb, fc.string({ unit: "binary", maxLength: 80 })), (text) => {
      const r = loadJson(text);
      if (!r.ok) assert.ok(!/[\n\r]/.test(r.message));
    }),
    { numRuns: propertyRuns() * 5 },
  );
});

Deno.test({
  name: "JSON reader agrees with the reference's Python json module",
  ignore: !hasPyYaml,
  fn: async () => {
    const seed = Date.now() % 100000;
    const texts = fc.sample(jsonTextArb, { numRuns: propertyRuns() * 10, seed });
    texts.push("\ufeff{}", '{"a": 1, "a": 2}', "1.5e308", "-1e-400", '"\\ud800"', "[1, 2.0, -0, -0.0]");
    const results = await runPyYaml(texts.map((text) => ({ op: "json", text })));
    const mismatches: string[] = [];
    texts.forEach((text, i) => {
      const ref = results[i];
      const ours = loadJson(text);
      if (ref && "ok" in ref && ours.ok) {
        const want = JSON.stringify(canonical(ref.ok));
        const got = JSON.stringify(canonical(toTagged(ours.value)));
        if (want !== got) mismatches.push(`${JSON.stringify(text)}: ${want} vs ${got}`);
      } else if ((ref && "ok" in ref) || ours.ok) {
        mismatches.push(
          `${JSON.stringify(text)}: reference ${JSON.stringify(ref)}, ours ${JSON.stringify(ours.ok)}`,
        );
      }
    });
    assert.deepEqual(mismatches.slice(0, 5), [], `seed ${seed}`);
  },
});
