import assert from "node:assert/strict";
import { checkAgainstSchema, type SchemaKind } from "../lib/anpkg/schema.ts";
import { loadYaml } from "../lib/yaml/load.ts";
import { YamlMap, type YamlValue } from "../lib/yaml/types.ts";
import { GENERATED_PROJECTS } from "../scripts/make_fixtures.ts";

const PROJECTS = new URL("../fixtures/projects/", import.meta.url);
const HAND_WRITTEN = ["sim-only", "multi-provider", "telemetry-redact", "imported-variants"];

function text(project: string, path: string): string {
  return Deno.readTextFileSync(new URL(`${project}/${path}`, PROJECTS));
}

function exists(project: string, path: string): boolean {
  try {
    return Deno.statSync(new URL(`${project}/${path}`, PROJECTS)).isFile;
  } catch {
    return false;
  }
}

/** Loads a project YAML file; fixtures must load without notes (no ambiguous scalars, no repeated keys). */
function load(project: string, path: string): YamlValue {
  const r = loadYaml(text(project, path));
  if (!r.ok) throw new Error(`${project}/${path}: ${r.message}`);
  assert.deepEqual(r.notes, [], `${project}/${path}`);
  return r.value;
}

function asMap(v: YamlValue | undefined, what: string): YamlMap {
  assert.ok(v instanceof YamlMap, `${what} is a mapping`);
  return v;
}

function str(v: YamlValue | undefined, what: string): string {
  assert.equal(typeof v, "string", `${what} is a string`);
  return v as string;
}

/** The provider kind of a runtime command (anpkg.md §1.6), or null. */
function kindOf(command: string): string | null {
  const last = command.split(/[/\\]/).at(-1) ?? "";
  return /^anolis-provider-([a-z0-9-]+)$/.exec(last.replace(/\.exe$/, ""))?.[1] ?? null;
}

interface Project {
  readonly profile: YamlMap;
  /** Variant name to parsed runtime configuration. */
  readonly variants: Map<string, YamlMap>;
  /** Provider id to its configuration path and parsed content. */
  readonly providers: Map<string, { path: string; config: YamlMap }>;
}

function readProject(name: string): Project {
  const profile = asMap(load(name, "machine-profile.yaml"), "profile");
  const variants = new Map<string, YamlMap>();
  for (const [variant, path] of asMap(profile.get("runtime_profiles"), "runtime_profiles").entries()) {
    variants.set(
      variant as string,
      asMap(load(name, str(path, `variant ${String(variant)}`)), `variant ${String(variant)}`),
    );
  }
  const providers = new Map<string, { path: string; config: YamlMap }>();
  for (const [id, entry] of asMap(profile.get("providers"), "providers").entries()) {
    const path = str(asMap(entry, `provider ${String(id)}`).get("config"), `provider ${String(id)} config`);
    providers.set(id as string, { path, config: asMap(load(name, path), path) });
  }
  return { profile, variants, providers };
}

const ALL = [...HAND_WRITTEN, ...Object.keys(GENERATED_PROJECTS)];

for (const name of ALL) {
  Deno.test(`fixture project ${name} parses and passes our schemas`, () => {
    const p = readProject(name);
    assert.deepEqual(checkAgainstSchema("machine-profile", p.profile), [], "machine-profile.yaml");
    assert.ok(p.variants.has("manual"), "a manual variant");
    const kinds = new Map<string, string>();
    for (const [variant, runtime] of p.variants) {
      assert.deepEqual(checkAgainstSchema("runtime-config", runtime), [], `variant ${variant}`);
      const ids: string[] = [];
      for (const entry of runtime.get("providers") as YamlValue[]) {
        const e = asMap(entry, "runtime provider");
        const id = str(e.get("id"), "runtime provider id");
        assert.match(id, /^[A-Za-z0-9_-]+$/);
        ids.push(id);
        const kind = kindOf(str(e.get("command"), "command"));
        assert.ok(kind !== null, `${variant}: command of ${id} names its kind`);
        kinds.set(id, kind);
      }
      // Every variant uses exactly the profile's providers, in the profile's order.
      assert.deepEqual(ids, [...p.providers.keys()], `variant ${variant}`);
    }
    for (const [id, { path, config }] of p.providers) {
      const kind = `provider-${kinds.get(id)}` as SchemaKind;
      assert.deepEqual(checkAgainstSchema(kind, config), [], path);
    }
  });
}

/** Leaves that the leak rule (anpkg.md §2.8) flags: key path ending in a segment containing "token", a non-blank string. */
function leaks(v: YamlValue, path = "$"): string[] {
  if (v instanceof YamlMap) return v.entries().flatMap(([k, x]) => leaks(x, `${path}.${String(k)}`));
  if (Array.isArray(v)) return v.flatMap((x, i) => leaks(x, `${path}[${i}]`));
  const last = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return last.includes("token") && typeof v === "string" && v.trim() !== "" ? [path] : [];
}

Deno.test("fixture projects hold no token beyond the two that export redacts", () => {
  for (const name of ALL) {
    const p = readProject(name);
    const manual = p.variants.get("manual") as YamlMap;
    const redacted = new Set(["$.telemetry.influx_token", "$.telemetry.influxdb.token"]);
    assert.deepEqual(leaks(manual).filter((l) => !redacted.has(l)), [], `${name} manual variant`);
    assert.deepEqual(leaks(p.profile), [], `${name} profile`);
    for (const { path, config } of p.providers.values()) {
      assert.deepEqual(leaks(config), [], `${name}/${path}`);
    }
  }
  const telemetry = readProject("telemetry-redact").variants.get("manual") as YamlMap;
  assert.deepEqual(leaks(telemetry), ["$.telemetry.influxdb.token", "$.telemetry.influx_token"]);
});

Deno.test("fixture sim-only is one simulator provider with a creation time", () => {
  const p = readProject("sim-only");
  assert.deepEqual([...p.providers.keys()], ["chamber_sim"]);
  assert.deepEqual([...p.variants.keys()], ["manual"]);
  const sidecar = JSON.parse(text("sim-only", "workbench.json"));
  assert.equal(typeof sidecar.meta.created, "string");
});

Deno.test("fixture multi-provider has every kind, a nested behavior, restart policies, parameters and hooks", () => {
  const p = readProject("multi-provider");
  const runtime = p.variants.get("manual") as YamlMap;
  const kinds = (runtime.get("providers") as YamlMap[]).map((e) => kindOf(e.get("command") as string));
  assert.deepEqual(kinds, ["sim", "bread", "ezo"]);
  const automation = runtime.get("automation") as YamlMap;
  assert.equal(automation.get("behavior_tree"), "behaviors/lines/a/mix.xml");
  assert.ok(exists("multi-provider", "behaviors/lines/a/mix.xml"));
  const params = automation.get("parameters") as YamlMap[];
  assert.deepEqual(params.map((x) => x.get("type")), ["double", "int64", "bool", "string"]);
  const hooks = automation.get("mode_transition_hooks") as YamlMap;
  assert.ok(hooks.has("before_transition") && hooks.has("after_transition"));
  const policies = (runtime.get("providers") as YamlMap[]).map((e) =>
    (e.get("restart_policy") as YamlMap).get("enabled")
  );
  assert.deepEqual(policies, [false, true, true]);
  // One provider without args (export appends them), one with --config not last.
  assert.equal((runtime.get("providers") as YamlMap[])[2]?.has("args"), false);
  const http = runtime.get("http") as YamlMap;
  assert.equal(http.get("enabled"), true);
  assert.equal(http.get("cors_allow_credentials"), true);
  assert.ok(JSON.parse(text("multi-provider", "workbench.json")).meta.created);
});

Deno.test("fixture imported-variants looks imported: no sidecar, four variants, notes, behaviors, a 0x0A address", () => {
  const p = readProject("imported-variants");
  assert.equal(exists("imported-variants", "workbench.json"), false);
  assert.deepEqual([...p.variants.keys()], ["manual", "automation", "telemetry", "full"]);
  for (const entry of (p.profile.get("providers") as YamlMap).values()) {
    assert.ok((entry as YamlMap).has("notes"));
  }
  assert.deepEqual(p.profile.get("behaviors"), ["behaviors/bench3_irrigation.xml"]);
  assert.ok(exists("imported-variants", "behaviors/bench3_irrigation.xml"));
  const bread = [...p.providers.values()].find((x) => x.path.includes("provider-bread"))?.config as YamlMap;
  assert.match(text("imported-variants", "config/provider-bread.bench3.yaml"), /address: 0x0A\n/);
  assert.equal((bread.get("devices") as YamlMap[])[0]?.get("address"), 10n);
});

Deno.test("generated fixture projects on disk are what scripts/make_fixtures.ts produces", () => {
  for (const [name, build] of Object.entries(GENERATED_PROJECTS)) {
    const expected = build();
    const onDisk: string[] = [];
    const walk = (dir: URL, rel: string): void => {
      for (const e of Deno.readDirSync(dir)) {
        if (e.isDirectory) walk(new URL(`${e.name}/`, dir), `${rel}${e.name}/`);
        else onDisk.push(rel + e.name);
      }
    };
    walk(new URL(`${name}/`, PROJECTS), "");
    assert.deepEqual(onDisk.sort(), [...expected.keys()].sort(), `${name}: run deno task fixtures`);
    for (const [path, content] of expected) {
      assert.equal(text(name, path), content, `${name}/${path}: run deno task fixtures`);
    }
    // Deterministic: a second build is identical.
    assert.deepEqual([...build()], [...expected]);
  }
});
