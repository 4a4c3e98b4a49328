/**
 * Differential tests of the emitter: byte equality with the reference emitter (PyYAML
 * `safe_dump(sort_keys=False)`) in reference mode; our output loads to the same value under
 * PyYAML (YAML 1.1), under js-yaml's core schema (YAML 1.2) and under our loader. The PyYAML parts
 * are skipped when `python3` with PyYAML is not available.
 */

import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import yaml from "npm:js-yaml@4.3.2";
import { emitYaml, emitYamlAsReference } from "../../lib/yaml/emit.ts";
import { YamlMap, YamlSet, type YamlValue } from "../../lib/yaml/types.ts";
import { TRICKY_PLAIN } from "./_gen.ts";
import { canonical, hasPyYaml, type PyCase, runPyYaml, toTagged } from "./_pyyaml.ts";
import { propertyRuns } from "./_runs.ts";
import { documentArb, stringArb } from "./_values.ts";

/** Fixed documents: every tricky plain scalar as key and value, sets, shared collections. */
function fixedDocuments(): YamlMap[] {
  const tricky = new YamlMap(
    TRICKY_PLAIN.map((s, i) => [s, TRICKY_PLAIN[(i + 1) % TRICKY_PLAIN.length] as string]),
  );
  const shared = new YamlMap([["x", [1n, 2.5, true, null]]]);
  const withSets = new YamlMap([
    ["s", new YamlSet(["b", "a", "yes", "1e3", "\u00e9", "", "k".repeat(130)])],
    ["e", new YamlSet()],
    ["m", [shared, shared, new YamlSet(["z"])]],
  ]);
  return [tricky, withSets];
}

/** Whether js-yaml, which builds plain objects, can represent the value without merging keys. */
function jsRepresentable(value: YamlValue, seen = new Set<object>()): boolean {
  if (value === null || typeof value !== "object") return true;
  if (seen.has(value)) return true;
  seen.add(value);
  if (Array.isArray(value)) return value.every((v) => jsRepresentable(v, seen));
  if (value instanceof YamlMap) {
    const names = new Set(value.keys().map(jsKey));
    return names.size === value.size && !names.has("__proto__") &&
      value.values().every((v) => jsRepresentable(v, seen));
  }
  return false;
}

function jsKey(k: YamlValue): string {
  return typeof k === "string" ? k : String(typeof k === "bigint" ? Number(k) : k);
}

/** Compares our value with js-yaml's reading; integers beyond 2^53 compare approximately. */
function sameAsJs(ours: YamlValue, js: unknown, path = "$"): string | null {
  if (ours === null) return js === null ? null : `${path}: expected null`;
  switch (typeof ours) {
    case "string":
    case "boolean":
      return js === ours ? null : `${path}: ${JSON.stringify(ours)} read as ${JSON.stringify(js)}`;
    case "bigint": {
      const n = Number(ours);
      return typeof js === "number" && (n === js || Math.abs(n - js) <= Math.abs(n) * 1e-15)
        ? null
        : `${path}: integer ${ours} read as ${String(js)}`;
    }
    case "number":
      return typeof js === "number" &&
          (Object.is(ours, js) || ours === js || (Number.isNaN(ours) && Number.isNaN(js)))
        ? null
        : `${path}: float ${ours} read as ${String(js)}`;
  }
  if (Array.isArray(ours)) {
    if (!Array.isArray(js) || js.length !== ours.length) return `${path}: sequence read as ${typeof js}`;
    for (let i = 0; i < ours.length; i++) {
      const d = sameAsJs(ours[i] as YamlValue, js[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (ours instanceof YamlMap) {
    if (js === null || typeof js !== "object" || Array.isArray(js)) {
      return `${path}: mapping read as ${typeof js}`;
    }
    const obj = js as Record<string, unknown>;
    if (Object.keys(obj).length !== ours.size) return `${path}: mapping size differs`;
    for (const [k, v] of ours) {
      const name = jsKey(k);
      if (!Object.hasOwn(obj, name)) return `${path}: key ${JSON.stringify(name)} missing`;
      const d = sameAsJs(v, obj[name], `${path}.${name}`);
      if (d) return d;
    }
    return null;
  }
  return `${path}: unexpected value`;
}

Deno.test({
  name:
    "emitter matches the reference byte for byte, and its output reads back the same under YAML 1.1 and 1.2",
  ignore: !hasPyYaml,
  fn: async () => {
    const seed = Date.now() % 100000;
    const docs = [...fixedDocuments(), ...fc.sample(documentArb, { numRuns: propertyRuns() * 5, seed })];
    const strings = fc.sample(stringArb, { numRuns: propertyRuns() * 5, seed: seed + 1 });
    docs.push(...strings.map((s, i) => new YamlMap([["k", s], [s, i % 2 === 0 ? s : [s]]])));
    const cases: PyCase[] = docs.flatMap((doc) => [
      { op: "dump", value: toTagged(doc) },
      { op: "load", text: emitYaml(doc) },
    ]);
    const results = await runPyYaml(cases);
    const problems: string[] = [];
    let differing = 0;
    docs.forEach((doc, i) => {
      const dumped = results[2 * i];
      const loaded = results[2 * i + 1];
      const want = JSON.stringify(canonical(toTagged(doc)));
      const ours = emitYaml(doc);
      const reference = emitYamlAsReference(doc);
      const hasSet = want.includes('"set"');
      if (!hasSet && (!dumped || !("ok" in dumped) || dumped.ok !== reference)) {
        problems.push(
          `reference emitter differs for ${JSON.stringify(want).slice(0, 200)}\n  ${
            JSON.stringify(dumped)
          }\n  ${JSON.stringify(reference)}`,
        );
      }
      if (!loaded || !("ok" in loaded) || JSON.stringify(canonical(loaded.ok)) !== want) {
        problems.push(
          `PyYAML reads our output differently:\n  ${JSON.stringify(ours)}\n  ${JSON.stringify(loaded)}`,
        );
      }
      if (ours !== reference) differing++;
      if (!hasSet && jsRepresentable(doc)) {
        const diff = sameAsJs(doc, yaml.load(ours, { schema: yaml.CORE_SCHEMA }));
        if (diff !== null) {
          problems.push(`js-yaml reads our output differently (${diff}):\n  ${JSON.stringify(ours)}`);
        }
      }
    });
    assert.deepEqual(problems.slice(0, 5), [], `seed ${seed}: ${problems.length} problems`);
    // Our extra quoting must actually occur in the sample, or the 1.2 check proves little.
    assert.ok(differing > 0);
  },
});

Deno.test("emitter output is read by js-yaml's YAML 1.2 core schema as the same value", () => {
  fc.assert(
    fc.property(documentArb, (doc) => {
      fc.pre(jsRepresentable(doc));
      const diff = sameAsJs(doc, yaml.load(emitYaml(doc), { schema: yaml.CORE_SCHEMA }));
      assert.equal(diff, null);
    }),
    { numRuns: propertyRuns() * 3 },
  );
});

Deno.test("reference-mode output of the extra-quoted strings is read differently by js-yaml", () => {
  // (js-yaml reads `-.5` as a string, unlike the YAML 1.2 core schema, so it is not listed.)
  for (const s of ["1e3", "1.0e5", "09", "0o17"]) {
    const doc = new YamlMap([["k", s]]);
    assert.notEqual(
      sameAsJs(doc, yaml.load(emitYamlAsReference(doc), { schema: yaml.CORE_SCHEMA })),
      null,
      s,
    );
    assert.equal(sameAsJs(doc, yaml.load(emitYaml(doc), { schema: yaml.CORE_SCHEMA })), null, s);
  }
});
