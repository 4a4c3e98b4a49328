import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { loadYaml, type YamlLoadResult } from "../../lib/yaml/load.ts";
import {
  YamlBinary,
  YamlMap,
  YamlPairs,
  YamlSet,
  YamlTimestamp,
  type YamlValue,
} from "../../lib/yaml/types.ts";
import { mutatedDocumentArb, yamlDocumentArb } from "./_gen.ts";
import { propertyRuns } from "./_runs.ts";

function load(text: string): YamlValue {
  const r = loadYaml(text);
  if (!r.ok) throw new Error(`expected a value for ${JSON.stringify(text)}: ${r.message}`);
  return r.value;
}

function value(text: string): YamlValue {
  const root = load(`v: ${text}\n`);
  assert.ok(root instanceof YamlMap);
  return root.get("v") as YamlValue;
}

function failure(r: YamlLoadResult): { code: string; message: string } {
  assert.equal(r.ok, false, "expected a failure");
  return r as { code: string; message: string };
}

Deno.test("loader resolves plain scalars with the YAML 1.1 rules of §2.12", () => {
  const cases: [string, YamlValue][] = [
    ["~", null],
    ["null", null],
    ["Null", null],
    ["NULL", null],
    ["", null],
    ["yes", true],
    ["Yes", true],
    ["YES", true],
    ["no", false],
    ["On", true],
    ["OFF", false],
    ["true", true],
    ["False", false],
    ["0b101", 5n],
    ["-0b101", -5n],
    ["017", 15n],
    ["0", 0n],
    ["-0", 0n],
    ["+12", 12n],
    ["1_000", 1000n],
    ["0x0A", 10n],
    ["0x_0A", 10n],
    ["1:30", 90n],
    ["-1:30", -90n],
    ["123456789012345678901234567890", 123456789012345678901234567890n],
    ["25.0", 25],
    ["1.", 1],
    [".5", 0.5],
    ["-1.5e+3", -1500],
    ["1_0.5", 10.5],
    ["190:20:30.15", 685230.15],
    [".inf", Infinity],
    ["-.Inf", -Infinity],
    ["+.INF", Infinity],
    ["1e3", "1e3"],
    ["1.0e3", "1.0e3"],
    ["-.5", "-.5"],
    ["0o17", "0o17"],
    ["09", "09"],
    ["y", "y"],
    ["n", "n"],
    ["N", "N"],
    ["=", "="],
    ["+.nan", "+.nan"],
    ["1:60", "1:60"],
    ["0.2.7", "0.2.7"],
    ["abc", "abc"],
  ];
  for (const [text, want] of cases) {
    const got = value(text);
    assert.ok(
      Object.is(got, want) || (typeof want === "number" && typeof got === "number" && got === want),
      `${JSON.stringify(text)}: got ${String(got)} (${typeof got}), want ${String(want)} (${typeof want})`,
    );
  }
  const nan = value(".NaN");
  assert.ok(typeof nan === "number" && Number.isNaN(nan));
});

Deno.test("loader keeps floats apart from integers and integers exact", () => {
  assert.equal(typeof value("25.0"), "number");
  assert.equal(typeof value("25"), "bigint");
  assert.equal(value("99999999999999999999"), 99999999999999999999n);
  assert.ok(Object.is(value("-0.0"), -0));
});

Deno.test("loader reads timestamps, binary, sets, omap and pairs", () => {
  const date = value("2026-04-03");
  assert.ok(date instanceof YamlTimestamp && date.time === null && date.text === "2026-04-03");
  const dt = value("2001-12-14t21:59:43.10-05:00");
  assert.ok(dt instanceof YamlTimestamp);
  assert.deepEqual(dt.time, { hour: 21, minute: 59, second: 43, microsecond: 100000, offsetMinutes: -300 });
  const bin = value("!!binary aGVsbG8=");
  assert.ok(bin instanceof YamlBinary);
  assert.equal(new TextDecoder().decode(bin.bytes), "hello");
  const set = value("!!set {b, a, b}");
  assert.ok(set instanceof YamlSet);
  assert.deepEqual(set.members, ["b", "a"]);
  const omap = value("!!omap [a: 1, b: 2, a: 3]");
  assert.ok(omap instanceof YamlPairs && omap.tag === "omap");
  assert.deepEqual(omap.pairs, [["a", 1n], ["b", 2n], ["a", 3n]]);
  const pairs = value("!!pairs [x: y]");
  assert.ok(pairs instanceof YamlPairs && pairs.tag === "pairs");
});

Deno.test("loader honours explicit and non-specific tags", () => {
  assert.equal(value("! '12'"), 12n);
  assert.equal(value("!!str 12"), "12");
  assert.equal(value("!<tag:yaml.org,2002:str> 12"), "12");
  assert.equal(value("!!int '0x1F'"), 31n);
  assert.equal(value("!!float '1'"), 1);
  assert.equal(value("!!bool 'YES'"), true);
  assert.equal(value("!!null 'anything'"), null);
  assert.equal(load("%TAG !e! tag:yaml.org,2002:\n--- !e!str 12\n"), "12");
  assert.equal(load("%YAML 1.1\n--- 12\n"), 12n);
});

Deno.test("loader reads every scalar style", () => {
  assert.equal(value("|\n  a\n  b\n\n"), "a\nb\n");
  assert.equal(value("|-\n  a\n  b\n\n"), "a\nb");
  assert.equal((load("v: |+\n  a\n  b\n\n") as YamlMap).get("v"), "a\nb\n\n");
  assert.equal(value(">\n  a\n  b\n\n  c\n"), "a b\nc\n");
  assert.equal(value("|2\n    a\n  b\n"), "  a\nb\n");
  assert.equal(value("'it''s\n\n  here'"), "it's\nhere");
  assert.equal(
    value('"\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\e\\0\\t\\ \\/"'),
    "A\u00e9\u{1F600}\x85\xa0\u2028\u2029\x1b\0\t /",
  );
  assert.equal(value('"a\\\n   b"'), "ab");
  assert.equal(value("plain\n  continued\n\n  here"), "plain continued\nhere");
  const flow = value("[a, {b: c}, d: e, ? f]") as YamlValue[];
  assert.equal(flow[0], "a");
  assert.deepEqual((flow[1] as YamlMap).entries(), [["b", "c"]]);
  assert.deepEqual((flow[2] as YamlMap).entries(), [["d", "e"]]);
  assert.deepEqual((flow[3] as YamlMap).entries(), [["f", null]]);
});

Deno.test("loader applies merge keys in the reference's order", () => {
  const root = load("a: &a {p: 1, q: 1}\nb: &b {q: 2, r: 2, s: 2}\nc: {<<: [*a, *b], t: 5}\n");
  assert.ok(root instanceof YamlMap);
  const c = root.get("c");
  assert.ok(c instanceof YamlMap);
  assert.deepEqual(c.entries(), [["q", 1n], ["r", 2n], ["s", 2n], ["p", 1n], ["t", 5n]]);
  const own = load("base: &x {k: 1, v: {deep: true}}\nuse:\n  <<: *x\n  k: 2\n");
  assert.ok(own instanceof YamlMap);
  const use = own.get("use") as YamlMap;
  const base = own.get("base") as YamlMap;
  assert.deepEqual(use.keys(), ["k", "v"]);
  assert.equal(use.get("k"), 2n);
  assert.equal(use.get("v"), base.get("v"), "merged values are the same object");
});

Deno.test("loader gives a collection reached through aliases the same identity", () => {
  const root = load("a: &x [1, 2]\nb: *x\nc: &m {k: v}\nd: [*m, *m]\n");
  assert.ok(root instanceof YamlMap);
  assert.equal(root.get("a"), root.get("b"));
  const d = root.get("d") as YamlValue[];
  assert.equal(d[0], root.get("c"));
  assert.equal(d[1], root.get("c"));
});

Deno.test("loader keeps the last value of a duplicate key at its first position and notes it", () => {
  const r = loadYaml("a: 1\nb: 2\na: 3\n1: p\n1.0: q\n");
  assert.ok(r.ok);
  assert.ok(r.value instanceof YamlMap);
  assert.deepEqual(r.value.entries(), [["a", 3n], ["b", 2n], [1n, "q"]]);
  assert.deepEqual(r.notes.map((n) => [n.code, n.path]), [["yaml-duplicate-key", "$.a"], [
    "yaml-duplicate-key",
    "$.1.0",
  ]]);
});

Deno.test("loader does not note a merged key overridden by the mapping's own key", () => {
  const r = loadYaml("a: &a {k: 1}\nb: {<<: *a, k: 2}\n");
  assert.ok(r.ok);
  assert.deepEqual(r.notes, []);
});

Deno.test("loader notes plain scalars YAML 1.1 and 1.2 read differently, with their key paths", () => {
  const r = loadYaml(
    "enabled: yes\nmode: 0o17\nx: 1e3\nlist: [a, y, 017]\non: 1\nhex: 0x0A\nok: 'yes'\nf: 1.0\nt: True\nd: 2026-04-03\n",
  );
  assert.ok(r.ok);
  assert.deepEqual(r.notes.map((n) => [n.code, n.path]), [
    ["yaml-version-ambiguous", "$.enabled"],
    ["yaml-version-ambiguous", "$.mode"],
    ["yaml-version-ambiguous", "$.x"],
    ["yaml-version-ambiguous", "$.list[1]"],
    ["yaml-version-ambiguous", "$.list[2]"],
    ["yaml-version-ambiguous", "$.true"],
    ["yaml-version-ambiguous", "$.d"],
  ]);
  for (const n of r.notes) assert.ok(!n.message.includes("\n") && n.message.length > 0);
});

Deno.test("loader notes explicit tags outside the YAML 1.2 core schema", () => {
  const r = loadYaml("a: !!binary aGk=\nb: !!str x\nc: !!set {x}\nd: !!omap [k: v]\ne: ! 12\n");
  assert.ok(r.ok);
  assert.deepEqual(r.notes.map((n) => n.path), ["$.a", "$.d", "$.e"]);
});

Deno.test("loader reports yaml-invalid for refused input, with a one-line message and position", () => {
  const cases = [
    "a: 1\n---\nb: 2\n",
    "--- a\n--- b\n",
    "a: !x 1\n",
    "a: !!python/tuple [1, 2]\n",
    "a: !<tag:x%0Ay> 1\n",
    "? [a]\n: 1\n",
    "{[a]: 1}\n",
    "a: 0b_\n",
    "a: 0x_\n",
    "a: *nope\n",
    "a: &x 1\nb: &x 2\n",
    "a:\n\tb: 1\n",
    "a: [1, 2\n",
    "a: 'unterminated\n",
    'a: "\\q"\n',
    "a: !!int abc\n",
    "a: !!bool maybe\n",
    "a: 2001-02-29\n",
    "a: !!binary a\n",
    "a: !!map [1]\n",
    "a: !!seq {b: 1}\n",
    "<<: 1\n",
    "a: b: c\n",
    "- a\nb: 1\n",
    "%YAML 2.0\n--- a\n",
    "a: 1\n...\nb\n",
    "x: \u0007\n",
    "x: \ud800\n",
    "...\n",
  ];
  for (const text of cases) {
    const f = failure(loadYaml(text));
    assert.equal(f.code, "yaml-invalid", JSON.stringify(text));
    assert.match(f.message, /\(line \d+, column \d+\)$/, JSON.stringify(text));
    assert.ok(!/[\n\r]/.test(f.message));
  }
});

Deno.test("loader reads an empty document or comments only as null and tolerates a BOM", () => {
  for (const text of ["", "# only a comment\n", "---\n", "--- \n...\n", "\n\n"]) {
    assert.equal(load(text), null);
  }
  assert.deepEqual((load("\ufeffa: 1\n") as YamlMap).entries(), [["a", 1n]]);
});

Deno.test("loader reports yaml-limits-exceeded beyond 512 levels of nesting", () => {
  const ok = loadYaml("[".repeat(512) + "]".repeat(512));
  assert.ok(ok.ok);
  assert.equal(failure(loadYaml("[".repeat(513) + "]".repeat(513))).code, "yaml-limits-exceeded");
  let block = "";
  for (let i = 0; i < 600; i++) block += " ".repeat(i) + "k:\n";
  assert.equal(failure(loadYaml(block)).code, "yaml-limits-exceeded");
  // Nesting through aliases counts too.
  const nested = "a: &a " + "[".repeat(300) + "]".repeat(300) + "\nb: " + "[".repeat(300) + "*a" +
    "]".repeat(300) + "\n";
  assert.equal(failure(loadYaml(nested)).code, "yaml-limits-exceeded");
});

Deno.test("loader stops alias bombs quickly with yaml-limits-exceeded", () => {
  let text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (let i = 1; i < 10; i++) {
    const prev = `*a${i - 1}`;
    text += `a${i}: &a${i} [${Array(10).fill(prev).join(", ")}]\n`;
  }
  const start = performance.now();
  const f = failure(loadYaml(text));
  assert.equal(f.code, "yaml-limits-exceeded");
  assert.ok(performance.now() - start < 1000, "counted arithmetically, not by expansion");
  assert.equal(failure(loadYaml("&a [*a]\n")).code, "yaml-limits-exceeded");
  assert.equal(failure(loadYaml("a: [1, 2, 3]\n", { maxNodes: 4 })).code, "yaml-limits-exceeded");
  assert.ok(loadYaml("a: [1, 2, 3]\n", { maxNodes: 6 }).ok);
});

Deno.test("loader accepts a mapping that merges itself, as the reference does", () => {
  const root = load("a: &a {<<: *a, x: 1}\n");
  assert.deepEqual(((root as YamlMap).get("a") as YamlMap).entries(), [["x", 1n]]);
});

Deno.test("loader never throws on random text or mutated documents", () => {
  const runs = propertyRuns();
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: "binary", maxLength: 200 }),
        fc.string({ unit: "grapheme-ascii", maxLength: 200 }),
        fc.array(
          fc.constantFrom(
            "- ",
            ": ",
            "? ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "&a ",
            "*a",
            "!!str ",
            "|",
            ">",
            "\n",
            "  ",
            "'",
            '"',
            "#",
            "<<",
            "x",
            "---",
            "...",
          ),
          { maxLength: 60 },
        ).map((a) => a.join("")),
        yamlDocumentArb,
        mutatedDocumentArb,
      ),
      (text) => {
        const r = loadYaml(text);
        if (!r.ok) {
          assert.ok(r.code === "yaml-invalid" || r.code === "yaml-limits-exceeded");
          assert.ok(!/[\n\r]/.test(r.message));
        }
      },
    ),
    { numRuns: runs * 5 },
  );
});

Deno.test("loader stops a mapping that merges itself over and over with yaml-limits-exceeded", () => {
  const text = "a: &a {" + "<<: *a, ".repeat(40) + "x: 1}\n";
  const start = performance.now();
  assert.equal(failure(loadYaml(text)).code, "yaml-limits-exceeded");
  assert.ok(performance.now() - start < 2000);
});

Deno.test("loader merges a large mapping without exhausting the call stack", () => {
  const keys = Array.from({ length: 200_000 }, (_, i) => `k${i}: ${i}`).join(", ");
  const root = load(`a: &a {${keys}}\nb: {<<: *a, z: 0}\n`) as YamlMap;
  assert.equal((root.get("b") as YamlMap).size, 200_001);
});

/** A loading result as comparable text: values by type, shared collections by id, notes, failures. */
function snapshot(r: YamlLoadResult): string {
  if (!r.ok) return JSON.stringify(r);
  const ids = new Map<object, number>();
  const enc = (v: YamlValue): unknown => {
    if (typeof v === "bigint") return `int ${v}`;
    if (typeof v === "number") return `float ${Object.is(v, -0) ? "-0" : v}`;
    if (v === null || typeof v !== "object") return v;
    if (v instanceof YamlTimestamp) return `timestamp ${v.text}`;
    if (v instanceof YamlBinary) return `binary ${Array.from(v.bytes)}`;
    const seen = ids.get(v);
    if (seen !== undefined) return `ref ${seen}`;
    ids.set(v, ids.size);
    if (Array.isArray(v)) return v.map(enc);
    if (v instanceof YamlMap) return { map: v.entries().map(([k, x]) => [enc(k), enc(x)]) };
    if (v instanceof YamlSet) return { set: v.members.map(enc) };
    return { [v.tag]: v.pairs.map(([k, x]) => [enc(k), enc(x)]) };
  };
  return JSON.stringify({ value: enc(r.value), notes: r.notes });
}

/** Single-line scalars of every kind a block document may hold, comments included. */
const blockScalarArb = fc.constantFrom(
  "v",
  "a b",
  "x # c",
  "a#b",
  "a:b",
  "-x",
  ":x",
  "?x",
  "1",
  "1.5",
  "0x1F",
  "1e3",
  "No",
  "~",
  "2001-12-14",
  "'q'",
  "'it''s'",
  "''",
  '"d"',
  '"a # b"',
  '"a\\tb"',
  "<<",
  "=",
);

/**
 * Well-nested block documents (as lines), with the odd comment and blank line: values on the
 * key's line, empty, or below it (a sequence there sometimes indentless).
 */
const blockTreeArb: fc.Arbitrary<string[]> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: "small" }, tie("mapping"), tie("sequence")),
  mapping: fc.array(
    fc.tuple(blockScalarArb, fc.oneof(blockScalarArb, fc.constant(""), tie("node"), tie("sequence"))),
    { minLength: 1, maxLength: 4 },
  ).map((pairs) =>
    pairs.flatMap(([key, value], i) => {
      if (typeof value === "string") return [value === "" ? `${key}:` : `${key}: ${value}`];
      const lines = value as string[];
      const indent = i % 2 === 1 && lines[0]?.startsWith("-") ? "" : "  ";
      return [`${key}:  # comment`, ...lines.map((line) => indent + line)];
    })
  ),
  sequence: fc.array(fc.option(tie("node"), { nil: undefined }), { minLength: 1, maxLength: 4 }).map((
    entries,
  ) =>
    entries.flatMap((inner, i) => {
      if (inner === undefined) return [i % 2 === 0 ? "- v" : "-"];
      const [first, ...rest] = inner as string[];
      return i % 3 === 2
        ? ["-", ...(inner as string[]).map((line) => "  " + line)]
        : [`- ${first}`, ...rest.map((line) => "  " + line), ""];
    })
  ),
})).node as fc.Arbitrary<string[]>;

/** Block documents, mostly well formed, some with a line shifted, dropped or added. */
const blockDocumentArb: fc.Arbitrary<string> = fc.tuple(
  blockTreeArb,
  fc.nat(),
  fc.constantFrom("keep", "indent", "dedent", "drop", "insert"),
  fc.constantFrom("- w", "k: w", "w", "# c", "  k: w", "---", "--- k: w", "... #", "-"),
).map(([lines, at, edit, extra]) => {
  const i = at % lines.length;
  const out = [...lines];
  if (edit === "indent") out[i] = " " + out[i];
  else if (edit === "dedent") out[i] = (out[i] as string).replace(/^ /, "");
  else if (edit === "drop") out.splice(i, 1);
  else if (edit === "insert") out.splice(i, 0, extra);
  return out.join("\n") + "\n";
});

Deno.test("loader reads block documents through its fast path exactly as through its full parser", () => {
  // A leading BOM changes nothing for the reference, but it sends a document past the loader's
  // fast path for plain block documents; both readings must agree, failures and positions too.
  const same = (text: string, options?: { maxDepth: number; maxNodes: number }): void => {
    const fast = snapshot(loadYaml(text, options));
    assert.equal(fast, snapshot(loadYaml("\ufeff" + text, options)), JSON.stringify(text));
  };
  const examples = [
    "# settings\nname: demo\nport: 8080\nratio: 2.5\nflags: [a]\n",
    "a:\n  b: 1\n  c:\n  - x\n  - y: 2\n    z: 'q'\nd: \"e\"\n",
    "- a\n-\n  - b\n- c: 1\n  d:\n- - e\n  - f\n",
    "a:\n- 1\n- 2\nb: 3\n",
    "a:\n  # comment\n\n  b: 1\nc:   # comment\nd: ''\ne: 'it''s'\n",
    "enabled: yes\nmode: 0x0A\nsize: 1e3\nkey: y\nnull: ~\n<<:\n  m: 1\n",
    "a: 1\na: 2\n1: x\n1.0: y\n",
    "a: x # c\nb: 'x' #c\nc: \"x\"#c\n",
    "a:\n-\nb: 1\n",
    "<<:\nk: v\n",
    "<<:\n- a: 1\n-\n",
    "<<:\n  - a: 1\n  - 'x'\n",
    "a: x\n  continued\n",
    "a: x\n# comment\n  b: 1\n",
    "a:\n  - 1\n  b: 2\n",
    "- a: 1\n   b: 2\n",
    "a: b: c\n",
    "k: " + "1".repeat(5000) + "\n",
    "k".repeat(1030) + ": v\n",
    "a: 1\n---\nb: 2\n",
    "a: 'open\n",
    "  a: 1\nb: 2\n",
    "k:\n" + Array.from({ length: 30 }, (_, i) => " ".repeat(i + 1) + "k:").join("\n") + " v\n",
  ];
  for (const text of examples) {
    same(text);
    same(text, { maxDepth: 3, maxNodes: 12 });
  }
  fc.assert(
    // (A document that starts with a BOM already has one: a second would be text.)
    fc.property(
      fc.oneof(blockDocumentArb, yamlDocumentArb.filter((text) => !text.startsWith("\ufeff"))),
      (text) => same(text),
    ),
    { numRuns: propertyRuns() * 5 },
  );
});
