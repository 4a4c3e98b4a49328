/**
 * Differential tests of the loader against the reference library (PyYAML `safe_load`): the same
 * documents must give the same values (exact integers, bit-identical floats, key order, shared
 * objects) or both fail. Skipped when `python3` with PyYAML is not available.
 */

import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { loadYaml } from "../../lib/yaml/load.ts";
import { mutatedDocumentArb, yamlDocumentArb } from "./_gen.ts";
import { canonical, hasPyYaml, type PyResult, runPyYaml, toTagged } from "./_pyyaml.ts";
import { propertyRuns } from "./_runs.ts";

/** Documents written to probe corners of the reference's scanner, parser and constructors. */
const CORPUS: string[] = [
  "a: 1\nb:\n  - x\n  - y: z\n    w: [1, 2, {k: v}]\n",
  "? complex\n: value\n? [not, allowed]\n: x\n",
  "- - a\n  - b\n- - c\n",
  "a:\n- b\n-   c\n- - d\n",
  "a: |\n  literal\n   more\n\n  text\nb: >-\n  folded\n  text\n\n\n  para\n",
  "a: >+\n\n  keep\n\n\nb: 1\n",
  "a: |1\n  x\n b\n",
  "a: |-2\n    x\n   y\n",
  "a: '  spaced  '\nb: \"\\t\\x41\\u263A\\U0001F600\"\nc: 'multi\n  line\n\n  text'\n",
  'a: "multi\\\n  line \\\n  escaped"\n',
  "plain: multi\n  line\n\n\n  scalar\n",
  "a: b # comment\n# full line\nc: 'd' # more\n",
  "a: &x [1, 2]\nb: *x\nc: {<<: {p: 1}, q: 2}\n",
  "base: &b {x: 1, y: 2}\nlist: [&c {z: 3}]\nm:\n  <<: [*b, *c]\n  x: 9\n",
  "%YAML 1.1\n%TAG !e! tag:yaml.org,2002:\n--- !e!map\na: !e!int '12'\n...\n",
  "--- >\n  folded root\n...\n",
  "--- |\n  literal root\n",
  "---\n- 1\n- 2\n...\n# trailing comment\n",
  "[a, b, ]\n",
  "{a: 1, b: , c}\n",
  "[? a : b, c: d, e]\n",
  "{? a, b: c}\n",
  "a: [b, c]: d\n",
  "a: {b: c, d: [e, f, {g: h}]}\n",
  "!!set\n? a\n? b\n",
  "!!omap\n- a: 1\n- b: 2\n",
  "a: !!binary |\n  aGVsbG8g\n  d29ybGQ=\n",
  "a: !!timestamp 2001-1-1\nb: 2001-12-14 21:59:43.10 -5\nc: 2001-12-15T02:59:43.1Z\n",
  "{2001-01-01 10:00:00+01:00: a, 2001-01-01 09:00:00Z: b}\n",
  "{1: a, true: b, 1.0: c, 0: d, false: e, ~: f, null: g}\n",
  "a: !!float '1_000.5'\nb: !!int '0o17'\nc: !!int ' 12 '\nd: !!float 'nan'\ne: !!float '-inf'\n",
  "a: ! \"12\\n\"\nb: ! '1_000'\nc: ! |\n  017\n",
  "a: !!str {=: 5}\nb: !!int {=: 0x10}\n=: eq\n",
  "a: 0b1_0\nb: -0x_F\nc: +0_17\nd: 1:2:3\ne: -1:2:3.5\nf: 0.0_1\n",
  "a: 2001-02-28\nb: 2000-02-29\nc: 1900-02-29\nd: 2001-12-14 25:00:00\n",
  "a: 2001-12-14 21:59:43 +23:59\nb: 2001-12-14 21:59:43 +24\n",
  "'a': 1\n\"b\": 2\n? |\n  c\n: 3\n",
  "- &a a\n- *a\n- &b [*a]\n- *b\n",
  "a:\n  b:\n    c:\n  d: e\n",
  "a:    \n  - 1\n",
  "- a\n -b\n",
  "key:    value with   spaces   \n",
  "a: 'x''y'\nb: \"x\\\"y\"\nc: x'y\nd: x\"y\n",
  "a: -\nb: - \n",
  "? - a\n  - b\n: c\n",
  "a: b\n c: d\n",
  "a: 'b'c\n",
  "a:\n  - b\n  c: d\n",
  "\ta: 1\n",
  "a: 1\r\nb: 2\rc: 3\n",
  'a: x\u2028y\nb: "p\u2029q"\n',
  "a: \u00e9\u00e8 \ud83d\ude00\n",
  "&anchor a: b\n",
  "*x: y\n",
  "a: &x\nb: *x\n",
  "!!str : x\n",
  "a: !!null\nb: !!str\nc: !\n",
  "%FOO bar baz\n--- a\n",
  "%YAML 1.2\n--- yes\n",
  "%YAML 1.1\n%YAML 1.1\n--- a\n",
  "%TAG !a! tag:x,2000:\n%TAG !a! tag:y,2000:\n--- a\n",
  "a: !<tag:yaml.org,2002:int> 12\nb: !<!> 13\n",
  "a: !e!x 1\n",
  'a: "\\x"\n',
  'a: "\\uD83D\\uDE00"\n',
  "a: |0\n  x\n",
  "a: >9\n         x\n",
  "[".repeat(40) + "]".repeat(40),
  "a: " + "x ".repeat(600) + "\n",
  "k" + "x".repeat(1100) + ": v\n",
  "? " + "x".repeat(1100) + "\n: v\n",
  "a: [\n  1,\n  2\n]\nb: {\n c: d\n}\n",
  "a: - b\n",
  "- ? a\n  : b\n",
  "a: 1\n--- \nb: 2\n",
  "a: 1\n... \n",
  "a: '---'\nb: \"...\"\n",
  "s: 'a\n---\n  b'\n",
  "a: {b: 1}}\n",
  "]\n",
  "a: @x\n",
  "a: `x\n",
  "a: %x\n",
  "? a\n? b\n? a\n",
  "<<: {a: 1}\n<<: {a: 2, b: 2}\n",
  "a: &a {<<: *a}\n",
  "a: &a [{<<: *a}]\n",
  "a: !!binary aGk= \u00e9\n",
  "a: !!binary 'aGk=\u00a0'\n",
  "!!set &s {a: *s}\n",
];

async function listYaml(dir: URL): Promise<URL[]> {
  const out: URL[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const child = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) out.push(...await listYaml(child));
    else if (/\.ya?ml$/i.test(entry.name)) out.push(child);
  }
  return out;
}

const FIXTURES = new URL("../../../shared/fixtures/", import.meta.url);
const fixturesExist = await Deno.stat(FIXTURES).then(() => true, () => false);

/**
 * Differences made on purpose: `=` outside key position (§2.12) and, by analogy, `<<` outside
 * key position read as strings where the reference fails; and a collection that contains itself
 * (an infinite expansion, §2.12 limits) is refused even where the reference builds it.
 */
function deliberate(text: string, ref: PyResult): boolean {
  const ours = loadYaml(text);
  if (!ours.ok) return ours.code === "yaml-limits-exceeded" && ours.message.includes("includes itself");
  return "err" in ref && /constructor for the tag 'tag:yaml\.org,2002:(?:value|merge)'/.test(ref.err);
}

function compare(texts: string[], results: PyResult[]): string[] {
  const mismatches: string[] = [];
  texts.forEach((text, i) => {
    const ref = results[i] as PyResult;
    const ours = loadYaml(text);
    if ("ok" in ref && ours.ok) {
      const want = JSON.stringify(canonical(ref.ok));
      const got = JSON.stringify(canonical(toTagged(ours.value)));
      if (want !== got) mismatches.push(`${JSON.stringify(text)}\n  reference: ${want}\n  ours:      ${got}`);
    } else if ("ok" in ref || ours.ok) {
      if (deliberate(text, ref)) return;
      mismatches.push(
        `${JSON.stringify(text)}\n  reference: ${JSON.stringify(ref).slice(0, 300)}\n  ours:      ${
          ours.ok ? JSON.stringify(canonical(toTagged(ours.value))).slice(0, 300) : ours.message
        }`,
      );
    }
  });
  return mismatches;
}

Deno.test({
  name: "loader reads hand-written corner cases exactly as the reference does",
  ignore: !hasPyYaml,
  fn: async () => {
    const results = await runPyYaml(CORPUS.map((text) => ({ op: "load", text })));
    assert.deepEqual(compare(CORPUS, results), []);
  },
});

Deno.test({
  name: "loader reads the fixture projects' YAML exactly as the reference does",
  ignore: !hasPyYaml || !fixturesExist,
  fn: async () => {
    const files = await listYaml(FIXTURES);
    assert.ok(files.length > 0);
    const texts = await Promise.all(files.map((f) => Deno.readTextFile(f)));
    const results = await runPyYaml(texts.map((text) => ({ op: "load", text })));
    assert.deepEqual(compare(texts, results), []);
    for (const text of texts) assert.ok(loadYaml(text).ok);
  },
});

Deno.test({
  name: "loader agrees with the reference on generated and mutated documents",
  ignore: !hasPyYaml,
  fn: async () => {
    const runs = propertyRuns() * 10;
    const seed = Date.now() % 100000;
    const texts = [
      ...fc.sample(yamlDocumentArb, { numRuns: runs, seed }),
      ...fc.sample(mutatedDocumentArb, { numRuns: runs, seed: seed + 1 }),
    ];
    const results = await runPyYaml(texts.map((text) => ({ op: "load", text })));
    const mismatches = compare(texts, results);
    assert.deepEqual(mismatches.slice(0, 5), [], `seed ${seed}: ${mismatches.length} mismatches`);
    // The generator must produce both kinds, or the comparison proves little.
    const ok = results.filter((r) => "ok" in r).length;
    assert.ok(ok > runs / 4 && ok < texts.length - runs / 4, `only ${ok} of ${texts.length} documents load`);
  },
});
