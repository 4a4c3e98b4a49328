import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { emitYaml, emitYamlAsReference } from "../../lib/yaml/emit.ts";
import { loadYaml } from "../../lib/yaml/load.ts";
import {
  YamlBinary,
  YamlMap,
  YamlPairs,
  YamlSet,
  YamlTimestamp,
  type YamlValue,
} from "../../lib/yaml/types.ts";
import { canonical, toTagged } from "./_pyyaml.ts";
import { propertyRuns } from "./_runs.ts";
import { documentArb } from "./_values.ts";

/** The document `k: <value>` as emitted. */
function entry(value: YamlValue): string {
  return emitYaml(new YamlMap([["k", value]]));
}

/** The §2.13 string-style table: value → how it is written after `k: `. */
const STYLE_TABLE: [string, string][] = [
  // plain
  ["abc", "abc"],
  ["a-", "a-"],
  ["-a", "-a"],
  [":a", ":a"],
  ["a,b", "a,b"],
  ["a]", "a]"],
  ["?a", "?a"],
  ["a#b", "a#b"],
  ["it's", "it's"],
  ["1:60", "1:60"],
  ["0.2.7", "0.2.7"],
  ["127.0.0.1", "127.0.0.1"],
  ["http://localhost:3000", "http://localhost:3000"],
  ["+.nan", "+.nan"],
  // single-quoted
  ["", "''"],
  ["yes", "'yes'"],
  ["on", "'on'"],
  ["null", "'null'"],
  ["~", "'~'"],
  ["1.0", "'1.0'"],
  ["0x0A", "'0x0A'"],
  ["017", "'017'"],
  ["1_0", "'1_0'"],
  ["+1", "'+1'"],
  ["1:30", "'1:30'"],
  ["2026-04-03", "'2026-04-03'"],
  ["=", "'='"],
  ["<<", "'<<'"],
  ["-", "'-'"],
  ["- a", "'- a'"],
  ["a:", "'a:'"],
  ["a: b", "'a: b'"],
  ["a #b", "'a #b'"],
  ["#a", "'#a'"],
  ["[a", "'[a'"],
  ["{", "'{'"],
  ["*x", "'*x'"],
  ["&a", "'&a'"],
  ["!t", "'!t'"],
  ["%p", "'%p'"],
  ["@a", "'@a'"],
  ["|", "'|'"],
  [">", "'>'"],
  ['"q"', `'"q"'`],
  ["---", "'---'"],
  [" a", "' a'"],
  ["a ", "'a '"],
  ["'", "''''"],
  // double-quoted
  ["a\tb", '"a\\tb"'],
  ["\u00e9", '"\\xE9"'],
  ["\x7f", '"\\x7F"'],
  ["\ufeff", '"\\uFEFF"'],
  ["line1\n\n  indented\n", '"line1\\n\\n  indented\\n"'],
];

/** Strings we quote although the reference writes them plain (a YAML 1.2 reader differs). */
const EXTRA_QUOTED = ["1e3", "1.0e5", "-.5", "09", "0o17", "y", "n", "Y", "N"];

Deno.test("emitter chooses every string style of the §2.13 table", () => {
  for (const [value, written] of STYLE_TABLE) {
    assert.equal(entry(value), `k: ${written}\n`, JSON.stringify(value));
    assert.equal(emitYamlAsReference(new YamlMap([["k", value]])), `k: ${written}\n`, JSON.stringify(value));
  }
});

Deno.test("emitter single-quotes strings that YAML 1.1 and 1.2 readers read differently", () => {
  for (const value of EXTRA_QUOTED) {
    assert.equal(entry(value), `k: '${value}'\n`, value);
    assert.equal(emitYamlAsReference(new YamlMap([["k", value]])), `k: ${value}\n`, value);
  }
});

Deno.test("emitter writes floats as the reference does", () => {
  const cases: [number, string][] = [
    [25, "25.0"],
    [0.0001, "0.0001"],
    [0.1 + 0.2, "0.30000000000000004"],
    [685230.15, "685230.15"],
    [123456789, "123456789.0"],
    [1e15, "1000000000000000.0"],
    [1e16, "1.0e+16"],
    [1e-5, "1.0e-05"],
    [1.5e-5, "1.5e-05"],
    [-1e-7, "-1.0e-07"],
    [1.5e300, "1.5e+300"],
    [-0, "-0.0"],
    [0, "0.0"],
    [NaN, ".nan"],
    [Infinity, ".inf"],
    [-Infinity, "-.inf"],
    [5e-324, "5.0e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
  ];
  for (const [x, text] of cases) assert.equal(entry(x), `k: ${text}\n`, text);
});

Deno.test("emitter writes integers, booleans and null plain", () => {
  assert.equal(entry(-12345678901234567890n), "k: -12345678901234567890\n");
  assert.equal(entry(true), "k: true\n");
  assert.equal(entry(null), "k: null\n");
});

Deno.test("emitter lays out block collections as in §2.13", () => {
  const doc = new YamlMap([
    ["runtime", new YamlMap([["name", "anolis-main"]])],
    ["providers", [
      new YamlMap([
        ["id", "sim0"],
        ["args", ["--config", "providers/sim0.yaml"]],
        ["restart_policy", new YamlMap([["enabled", true], ["backoff_ms", [200n]]])],
      ]),
    ]],
    ["matrix", [[1n, 2n]]],
    ["empty", []],
  ]);
  assert.equal(
    emitYaml(doc),
    [
      "runtime:",
      "  name: anolis-main",
      "providers:",
      "- id: sim0",
      "  args:",
      "  - --config",
      "  - providers/sim0.yaml",
      "  restart_policy:",
      "    enabled: true",
      "    backoff_ms:",
      "    - 200",
      "matrix:",
      "- - 1",
      "  - 2",
      "empty: []",
      "",
    ].join("\n"),
  );
  assert.equal(emitYaml(new YamlMap()), "{}\n");
  assert.equal(entry(new YamlMap()), "k: {}\n");
});

Deno.test("emitter numbers anchors in second-occurrence order", () => {
  const a = new YamlMap([["x", 1n]]);
  const b = ["u"];
  assert.equal(
    emitYaml(new YamlMap([["p", a], ["q", b], ["r", b], ["s", a]])),
    "p: &id002\n  x: 1\nq: &id001\n- u\nr: *id001\ns: *id002\n",
  );
  const shared = new YamlMap([["k", "v"]]);
  assert.equal(emitYaml(new YamlMap([["l", [shared, shared]]])), "l:\n- &id001\n  k: v\n- *id001\n");
  assert.equal(emitYaml(new YamlMap([["e", b], ["f", [b]]])), "e: &id001\n- u\nf:\n- *id001\n");
  const empty: YamlValue[] = [];
  assert.equal(emitYaml(new YamlMap([["a", empty], ["b", empty]])), "a: &id001 []\nb: *id001\n");
});

Deno.test("emitter writes explicit keys for long, empty and multi-line keys", () => {
  const k122 = "k".repeat(122);
  const k123 = "k".repeat(123);
  assert.equal(emitYaml(new YamlMap([[k122, 1n]])), `${k122}: 1\n`);
  assert.equal(emitYaml(new YamlMap([[k123, 1n]])), `? ${k123}\n: 1\n`);
  assert.equal(emitYaml(new YamlMap([["", 1n]])), "? ''\n: 1\n");
  assert.equal(emitYaml(new YamlMap([["a\nb", [1n]]])), "? 'a\n\n  b'\n: - 1\n");
  // The (unwritten) tag length counts: 5 for an integer, as for a string.
  const longInt = BigInt("9".repeat(123));
  assert.equal(emitYaml(new YamlMap([[longInt, "x"]])), `? ${longInt}\n: x\n`);
  assert.equal(emitYaml(new YamlMap([[BigInt("9".repeat(122)), "x"]])), `${"9".repeat(122)}: x\n`);
});

Deno.test("emitter writes mappings of explicit keys with collection values", () => {
  const doc = new YamlMap([["", new YamlMap([["a", 1n], ["b", 2n]])]]);
  assert.equal(emitYaml(doc), "? ''\n: a: 1\n  b: 2\n");
});

Deno.test("emitter folds long plain, single-quoted and double-quoted scalars at width 80", () => {
  const words = Array.from({ length: 30 }, () => "word").join(" ");
  assert.equal(
    entry(words),
    "k: word word word word word word word word word word word word word word word word\n" +
      "  word word word word word word word word word word word word word word\n",
  );
  assert.equal(entry("x".repeat(90) + " y"), `k: ${"x".repeat(90)}\n  y\n`);
  const quoted = "'q' " + words;
  assert.equal(
    entry(quoted),
    "k: '''q'' word word word word word word word word word word word word word word word\n" +
      "  word word word word word word word word word word word word word word word'\n",
  );
  assert.equal(entry("line1\nline2"), "k: 'line1\n\n  line2'\n");
  const dq = "\u00e9 " + words;
  assert.equal(
    entry(dq),
    'k: "\\xE9 word word word word word word word word word word word word word word word\\\n' +
      '  \\ word word word word word word word word word word word word word word word"\n',
  );
});

Deno.test("emitter folds plain and single-quoted scalars only once a line has passed column 80", () => {
  // [key, value, output] from the reference; the value's last space is reached at column 79 to 81.
  const stamp = "2001-12-14 21:59:43.10 -5";
  const cases: [string, string, string][] = [
    ["k", "a".repeat(76) + " b", `k: ${"a".repeat(76)} b\n`],
    ["k", "a".repeat(77) + " b", `k: ${"a".repeat(77)} b\n`],
    ["k", "a".repeat(78) + " b", `k: ${"a".repeat(78)}\n  b\n`],
    // Single-quoted (a timestamp's text): the line ends at column 80, then past it without a fold.
    ["k".repeat(52), stamp, `${"k".repeat(52)}: '${stamp}'\n`],
    ["k".repeat(55), stamp, `${"k".repeat(55)}: '${stamp}'\n`],
    ["k".repeat(56), stamp, `${"k".repeat(56)}: '2001-12-14 21:59:43.10\n  -5'\n`],
  ];
  for (const [key, value, output] of cases) {
    assert.equal(emitYaml(new YamlMap([[key, value]])), output, `${key}: ${value}`);
  }
});

Deno.test("emitter folds a double-quoted scalar right after an escape", () => {
  // The escape ends at column 81: the fold comes before the next character.
  const text = "a".repeat(73) + "\u00e9" + "bbbbbbbb";
  assert.equal(entry(text), `k: "${"a".repeat(73)}\\xE9\\\n  bbbbbbbb"\n`);
  // The escape ends at column 86: the fold comes right after it.
  const far = "a".repeat(78) + "\u00e9" + "b" + "c".repeat(8);
  assert.equal(entry(far), `k: "${"a".repeat(78)}\\xE9\\\n  bcccccccc"\n`);
  // The escape ends at column 80: no fold.
  const near = "a".repeat(72) + "\u00e9" + "b" + "c".repeat(8);
  assert.equal(entry(near), `k: "${"a".repeat(72)}\\xE9bcccccccc"\n`);
  // A fold before a space keeps the space, escaped as "\ ".
  const space = "x".repeat(75) + " \u00e9 yy";
  assert.equal(entry(space), `k: "${"x".repeat(75)} \\xE9\\\n  \\ yy"\n`);
});

Deno.test("emitter escapes with uppercase hex and one escape per astral character", () => {
  assert.equal(entry("\u{1F600}"), 'k: "\\U0001F600"\n');
  assert.equal(
    entry('\u00ff\u0100\uabcd\u0000\u0007\u001b\u0085\u00a0\u2028\u2029\\"'),
    'k: "\\xFF\\u0100\\uABCD\\0\\a\\e\\N\\_\\L\\P\\\\\\""\n',
  );
  assert.equal(entry("\r\x0b\x0c\x08"), 'k: "\\r\\v\\f\\b"\n');
});

Deno.test("emitter writes sets sorted in code-point order, the same every time", () => {
  const members = ["b", "\u{10000}", "a", "\uffff", "B"];
  const doc = new YamlMap([["s", new YamlSet(members)], ["e", new YamlSet()]]);
  const text = emitYaml(doc);
  assert.equal(
    text,
    's: !!set\n  B: null\n  a: null\n  b: null\n  "\\uFFFF": null\n  "\\U00010000": null\ne: !!set {}\n',
  );
  assert.equal(
    emitYaml(new YamlMap([["s", new YamlSet([...members].reverse())], ["e", new YamlSet()]])),
    text,
  );
});

Deno.test("emitter keeps the reference's merge-key order when re-emitting a loaded document", () => {
  const r = loadYaml("a: &a {p: 1, q: 1}\nb: &b {q: 2, r: 2, s: 2}\nc: {<<: [*a, *b], t: 5}\n");
  assert.ok(r.ok);
  assert.equal(
    emitYaml(r.value),
    "a:\n  p: 1\n  q: 1\nb:\n  q: 2\n  r: 2\n  s: 2\nc:\n  q: 1\n  r: 2\n  s: 2\n  p: 1\n  t: 5\n",
  );
});

Deno.test("YAML 1.1 values loaded from plain scalars are re-emitted in their canonical form", () => {
  const cases: [string, string][] = [
    ["yes", "true"],
    ["on", "true"],
    ["Off", "false"],
    ["0x0A", "10"],
    ["017", "15"],
    ["0b101", "5"],
    ["1_000", "1000"],
    ["1:30", "90"],
    ["190:20:30.15", "685230.15"],
    ["25.0", "25.0"],
    ["1.", "1.0"],
    [".5", "0.5"],
    ["1.0e+16", "1.0e+16"],
    ["~", "null"],
    ["'0x0A'", "'0x0A'"],
    ["1e3", "'1e3'"],
    ["0o17", "'0o17'"],
    ["y", "'y'"],
    ["-.5", "'-.5'"],
    ["09", "'09'"],
  ];
  for (const [source, written] of cases) {
    const r = loadYaml(`k: ${source}\n`);
    assert.ok(r.ok);
    assert.equal(emitYaml(r.value), `k: ${written}\n`, source);
  }
});

Deno.test("emitter writes non-mapping roots as the reference does", () => {
  assert.equal(emitYaml("abc"), "abc\n...\n");
  assert.equal(emitYaml(1n), "1\n...\n");
  assert.equal(emitYaml("a b"), "a b\n...\n");
  assert.equal(emitYaml("'q'"), "'''q'''\n");
  assert.equal(emitYaml([]), "[]\n");
  assert.equal(emitYaml(["a", ["b"]]), "- a\n- - b\n");
});

Deno.test("emitter writes timestamps, binary data and ordered pairs so that they load back", () => {
  const ts = YamlTimestamp.parse("2001-12-14 21:59:43.10 -5");
  assert.ok(ts);
  const doc = new YamlMap([
    ["t", ts],
    ["b", new YamlBinary(new TextEncoder().encode("hello world ".repeat(6)))],
    ["e", new YamlBinary(new Uint8Array())],
    ["o", new YamlPairs("omap", [["a", 1n], ["b", [2n]]])],
    ["p", new YamlPairs("pairs", [["a", 1n], ["a", 2n]])],
  ]);
  const text = emitYaml(doc);
  assert.equal(
    text,
    "t: !!timestamp '2001-12-14 21:59:43.10 -5'\n" +
      "b: !!binary |\n  aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29y\n  bGQgaGVsbG8gd29ybGQg\n" +
      'e: !!binary ""\n' +
      "o: !!omap\n- a: 1\n- b:\n  - 2\n" +
      "p: !!pairs\n- a: 1\n- a: 2\n",
  );
  const back = loadYaml(text);
  assert.ok(back.ok);
  assert.deepEqual(canonical(toTagged(back.value)), canonical(toTagged(doc)));
});

Deno.test("emitter output loads back to the same value, shared collections included", () => {
  fc.assert(
    fc.property(documentArb, (doc) => {
      const r = loadYaml(emitYaml(doc));
      assert.ok(r.ok, r.ok ? "" : r.message);
      assert.deepEqual(canonical(toTagged(r.value)), canonical(toTagged(doc)));
      assert.deepEqual(r.notes.filter((n) => n.code === "yaml-version-ambiguous"), []);
    }),
    { numRuns: propertyRuns() * 3 },
  );
});
