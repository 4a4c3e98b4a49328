/**
 * Property tests of the `.anpkg` pipeline (anpkg.md §8 item 11 and the export/validate round
 * trip): random valid projects export deterministically and validate clean; random damage to a
 * valid package never makes validation or inspection throw, and every non-clean report carries
 * registered codes; random YAML as a provider file never crashes export. The number of runs comes
 * from `HANDOFF_PROPERTY_RUNS` (default 100; the slower project property uses a quarter of it).
 */

import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { buildPackage } from "../../lib/anpkg/export.ts";
import { inspectPackage } from "../../lib/anpkg/inspect.ts";
import { validateBytes, validatePackage } from "../../lib/anpkg/validate.ts";
import { codeInfo } from "../../lib/report/codes.ts";
import type { Problem } from "../../lib/report/report.ts";
import { emitYaml } from "../../lib/yaml/emit.ts";
import { YamlMap, type YamlValue } from "../../lib/yaml/types.ts";
import { mutatedDocumentArb, yamlDocumentArb } from "../yaml/_gen.ts";
import {
  baseMembers,
  basePackage,
  makeProject,
  projectWith,
  put,
  readStored,
  repack,
  text,
} from "./_build.ts";

const RUNS = Number(Deno.env.get("HANDOFF_PROPERTY_RUNS") ?? "100") || 100;
const PROJECT_RUNS = Math.max(5, Math.ceil(RUNS / 4));

/** Every problem has a registered code whose formats include .anpkg, and a one-line message. */
function assertWellFormed(problems: readonly Problem[]): void {
  for (const p of problems) {
    const info = codeInfo(p.code);
    assert.ok(info, `registered code ${p.code}`);
    assert.ok(info.formats.includes("anpkg"), `${p.code} is an .anpkg code`);
    assert.ok(p.severity === "error" || p.severity === "warning");
    assert.ok(p.message.length > 0 && !/[\r\n]/.test(p.message), `one-line message for ${p.code}`);
  }
}

// ── random valid projects ──

const ID = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
/** Keys that are plain strings in every reader and never token-like. */
const KEY = fc.stringMatching(/^k[a-z0-9_]{0,8}$/).filter((k) => !k.includes("token"));

const scalar: fc.Arbitrary<YamlValue> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 10 }),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom("yes", "1e3", "0x0A", "~", "- a", "a: b", "#x", "line1\nline2", " padded ", "'", "09"),
);

const value: fc.Arbitrary<YamlValue> = fc.letrec<{ v: YamlValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.uniqueArray(fc.tuple(KEY, tie("v")), { maxLength: 4, selector: ([k]) => k }).map((e) =>
      new YamlMap(e)
    ),
  ),
})).v;

interface GeneratedProvider {
  readonly id: string;
  readonly args: string[];
  readonly config: YamlMap;
  readonly argsMode: "list" | "absent" | "null" | "trailing";
}

const providerArb: fc.Arbitrary<Omit<GeneratedProvider, "id">> = fc.record({
  args: fc.array(fc.string({ maxLength: 12 }).filter((a) => !a.startsWith("--config")), { maxLength: 3 }),
  config: fc.uniqueArray(fc.tuple(KEY, value), { minLength: 1, maxLength: 5, selector: ([k]) => k })
    .map((e) => new YamlMap(e)),
  argsMode: fc.constantFrom("list", "absent", "null", "trailing"),
});

const projectArb = fc.record({
  providers: fc.uniqueArray(ID, { minLength: 1, maxLength: 4, comparator: "IsStrictlyEqual" }).chain((ids) =>
    fc.tuple(...ids.map((id) => providerArb.map((p) => ({ ...p, id }))))
  ),
  behavior: fc.option(fc.record({ dir: fc.constantFrom("", "a/", "a/b/"), legacy: fc.boolean() }), {
    nil: undefined,
  }),
  telemetry: fc.option(
    fc.record({
      flat: fc.boolean(),
      nested: fc.boolean(),
      token: fc.string({ minLength: 1, maxLength: 10 }),
    }),
    {
      nil: undefined,
    },
  ),
  extra: fc.option(value, { nil: undefined }),
});

type GeneratedProject = typeof projectArb extends fc.Arbitrary<infer T> ? T : never;

function projectFiles(g: GeneratedProject): Record<string, string> {
  const profileProviders = new YamlMap();
  const compat = new YamlMap();
  const runtimeProviders: YamlMap[] = [];
  const files: Record<string, string> = {};
  g.providers.forEach((p, i) => {
    const path = `config/provider-${i}.yaml`;
    profileProviders.set(p.id, new YamlMap([["config", path]]));
    compat.set(p.id, new YamlMap([["strategy", "local-build"], ["version", "1"]]));
    files[path] = emitYaml(p.config);
    const entry = new YamlMap([["id", p.id], ["command", "custom-provider"]]);
    if (p.argsMode === "list") entry.set("args", [...p.args, "--config", path]);
    else if (p.argsMode === "null") entry.set("args", null);
    else if (p.argsMode === "trailing") entry.set("args", [...p.args, "--config"]);
    runtimeProviders.push(entry);
  });
  const runtime = new YamlMap([["providers", runtimeProviders]]);
  if (g.telemetry) {
    const t = new YamlMap([["enabled", true]]);
    if (g.telemetry.flat) t.set("influx_token", g.telemetry.token);
    if (g.telemetry.nested) {
      t.set("influxdb", new YamlMap([["url", "http://db"], ["token", g.telemetry.token]]));
    }
    runtime.set("telemetry", t);
  }
  const profile = new YamlMap([
    ["schema_version", 1n],
    ["machine_id", "rig-1"],
    ["display_name", "Rig"],
    ["runtime_profiles", new YamlMap([["manual", "config/runtime.yaml"]])],
    ["providers", profileProviders],
    [
      "compatibility",
      new YamlMap([["runtime", new YamlMap([["config_contract", "a"], ["http_contract", "b"]])], [
        "providers",
        compat,
      ]]),
    ],
  ]);
  if (g.behavior) {
    const path = `behaviors/${g.behavior.dir}tree.xml`;
    files[path] = "<root/>\n";
    runtime.set(
      "automation",
      new YamlMap([["enabled", true], [g.behavior.legacy ? "behavior_tree_path" : "behavior_tree", path]]),
    );
    profile.set("behaviors", [path]);
  }
  if (g.extra !== undefined) runtime.set("x_extra", g.extra);
  files["config/runtime.yaml"] = emitYaml(runtime);
  files["machine-profile.yaml"] = emitYaml(profile);
  return files;
}

Deno.test("random valid projects export deterministically, validate clean, and keep provider files as emitted", async () => {
  await fc.assert(
    fc.asyncProperty(projectArb, async (g) => {
      const files = projectFiles(g);
      const project = await makeProject(files);
      try {
        const first = await buildPackage(project.path);
        assert.deepEqual(first.problems, [], JSON.stringify(files));
        assert.ok(first.bytes);
        const second = await buildPackage(project.path);
        assert.deepEqual(second.bytes, first.bytes, "deterministic");
        const check = await validateBytes(first.bytes);
        assert.deepEqual(check.problems, []);
        const m = readStored(first.bytes);
        g.providers.forEach((p, i) =>
          assert.equal(text(m, `providers/${p.id}.yaml`), files[`config/provider-${i}.yaml`])
        );
        const provenance = JSON.parse(text(m, "meta/provenance.json"));
        const redacted = g.telemetry !== undefined && (g.telemetry.flat || g.telemetry.nested);
        assert.equal(provenance.redaction_policy.telemetry_influxdb_token_removed, redacted);
        assert.equal(m.has("runtime/behaviors/tree.xml"), g.behavior !== undefined);
      } finally {
        await project.cleanup();
      }
    }),
    { numRuns: PROJECT_RUNS },
  );
});

// ── damaged packages ──

const damageArb = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

type Damage = typeof damageArb extends fc.Arbitrary<infer T> ? T : never;

function damage(bytes: Uint8Array, edits: readonly Damage[]): Uint8Array {
  let b = bytes.slice();
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % (b.length + 1);
    if (e.kind === "set" && at < b.length) b[at] = e.byte;
    else if (e.kind === "insert") b = new Uint8Array([...b.subarray(0, at), ...e.bytes, ...b.subarray(at)]);
    else if (e.kind === "delete") b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + e.length)]);
    else if (e.kind === "truncate") b = b.slice(0, at);
  }
  return b;
}

Deno.test("validation of randomly damaged packages never throws and reports registered codes", async () => {
  const base = await basePackage();
  await fc.assert(
    fc.asyncProperty(fc.array(damageArb, { minLength: 1, maxLength: 4 }), async (edits) => {
      const damaged = damage(base, edits);
      const checked = await validateBytes(damaged);
      assertWellFormed(checked.problems);
    }),
    { numRuns: RUNS },
  );
});

Deno.test("validation of every truncation of a valid package never throws and is never clean", async () => {
  const base = await basePackage();
  for (let n = 0; n < base.length; n++) {
    const checked = await validateBytes(base.subarray(0, n));
    assert.ok(checked.problems.some((p) => p.severity === "error"), `truncated at ${n}`);
    assertWellFormed(checked.problems);
  }
});

Deno.test("validate and inspect of damaged package files give a report with registered codes", async () => {
  const base = await basePackage();
  const dir = await Deno.makeTempDir({ prefix: "handoff-anpkg-" });
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(damageArb, { minLength: 1, maxLength: 3 }), async (edits) => {
        const path = `${dir}/p.anpkg`;
        await Deno.writeFile(path, damage(base, edits));
        const report = await validatePackage(path);
        assertWellFormed(report.problems);
        assert.equal(report.valid, !report.problems.some((p) => p.severity === "error"));
        assert.equal(report.errors + report.warnings, report.problems.length);
        const inspected = await inspectPackage(path);
        assertWellFormed(inspected.problems);
        assert.ok(
          inspected.problems.every((p) => report.problems.some((q) => q.code === p.code)),
          "inspect reports stage A only",
        );
      }),
      { numRuns: Math.max(10, Math.ceil(RUNS / 4)) },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validation of packages with random YAML members (checksums rewritten) never throws", async () => {
  const members = await baseMembers();
  const names = [
    "machine-profile.yaml",
    "runtime/anolis-runtime.yaml",
    "providers/sim0.yaml",
    "meta/provenance.json",
  ];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...names),
      fc.oneof(yamlDocumentArb, mutatedDocumentArb),
      async (name, doc) => {
        const bytes = await repack(put(new Map(members), name, doc));
        const checked = await validateBytes(bytes);
        assertWellFormed(checked.problems);
      },
    ),
    { numRuns: RUNS },
  );
});

// ── random YAML as a provider file ──

const YAML_SOUP = fc.string({
  unit: fc.constantFrom(..."ab01 :-[]{}#&*!|>'\"%@`,?\n\t.~=<".split("")),
  maxLength: 60,
});

Deno.test("export of a project whose provider file is random YAML never throws", async () => {
  const project = await makeProject(projectWith({}));
  try {
    await fc.assert(
      fc.asyncProperty(fc.oneof(YAML_SOUP, yamlDocumentArb, mutatedDocumentArb), async (doc) => {
        await Deno.writeTextFile(`${project.path}/config/provider-sim.sim0.yaml`, doc);
        const built = await buildPackage(project.path);
        assertWellFormed(built.problems);
        const errors = built.problems.filter((p) => p.severity === "error");
        assert.equal(built.bytes === null, errors.length > 0);
        if (built.bytes) {
          const check = await validateBytes(built.bytes);
          assert.deepEqual(check.problems.filter((p) => p.severity === "error"), []);
        }
      }),
      { numRuns: RUNS },
    );
  } finally {
    await project.cleanup();
  }
});
