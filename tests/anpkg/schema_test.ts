import assert from "node:assert/strict";
import { Validator } from "npm:@cfworker/json-schema@4.1.6";
import {
  checkAgainstSchema,
  checkValue,
  findDuplicates,
  type Schema,
  schemaFor,
  type SchemaKind,
  SUPPORTED_KEYWORDS,
  type UniqueRule,
} from "../../lib/anpkg/schema.ts";
import { loadYaml } from "../../lib/yaml/load.ts";
import {
  keyText,
  YamlBinary,
  YamlMap,
  YamlPairs,
  YamlSet,
  YamlTimestamp,
  type YamlValue,
} from "../../lib/yaml/types.ts";

const REPO = new URL("../../", import.meta.url);
const UPSTREAM = new URL("../shared/fixtures/anolis/", REPO);
const upstreamExists = (() => {
  try {
    return Deno.statSync(new URL("schemas/", UPSTREAM)).isDirectory;
  } catch {
    return false;
  }
})();

function yaml(text: string): YamlValue {
  const r = loadYaml(text);
  if (!r.ok) throw new Error(`test YAML does not load: ${r.message}`);
  return r.value;
}

function map(entries: [string | bigint | number | boolean | null, YamlValue][]): YamlMap {
  return new YamlMap(entries);
}

const VALID_PROFILE = `
schema_version: 1
machine_id: rig-7
display_name: Rig 7
runtime_profiles:
  manual: runtime/anolis-runtime.yaml
providers:
  sim0:
    config: providers/sim0.yaml
compatibility:
  runtime:
    config_contract: 01-runtime-config
    http_contract: 02-runtime-http
  providers:
    sim0:
      strategy: pinned-ref
      version: 0.2.7
`;

const VALID_RUNTIME = `
providers:
- id: sim0
  command: anolis-provider-sim
  args: [--config, providers/sim0.yaml]
`;

Deno.test("schema check accepts minimal valid documents", () => {
  assert.deepEqual(checkAgainstSchema("machine-profile", yaml(VALID_PROFILE)), []);
  assert.deepEqual(checkAgainstSchema("runtime-config", yaml(VALID_RUNTIME)), []);
  assert.deepEqual(checkAgainstSchema("provider-sim", yaml("simulation: {mode: inert}")), []);
  assert.deepEqual(
    checkAgainstSchema("provider-bread", yaml("hardware: {bus_path: b}\ndiscovery: {mode: scan}")),
    [],
  );
  assert.deepEqual(
    checkAgainstSchema("provider-ezo", yaml("hardware: {bus_path: b}\ndiscovery: {mode: manual}")),
    [],
  );
});

// ───────────────────────────── §7.1 semantics ─────────────────────────────

Deno.test("schema check treats a number without fraction as an integer and never a boolean as a number", () => {
  const cases: [YamlValue, boolean][] = [
    [8080n, true],
    [8080, true], // the float 8080.0
    [8080.5, false],
    [true, false],
    ["8080", false],
    [null, false],
    [NaN, false],
    [Infinity, false],
    [2n ** 80n, true],
  ];
  for (const [value, ok] of cases) {
    assert.equal(checkValue({ type: "integer" }, value).length === 0, ok, `integer: ${String(value)}`);
  }
  assert.deepEqual(checkValue({ type: "number" }, false), [{
    path: "$",
    message: "Expected a number, found a boolean",
  }]);
  assert.deepEqual(checkValue({ type: "number" }, 3n), []);
});

Deno.test("schema check matches timestamps, binary data and sets against no JSON type", () => {
  const stamp = YamlTimestamp.parse("2026-04-03") as YamlTimestamp;
  const odd: [YamlValue, string][] = [
    [stamp, "a timestamp"],
    [new YamlBinary(new Uint8Array([1, 2])), "binary data"],
    [new YamlSet(["a"]), "a set"],
  ];
  const all = ["null", "boolean", "integer", "number", "string", "array", "object"];
  for (const [value, kind] of odd) {
    const v = checkValue({ type: all }, value);
    assert.equal(v.length, 1);
    assert.match(v[0]?.message ?? "", new RegExp(`found ${kind}$`));
    // Keywords of other types do not apply, as for any value of another type.
    assert.deepEqual(checkValue({ minLength: 5, minimum: 3, minItems: 2, required: ["x"] }, value), []);
  }
  // `!!omap`/`!!pairs` read as a sequence of pairs, and a pair is no JSON type.
  const pairs = new YamlPairs("pairs", [["a", 1n]]);
  assert.deepEqual(checkValue({ type: "array", minItems: 1 }, pairs), []);
  assert.deepEqual(checkValue({ type: "array", items: { type: "string" } }, pairs), [{
    path: "$[0]",
    message: "Expected a string, found a key-value pair",
  }]);
  const runtime = yaml("runtime: {name: 2026-04-03}\nproviders: [{id: a, command: b}]\n");
  assert.deepEqual(checkAgainstSchema("runtime-config", runtime), [{
    path: "$.runtime.name",
    message: "Expected a string, found a timestamp",
  }]);
});

Deno.test("schema check counts string lengths in code points", () => {
  const schema = { minLength: 3 };
  assert.equal(checkValue(schema, "😀😀").length, 1); // 4 UTF-16 units, 2 code points
  assert.equal(checkValue(schema, "😀😀😀").length, 0);
  assert.equal(checkValue(schema, "\ud800ab").length, 0); // a lone surrogate counts as one
  assert.deepEqual(checkValue(schema, "ab"), [{
    path: "$",
    message: "Expected at least 3 characters, found 2",
  }]);
});

Deno.test("schema check searches patterns unanchored with the u flag and $ only at the end", () => {
  assert.equal(checkValue({ pattern: "b" }, "abc").length, 0);
  assert.equal(checkValue({ pattern: "^b" }, "abc").length, 1);
  assert.equal(checkValue({ pattern: "^.$" }, "😀").length, 0); // one code point with `u`
  assert.equal(checkValue({ pattern: "^\\p{Lu}+$" }, "ÄB").length, 0);
  const runtime = yaml(VALID_PROFILE.replace("machine_id: rig-7", 'machine_id: "rig-7\\n"'));
  assert.deepEqual(checkAgainstSchema("machine-profile", runtime), [{
    path: "$.machine_id",
    message: 'Value "rig-7\\n" does not match the pattern "^[a-z0-9][a-z0-9-]*$"',
  }]);
});

Deno.test("schema check compares enum, const and uniqueItems by value, never booleans with numbers", () => {
  const cases: [Schema, YamlValue, boolean][] = [
    [{ const: 1 }, 1n, true],
    [{ const: 1 }, 1, true], // 1.0
    [{ const: 1 }, true, false],
    [{ const: true }, 1n, false],
    [{ const: 1 }, "1", false],
    [{ enum: [0, "a"] }, false, false],
    [{ enum: [0, "a"] }, 0, true],
    [{ enum: [2.5] }, 2.5, true],
    [{ const: 2 ** 60 }, 2n ** 60n, true],
    [{ const: 2 ** 60 }, 2n ** 60n + 1n, false],
    [{ const: [1, { a: [true] }] }, [1n, map([["a", [true]]])], true],
    [{ const: [1, { a: [true] }] }, [1n, map([["a", [1n]]])], false],
    [{ const: { a: 1 } }, map([["a", 1n], ["b", 2n]]), false],
    [{ uniqueItems: true }, [1n, 1], false],
    [{ uniqueItems: true }, [true, 1n], true],
    [{ uniqueItems: true }, [0n, false, null, ""], true],
    [{ uniqueItems: true }, [[1n, "a"], [1, "a"]], false],
    [{ uniqueItems: true }, [map([["a", 1n]]), map([["a", 1]])], false],
    [{ uniqueItems: true }, [map([["a", 1n]]), map([["a", 2n]])], true],
    [{ uniqueItems: true }, [map([["a", 1n], ["b", 2n]]), map([["b", 2n], ["a", 1]])], false],
    [{ uniqueItems: true }, [map([[1n, "x"]]), map([["1", "x"]])], false], // keys by their text
    [{ uniqueItems: true }, [NaN, NaN], true],
    [{ uniqueItems: true }, [-0, 0n], false],
    [{ uniqueItems: true }, ["a", ["a"], map([["a", null]])], true],
    [{ uniqueItems: true }, [
      YamlTimestamp.parse("2026-04-03") as YamlTimestamp,
      YamlTimestamp.parse("2026-4-3") as YamlTimestamp,
    ], false],
    [{ uniqueItems: true }, [new YamlSet(["a", "b"]), new YamlSet(["b", "a"])], false],
    [
      { uniqueItems: true },
      [new YamlBinary(new Uint8Array([1])), new YamlBinary(new Uint8Array([1, 0]))],
      true,
    ],
  ];
  for (const [schema, value, ok] of cases) {
    assert.equal(checkValue(schema, value).length === 0, ok, `${JSON.stringify(schema)} ${String(value)}`);
  }
  const profile = yaml(VALID_PROFILE.replace("schema_version: 1", "schema_version: 1.0"));
  assert.deepEqual(checkAgainstSchema("machine-profile", profile), []);
  const yes = yaml(VALID_PROFILE.replace("schema_version: 1", "schema_version: true"));
  assert.deepEqual(checkAgainstSchema("machine-profile", yes), [{
    path: "$.schema_version",
    message: "Expected 1, found true",
  }]);
});

Deno.test("schema check reads integer and float mapping keys as their YAML text", () => {
  const profile = yaml(VALID_PROFILE.replace("  sim0:\n    config", "  5:\n    config"));
  assert.deepEqual(checkAgainstSchema("machine-profile", profile), []);
  const float = yaml(VALID_PROFILE.replace("  sim0:\n    config", "  1.5:\n    config"));
  assert.deepEqual(checkAgainstSchema("machine-profile", float), [{
    path: "$.providers.1.5",
    message: 'Key "1.5" does not match the pattern "^[A-Za-z0-9_-]+$"',
  }]);
  // A float key that is a whole number is written with ".0" and so fails the same pattern.
  const whole = map([["runtime_profiles", map([["manual", "m.yaml"], [2, "x.yaml"]])]]);
  assert.deepEqual(
    checkValue({ properties: { runtime_profiles: { propertyNames: { pattern: "^[0-9]+$" } } } }, whole),
    [
      { path: "$.runtime_profiles.2.0", message: 'Key "2.0" does not match the pattern "^[0-9]+$"' },
      { path: "$.runtime_profiles.manual", message: 'Key "manual" does not match the pattern "^[0-9]+$"' },
    ],
  );
  assert.deepEqual(checkValue({ required: ["7", "true"] }, map([[7n, 1n], [true, 2n]])), []);
});

Deno.test("schema check keeps integers exact beyond 2^53", () => {
  const big = 2n ** 53n + 1n;
  assert.deepEqual(checkValue({ maximum: 2 ** 53 }, big), [{
    path: "$",
    message: "Value 9007199254740993 is above the maximum 9007199254740992",
  }]);
  assert.deepEqual(checkValue({ uniqueItems: true }, [big, 2n ** 53n]), []);
  assert.deepEqual(checkValue({ uniqueItems: true }, [2 ** 53, 2n ** 53n]).length, 1);
});

Deno.test("schema check stays linear on long sequences", () => {
  const behaviors = Array.from({ length: 60_000 }, (_, i) => `behaviors/b${i % 30_000}.xml`);
  const profile = yaml(VALID_PROFILE) as YamlMap;
  profile.set("behaviors", behaviors);
  const v = checkAgainstSchema("machine-profile", profile);
  assert.equal(v.length, 30_000);
  assert.deepEqual(v.find((x) => x.path === "$.behaviors[30000]"), {
    path: "$.behaviors[30000]",
    message: 'Value "behaviors/b0.xml" repeats item 0',
  });
});

// ───────────────────────────── violations: paths and messages ─────────────────────────────

Deno.test("schema check reports each machine-profile violation at the key it concerns", () => {
  const profile = yaml(`
schema_version: 2
machine_id: Rig_7
display_name: ""
runtime_profiles: {auto: a.yaml}
providers: {"sim.0": {config: x, extra: 1}}
compatibility: {runtime: {config_contract: 1}, providers: {}}
components: {runtime: {repo: r, version: 1.0}, providers: {sim: {repo: r, version: v}}}
contracts: {}
behaviors: [a.xml, b.xml, a.xml]
safety: {estop_topology: cut}
validation: {expected_providers: []}
`);
  assert.deepEqual(checkAgainstSchema("machine-profile", profile), [
    { path: "$.behaviors[2]", message: 'Value "a.xml" repeats item 0' },
    { path: "$.compatibility.providers", message: "Expected at least 1 key, found 0" },
    { path: "$.compatibility.runtime.config_contract", message: "Expected a string, found an integer" },
    { path: "$.compatibility.runtime.http_contract", message: 'Missing required key "http_contract"' },
    { path: "$.components.runtime.version", message: "Expected a string, found an integer" },
    { path: "$.contracts", message: 'Unknown key "contracts"' },
    { path: "$.display_name", message: "Expected at least 1 character, found 0" },
    { path: "$.machine_id", message: 'Value "Rig_7" does not match the pattern "^[a-z0-9][a-z0-9-]*$"' },
    { path: "$.providers.sim.0", message: 'Key "sim.0" does not match the pattern "^[A-Za-z0-9_-]+$"' },
    { path: "$.providers.sim.0.extra", message: 'Unknown key "extra"' },
    { path: "$.runtime_profiles.manual", message: 'Missing required key "manual"' },
    { path: "$.safety.estop_topology", message: 'Expected one of "power_cut", "signal", found "cut"' },
    { path: "$.schema_version", message: "Expected 1, found 2" },
    { path: "$.validation.expected_providers", message: "Expected at least 1 item, found 0" },
  ]);
});

Deno.test("schema check applies runtime-config conditions only when they hold", () => {
  const runtime = yaml(`
runtime: {mode: x, shutdown_timeout_ms: 100}
http: {enabled: true, port: 0, cors_allowed_origins: ["*"], cors_allow_credentials: true, thread_pool_size: 0}
providers:
- id: a
  command: b
  args: [1, x]
  restart_policy: {enabled: true, backoff_ms: [-1]}
- {}
automation:
  enabled: true
  tick_rate_hz: 0
  parameters:
  - {name: a, type: double, default: true, allowed_values: []}
  - {name: b, type: float, default: 1}
  - {name: c, type: bool, default: true, min: 1}
  - {name: d, type: string, default: x, allowed_values: [1]}
  - {name: e, type: int64, default: 1.5}
  - 5
  mode_transition_hooks:
    before_transition:
    - from: X
      calls: [{device_handle: d, args: {a: [1]}}]
`);
  assert.deepEqual(checkAgainstSchema("runtime-config", runtime), [
    {
      path: "$.automation",
      message: "An enabled automation block needs behavior_tree or behavior_tree_path",
    },
    {
      path: "$.automation.mode_transition_hooks.before_transition[0].calls[0]",
      message: "A call needs function_id or function_name",
    },
    {
      path: "$.automation.mode_transition_hooks.before_transition[0].calls[0].args.a",
      message: "Expected a string, a number or a boolean, found a sequence",
    },
    {
      path: "$.automation.mode_transition_hooks.before_transition[0].from",
      message: 'Expected one of "MANUAL", "AUTO", "IDLE", "FAULT", "*", found "X"',
    },
    {
      path: "$.automation.parameters[0].allowed_values",
      message: 'Key "allowed_values" is not allowed here',
    },
    { path: "$.automation.parameters[0].default", message: "Expected a number, found a boolean" },
    {
      path: "$.automation.parameters[1].type",
      message: 'Expected one of "double", "int64", "bool", "string", found "float"',
    },
    { path: "$.automation.parameters[2].min", message: 'Key "min" is not allowed here' },
    { path: "$.automation.parameters[3].allowed_values[0]", message: "Expected a string, found an integer" },
    {
      path: "$.automation.parameters[4].default",
      message: "Expected an integer, found a number with a fraction",
    },
    { path: "$.automation.parameters[5]", message: "Expected a mapping, found an integer" },
    { path: "$.automation.tick_rate_hz", message: "Value 0 is below the minimum 1" },
    {
      path: "$.http.cors_allowed_origins",
      message: 'The wildcard origin "*" cannot be combined with cors_allow_credentials',
    },
    { path: "$.http.port", message: "Value 0 is below the minimum 1" },
    { path: "$.http.thread_pool_size", message: "Value 0 is below the minimum 1" },
    { path: "$.providers[0].args[0]", message: "Expected a string, found an integer" },
    { path: "$.providers[0].restart_policy.backoff_ms[0]", message: "Value -1 is below the minimum 0" },
    { path: "$.providers[0].restart_policy.max_attempts", message: 'Missing required key "max_attempts"' },
    { path: "$.providers[0].restart_policy.timeout_ms", message: 'Missing required key "timeout_ms"' },
    { path: "$.providers[1].command", message: 'Missing required key "command"' },
    { path: "$.providers[1].id", message: 'Missing required key "id"' },
    { path: "$.runtime.mode", message: 'Key "mode" is not allowed here' },
    { path: "$.runtime.shutdown_timeout_ms", message: "Value 100 is below the minimum 500" },
  ]);
  // The same blocks disabled: only the unconditional constraints remain.
  const disabled = yaml(`
http: {enabled: false, port: 0, cors_allowed_origins: "", cors_allow_credentials: true, thread_pool_size: 0}
providers: [{id: a, command: b, restart_policy: {enabled: false, backoff_ms: [-1]}}]
automation: {enabled: false, tick_rate_hz: 0}
`);
  assert.deepEqual(checkAgainstSchema("runtime-config", disabled), []);
  assert.deepEqual(
    checkAgainstSchema("runtime-config", yaml("providers: []\nhttp: {cors_allowed_origins: {}}")),
    [
      { path: "$.http.cors_allowed_origins", message: "Expected a string or a sequence, found a mapping" },
      { path: "$.providers", message: "Expected at least 1 item, found 0" },
    ],
  );
  assert.deepEqual(checkAgainstSchema("runtime-config", [] as YamlValue[]), [
    { path: "$", message: "Expected a mapping, found a sequence" },
  ]);
});

Deno.test("schema check reports provider schema violations with their conditions", () => {
  const sim = yaml(`
simulation: {mode: inert, tick_rate_hz: 10, ambient_signal_path: x}
devices: [{id: chaos_control, type: t}, {id: chaos_control, type: ""}]
startup_policy: lax
`);
  assert.deepEqual(checkAgainstSchema("provider-sim", sim), [
    { path: "$.devices[0].id", message: 'Value "chaos_control" is not allowed' },
    { path: "$.devices[1].id", message: 'Value "chaos_control" is not allowed' },
    { path: "$.devices[1].id", message: 'Value "chaos_control" of "id" is already used by item 0' },
    { path: "$.devices[1].type", message: "Expected at least 1 character, found 0" },
    { path: "$.simulation.ambient_signal_path", message: 'Key "ambient_signal_path" is not allowed here' },
    {
      path: "$.simulation.ambient_temp_c",
      message: 'Missing key "ambient_temp_c", required when "ambient_signal_path" is present',
    },
    { path: "$.simulation.tick_rate_hz", message: 'Key "tick_rate_hz" is not allowed here' },
    { path: "$.startup_policy", message: 'Expected one of "strict", "degraded", found "lax"' },
  ]);
  const bread = yaml(`
extra: 1
hardware: {bus_path: "", retry_count: -1}
discovery: {mode: scan, addresses: [10, "0x0A", 7, true, "0x0a", 10]}
devices:
- {id: a, type: rlht, address: 10}
- {id: a, type: x, address: "0x0a"}
- {id: b, type: dcmt, address: 200, command_watchdog_ms: 70000}
`);
  const notAddress = (v: string) =>
    `Value ${v} is not an I2C address (an integer from 8 to 119, or a string from "0x08" to "0x77")`;
  assert.deepEqual(checkAgainstSchema("provider-bread", bread), [
    { path: "$.devices[1].address", message: 'Address "0x0a" (10) is already used by item 0' },
    { path: "$.devices[1].id", message: 'Value "a" of "id" is already used by item 0' },
    { path: "$.devices[1].type", message: 'Expected one of "rlht", "dcmt", found "x"' },
    { path: "$.devices[2].address", message: notAddress("200") },
    { path: "$.devices[2].command_watchdog_ms", message: "Value 70000 is above the maximum 65535" },
    { path: "$.discovery.addresses", message: 'Key "addresses" is not allowed here' },
    { path: "$.discovery.addresses[1]", message: 'Address "0x0A" (10) is already used by item 0' },
    { path: "$.discovery.addresses[2]", message: notAddress("7") },
    { path: "$.discovery.addresses[3]", message: notAddress("true") },
    { path: "$.discovery.addresses[4]", message: 'Address "0x0a" (10) is already used by item 0' },
    { path: "$.discovery.addresses[5]", message: "Address 10 is already used by item 0" },
    { path: "$.discovery.addresses[5]", message: "Value 10 repeats item 0" },
    { path: "$.extra", message: 'Unknown key "extra"' },
    { path: "$.hardware.bus_path", message: "Expected at least 1 character, found 0" },
    { path: "$.hardware.retry_count", message: "Value -1 is below the minimum 0" },
  ]);
  const ezo = yaml(`
hardware: {bus_path: /dev/i2c-1}
discovery: {mode: scan, addresses: [0x63]}
devices: [{id: ph0, type: rlht, address: 0x63, command_watchdog_ms: 0}]
`);
  assert.deepEqual(checkAgainstSchema("provider-ezo", ezo), [
    { path: "$.devices[0].command_watchdog_ms", message: 'Unknown key "command_watchdog_ms"' },
    {
      path: "$.devices[0].type",
      message: 'Expected one of "ph", "do", "ec", "orp", "rtd", "hum", found "rlht"',
    },
    { path: "$.discovery.addresses", message: 'Unknown key "addresses"' },
    { path: "$.discovery.mode", message: 'Expected "manual", found "scan"' },
  ]);
});

Deno.test("schema check shortens long values in messages and keeps them on one line", () => {
  const long = "x".repeat(100) + "\n";
  const [v] = checkValue({ pattern: "^y" }, long);
  assert.equal(v?.message, `Value "${"x".repeat(57)}..." does not match the pattern "^y"`);
  const [w] = checkValue({ const: "a" }, "line1\nline2");
  assert.equal(w?.message, 'Expected "a", found "line1\\nline2"');
});

// ───────────────────────────── uniqueness ─────────────────────────────

Deno.test("findDuplicates compares I2C addresses by numeric value", () => {
  const rule: UniqueRule = { compare: "i2c-address" };
  const cases: [YamlValue[], [number, number][]][] = [
    [[10n, "0x0A"], [[1, 0]]],
    [["0x0a", "0X0A", 10], [[1, 0], [2, 0]]],
    [["10", 10n], [[1, 0]]],
    [["0o12", "0b1010", " 10 ", "0x_0a"], [[1, 0], [2, 0], [3, 0]]],
    [[10n, 11n, "0x0B"], [[2, 1]]],
    [["010", 8n], []], // no leading zeros in decimal: "010" is not a literal
    [["0x0A", "a"], []],
    [[true, 1n], []],
    [[10n, 10.5, 10.5], [[2, 1]]],
    [[null, null], [[1, 0]]],
    [[[10n], [10n], map([])], []], // collections are not compared
  ];
  for (const [items, expected] of cases) {
    const got = findDuplicates(items, rule).map((d) => [d.index, d.first]);
    assert.deepEqual(got, expected, JSON.stringify(items, (_, v) => typeof v === "bigint" ? `${v}n` : v));
  }
});

Deno.test("findDuplicates compares a named field exactly unless told to read addresses", () => {
  const devices = [
    map([["id", "10"], ["address", 10n]]),
    map([["id", "0x0A"], ["address", "0x0A"]]),
    "not a device",
    map([["label", "no id"]]),
    map([["id", "10"]]),
  ];
  assert.deepEqual(findDuplicates(devices, { field: "id" }).map((d) => [d.index, d.first]), [[4, 0]]);
  assert.deepEqual(
    findDuplicates(devices, { field: "address", compare: "i2c-address" }).map((
      d,
    ) => [d.index, d.first, d.value]),
    [[1, 0, "0x0A"]],
  );
  assert.deepEqual(findDuplicates([1n, 1], {}).length, 1);
});

// ───────────────────────────── schema files ─────────────────────────────

const KINDS: SchemaKind[] = [
  "machine-profile",
  "runtime-config",
  "provider-sim",
  "provider-bread",
  "provider-ezo",
];
const FILES: Record<SchemaKind, string> = {
  "machine-profile": "schemas/anpkg/machine-profile.schema.json",
  "runtime-config": "schemas/anpkg/runtime-config.schema.json",
  "provider-sim": "schemas/providers/sim.config-schema.json",
  "provider-bread": "schemas/providers/bread.config-schema.json",
  "provider-ezo": "schemas/providers/ezo.config-schema.json",
};

function readSchemaFile(kind: SchemaKind): { [k: string]: unknown } {
  const json = JSON.parse(Deno.readTextFileSync(new URL(FILES[kind], REPO)));
  return kind.startsWith("provider-") ? json.schema : json;
}

Deno.test("embedded schemas are the schema files, with the declared drafts and envelopes", () => {
  for (const kind of KINDS) {
    const file = readSchemaFile(kind);
    assert.deepEqual(schemaFor(kind), file, kind);
    const draft = kind.startsWith("provider-")
      ? "https://json-schema.org/draft/2020-12/schema"
      : "http://json-schema.org/draft-07/schema#";
    assert.equal(file.$schema, draft, kind);
  }
  const versions: [SchemaKind, string, string][] = [
    ["provider-sim", "anolis-provider-sim", "0.2.7"],
    ["provider-bread", "anolis-provider-bread", "0.3.8"],
    ["provider-ezo", "anolis-provider-ezo", "0.3.4"],
  ];
  for (const [kind, provider, version] of versions) {
    const envelope = JSON.parse(Deno.readTextFileSync(new URL(FILES[kind], REPO)));
    assert.deepEqual(Object.keys(envelope), [
      "config_schema_version",
      "provider",
      "provider_version",
      "schema",
    ]);
    assert.equal(envelope.config_schema_version, 1);
    assert.equal(envelope.provider, provider);
    assert.equal(envelope.provider_version, version);
  }
});

/** Keywords that hold names (not subschemas or keywords) as their keys. */
const NAME_MAPS = new Set(["properties", "definitions", "$defs", "dependentRequired"]);

function unknownKeywords(schema: unknown, at: string, out: string[]): void {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return;
  for (const [k, v] of Object.entries(schema)) {
    if (!SUPPORTED_KEYWORDS.has(k)) out.push(`${at}/${k}`);
    if (NAME_MAPS.has(k)) {
      if (k !== "dependentRequired") {
        for (const [name, sub] of Object.entries(v as object)) {
          unknownKeywords(sub, `${at}/${k}/${name}`, out);
        }
      }
    } else if (Array.isArray(v) && ["anyOf", "oneOf", "allOf"].includes(k)) {
      v.forEach((sub, i) => unknownKeywords(sub, `${at}/${k}/${i}`, out));
    } else if (
      ["not", "if", "then", "else", "items", "contains", "additionalProperties", "propertyNames"].includes(k)
    ) {
      unknownKeywords(v, `${at}/${k}`, out);
    }
  }
}

Deno.test("schema files use only keywords the evaluator knows, and Draft-07 files no $ref siblings", () => {
  for (const kind of KINDS) {
    const out: string[] = [];
    unknownKeywords(schemaFor(kind), "#", out);
    assert.deepEqual(out, [], kind);
  }
  const siblings: string[] = [];
  const walk = (s: unknown, at: string): void => {
    if (typeof s !== "object" || s === null) return;
    if (!Array.isArray(s) && "$ref" in s && Object.keys(s).length > 1) siblings.push(at);
    for (const [k, v] of Object.entries(s)) walk(v, `${at}/${k}`);
  };
  walk(schemaFor("machine-profile"), "#");
  walk(schemaFor("runtime-config"), "#");
  assert.deepEqual(siblings, []);
});

Deno.test("schema check needs no permission at run time", async () => {
  // A process without any permission: the schemas must come in as module imports, not reads.
  const dir = await Deno.makeTempDir();
  try {
    const entry = `${dir}/entry.ts`;
    await Deno.writeTextFile(
      entry,
      `import { checkAgainstSchema } from ${JSON.stringify(new URL("lib/anpkg/schema.ts", REPO).href)};
import { YamlMap } from ${JSON.stringify(new URL("lib/yaml/types.ts", REPO).href)};
const v = checkAgainstSchema("provider-ezo", new YamlMap([["hardware", new YamlMap()]]));
console.log(v.map((x) => x.path).join(","));
console.log((await Deno.permissions.query({ name: "read" })).state);
`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-lock", "--no-prompt", entry],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    });
    const { code, stdout, stderr } = await child.output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.equal(new TextDecoder().decode(stdout), "$.discovery,$.hardware.bus_path\nprompt\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ───────────────────────────── fixture documents ─────────────────────────────

/** YAML documents of a project directory with the schema kind each is checked against. */
function projectDocuments(dir: URL): { name: string; kind: SchemaKind; value: YamlValue }[] {
  const out: { name: string; kind: SchemaKind; value: YamlValue }[] = [];
  const walk = (d: URL, rel: string): void => {
    const entries = [...Deno.readDirSync(d)].sort((a, b) => a.name < b.name ? -1 : 1);
    for (const e of entries) {
      if (e.isDirectory) walk(new URL(`${e.name}/`, d), `${rel}${e.name}/`);
      else if (e.name.endsWith(".yaml")) {
        const kind = documentKind(e.name);
        if (kind === null) continue;
        out.push({ name: rel + e.name, kind, value: yaml(Deno.readTextFileSync(new URL(e.name, d))) });
      }
    }
  };
  walk(dir, "");
  return out;
}

function documentKind(file: string): SchemaKind | null {
  if (file === "machine-profile.yaml") return "machine-profile";
  if (file.startsWith("anolis-runtime.")) return "runtime-config";
  const m = /^provider-(sim|bread|ezo)\./.exec(file);
  return m === null ? null : `provider-${m[1]}` as SchemaKind;
}

const UPSTREAM_PROJECTS = ["sim-quickstart", "mixed-bus-mock", "imported-profile"];
const OUR_PROJECTS = ["sim-only", "multi-provider", "telemetry-redact", "imported-variants"];

Deno.test({
  name: "reference fixture documents pass our schemas",
  ignore: !upstreamExists,
  fn() {
    let n = 0;
    for (const project of UPSTREAM_PROJECTS) {
      for (const doc of projectDocuments(new URL(`${project}/`, UPSTREAM))) {
        assert.deepEqual(checkAgainstSchema(doc.kind, doc.value), [], `${project}/${doc.name}`);
        n++;
      }
    }
    assert.equal(n, 14);
  },
});

// ───────────────────────────── equivalence with the upstream schemas (§8 item 9) ─────────────────────────────

const UPSTREAM_FILES: Record<SchemaKind, [file: string, draft: "7" | "2020-12", enveloped: boolean]> = {
  "machine-profile": ["machine-profile.schema.json", "7", false],
  "runtime-config": ["runtime-config.schema.json", "7", false],
  "provider-sim": ["sim.config-schema.json", "2020-12", true],
  "provider-bread": ["bread.config-schema.json", "2020-12", true],
  "provider-ezo": ["ezo.config-schema.json", "2020-12", true],
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The JSON form of a value for cfworker (mutations never produce timestamps or binary data). */
function toJson(v: YamlValue): Json {
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof YamlMap) {
    const o: { [k: string]: Json } = Object.create(null);
    for (const [k, x] of v.entries()) {
      const key = keyText(k);
      if (!Object.hasOwn(o, key)) o[key] = toJson(x);
    }
    return o;
  }
  if (v === null || typeof v !== "object") return v;
  throw new Error("value has no JSON form");
}

/** The upstream `x-anolis-unique` annotations, checked with our uniqueness code. */
function upstreamDuplicates(schema: unknown, value: YamlValue): number {
  if (typeof schema !== "object" || schema === null) return 0;
  const s = schema as { [k: string]: unknown };
  let n = 0;
  if (isRecord(s.properties) && value instanceof YamlMap) {
    for (const [name, sub] of Object.entries(s.properties)) {
      const child = value.get(name);
      if (child !== undefined) n += upstreamDuplicates(sub, child);
    }
  }
  if (isRecord(s.items) && Array.isArray(value)) {
    const items = s.items;
    for (const item of value) n += upstreamDuplicates(items, item);
    const byAddress = (sub: unknown) => isRecord(sub) && sub["x-anolis-type"] === "i2c_address";
    if (s["x-anolis-unique"] === true) {
      n += findDuplicates(value, byAddress(items) ? { compare: "i2c-address" } : {}).length;
    }
    if (isRecord(items.properties)) {
      for (const [field, sub] of Object.entries(items.properties)) {
        if (isRecord(sub) && sub["x-anolis-unique"] === true) {
          n += findDuplicates(value, byAddress(sub) ? { field, compare: "i2c-address" } : { field }).length;
        }
      }
    }
  }
  return n;
}

function isRecord(v: unknown): v is { [k: string]: unknown } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** One step of a key path into a document. */
type Step = string | number;

interface Mutation {
  readonly what: string;
  readonly doc: YamlValue;
}

function getAt(doc: YamlValue, path: readonly Step[]): YamlValue {
  let v = doc;
  for (const step of path) {
    v = typeof step === "number"
      ? (v as YamlValue[])[step] as YamlValue
      : (v as YamlMap).get(step) as YamlValue;
  }
  return v;
}

/** A copy of `doc` with the node at `path` replaced by `edit(node)` (copying only along the path). */
function editAt(doc: YamlValue, path: readonly Step[], edit: (v: YamlValue) => YamlValue): YamlValue {
  if (path.length === 0) return edit(doc);
  const [step, ...rest] = path as [Step, ...Step[]];
  if (typeof step === "number") {
    const copy = (doc as YamlValue[]).slice();
    copy[step] = editAt(copy[step] as YamlValue, rest, edit);
    return copy;
  }
  const m = doc as YamlMap;
  return new YamlMap(m.entries().map(([k, v]) => [k, k === step ? editAt(v, rest, edit) : v]));
}

function showPath(path: readonly Step[]): string {
  return "$" + path.map((s) => typeof s === "number" ? `[${s}]` : `.${s}`).join("");
}

const WRONG_TYPES: YamlValue[] = [null, true, 7n, 2.5, "text", [], new YamlMap()];
const PATTERN_PROBES = [
  "ok_name-1",
  "Bad.Name",
  "a b",
  "UPPER",
  "0x0A",
  "0X1f",
  "0x07",
  "0x08",
  "0x77",
  "0x78",
  "x".repeat(65),
];

/** Per property name: values around every bound and every enum/const value found under that name in any schema. */
function probeValues(schemas: Schema[]): { byName: Map<string, YamlValue[]>; siblings: Set<string>[] } {
  const byName = new Map<string, YamlValue[]>();
  const siblings: Set<string>[] = [];
  const add = (name: string, values: YamlValue[]): void => {
    const list = byName.get(name) ?? [];
    list.push(...values);
    byName.set(name, list);
  };
  const collect = (root: Schema, s: unknown, name: string, depth: number): void => {
    if (!isRecord(s) || depth > 6) return;
    if (typeof s.$ref === "string") collect(root, resolve(root, s.$ref), name, depth + 1);
    for (const bound of ["minimum", "maximum"]) {
      const b = s[bound];
      if (typeof b !== "number") continue;
      for (const d of [-1, 0, 1]) add(name, [Number.isInteger(b) ? BigInt(b + d) : b + d]);
      if (!Number.isInteger(b)) add(name, [b - 0.05, b + 0.05]);
    }
    for (const bound of ["minLength", "minItems", "minProperties"]) {
      const b = s[bound];
      if (typeof b !== "number") continue;
      for (const n of [Math.max(0, b - 1), b]) {
        if (bound === "minLength") add(name, ["a".repeat(n)]);
        if (bound === "minItems") add(name, [Array.from({ length: n }, (_, i) => sample(root, s.items, i))]);
        if (bound === "minProperties") {
          add(name, [
            new YamlMap(
              Array.from({ length: n }, (_, i) => [`k${i}`, sample(root, s.additionalProperties, i)]),
            ),
          ]);
        }
      }
    }
    if ("const" in s) add(name, [fromJson(s.const as Json), "zz-outsider"]);
    if (Array.isArray(s.enum)) add(name, [...s.enum.map((e) => fromJson(e as Json)), "zz-outsider"]);
    if (typeof s.pattern === "string") add(name, PATTERN_PROBES);
    for (const k of ["anyOf", "oneOf", "allOf"]) {
      if (Array.isArray(s[k])) { for (const sub of s[k] as unknown[]) collect(root, sub, name, depth + 1); }
    }
    for (const k of ["not", "items", "contains", "then", "else", "if"]) collect(root, s[k], name, depth + 1);
  };
  const walk = (root: Schema, s: unknown, depth: number): void => {
    if (!isRecord(s) || depth > 40) return;
    if (isRecord(s.properties)) {
      siblings.push(new Set(Object.keys(s.properties)));
      for (const [name, sub] of Object.entries(s.properties)) collect(root, sub, name, 0);
    }
    for (const v of Object.values(s)) {
      if (Array.isArray(v)) v.forEach((x) => walk(root, x, depth + 1));
      else walk(root, v, depth + 1);
    }
  };
  for (const schema of schemas) walk(schema, schema, 0);
  return { byName, siblings };
}

function resolve(root: Schema, ref: string): unknown {
  let node: unknown = root;
  for (const t of ref.slice(2).split("/")) node = isRecord(node) ? node[t] : undefined;
  return node;
}

/** A value of the type a schema asks for (for filling arrays and maps up to a bound). */
function sample(root: Schema, s: unknown, i: number): YamlValue {
  if (isRecord(s) && typeof s.$ref === "string") return sample(root, resolve(root, s.$ref), i);
  const t = isRecord(s) ? s.type : undefined;
  if (t === "integer" || t === "number") return BigInt(100 + i);
  if (t === "object") return new YamlMap();
  if (t === "array") return [];
  if (t === "boolean") return true;
  if (isRecord(s) && Array.isArray(s.anyOf)) return BigInt(16 + i);
  return `s${i}`;
}

function fromJson(v: Json): YamlValue {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(fromJson);
  if (v !== null && typeof v === "object") {
    return new YamlMap(Object.entries(v).map(([k, x]) => [k, fromJson(x)]));
  }
  return v;
}

/** Paths of the nodes under `under`, at most `depth` levels below it. */
function nodePaths(doc: YamlValue, under: readonly Step[] = [], depth = Infinity): Step[][] {
  const out: Step[][] = [];
  const walk = (v: YamlValue, path: Step[]): void => {
    out.push(path);
    if (path.length - under.length >= depth) return;
    if (v instanceof YamlMap) { for (const [k, x] of v.entries()) walk(x, [...path, k as string]); }
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
  };
  walk(getAt(doc, under), [...under]);
  return out;
}

/**
 * A base document made smaller for mutation: sequences longer than three keep their first two
 * and their last item (long lists of parameters or calls repeat one shape).
 */
function trim(v: YamlValue): YamlValue {
  if (v instanceof YamlMap) return new YamlMap(v.entries().map(([k, x]) => [k, trim(x)]));
  if (Array.isArray(v)) return (v.length > 3 ? [v[0], v[1], v[v.length - 1]] as YamlValue[] : v).map(trim);
  return v;
}

/** The key paths of a document with sequence indices dropped: its shape. */
function shape(doc: YamlValue): Set<string> {
  return new Set(nodePaths(doc).map((p) => p.filter((s) => typeof s === "string").join("/")));
}

/** Whether shape `a` is covered by `b`: a subset, and a proper one unless `b` comes first. */
function coveredBy(a: Set<string>, b: Set<string>, bFirst: boolean): boolean {
  if (b.size < a.size || (b.size === a.size && !bFirst)) return false;
  for (const p of a) if (!b.has(p)) return false;
  return true;
}

function nameOf(path: readonly Step[]): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === "string") return path[i] as string;
  return "";
}

function uniqueValues(values: YamlValue[]): YamlValue[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const id = JSON.stringify(v, (_, x) =>
      typeof x === "bigint" ? `${x}n` : x instanceof YamlMap ? [...x.entries()] : x) +
      typeof v;
    if (seen.has(id)) {
      return false;
    }
    seen.add(id);
    return true;
  });
}

/** Single mutations of every node under `under`, at most `depth` levels below it. */
function mutations(
  doc: YamlValue,
  probes: ReturnType<typeof probeValues>,
  under: readonly Step[] = [],
  depth = Infinity,
): Mutation[] {
  const out: Mutation[] = [];
  for (const path of nodePaths(doc, under, depth)) {
    const node = getAt(doc, path);
    const at = showPath(path);
    if (path.length > under.length) {
      const values = uniqueValues([...WRONG_TYPES, ...(probes.byName.get(nameOf(path)) ?? [])]);
      for (const v of values) out.push({ what: `${at} = ${show(v)}`, doc: editAt(doc, path, () => v) });
    }
    if (node instanceof YamlMap) {
      const keys = node.keys() as string[];
      for (const k of keys) {
        out.push({
          what: `delete ${at}.${k}`,
          doc: editAt(doc, path, (m) => new YamlMap((m as YamlMap).entries().filter((e) => e[0] !== k))),
        });
      }
      const add = (k: string, v: YamlValue) =>
        out.push({
          what: `add ${at}.${k} = ${show(v)}`,
          doc: editAt(doc, path, (m) => new YamlMap([...(m as YamlMap).entries(), [k, v]])),
        });
      add("x_extra_key", 1n);
      if (keys.length > 0) {
        const first = keys[0] as string;
        for (const bad of ["bad.key", "Bad Key", "ok-key_2"]) {
          out.push({
            what: `rename ${at}.${first} to ${bad}`,
            doc: editAt(
              doc,
              path,
              (m) => new YamlMap((m as YamlMap).entries().map(([k, v]) => [k === first ? bad : k, v])),
            ),
          });
        }
      }
      const missing = new Set<string>();
      for (const set of probes.siblings) {
        if (keys.some((k) => set.has(k))) { for (const n of set) if (!keys.includes(n)) missing.add(n); }
      }
      for (const name of missing) {
        for (
          const v of uniqueValues([
            ...(probes.byName.get(name) ?? []).slice(0, 3),
            "x",
            10n,
            [],
            new YamlMap(),
          ])
        ) add(name, v);
      }
    }
    if (Array.isArray(node) && node.length > 0) {
      out.push({ what: `${at} without item 0`, doc: editAt(doc, path, (a) => (a as YamlValue[]).slice(1)) });
      out.push({
        what: `${at} with item 0 repeated`,
        doc: editAt(doc, path, (a) => [...(a as YamlValue[]), (a as YamlValue[])[0] as YamlValue]),
      });
    }
  }
  return out;
}

const DISCRIMINATORS = ["enabled", "cors_allow_credentials", "mode", "type"];

/**
 * Both sides of every condition: each discriminating key set to each of its values, then every
 * single mutation of the mapping holding it, two levels deep (where the conditions of §7.3 and
 * §7.4 look).
 */
function conditionalMutations(doc: YamlValue, probes: ReturnType<typeof probeValues>): Mutation[] {
  const out: Mutation[] = [];
  for (const path of nodePaths(doc)) {
    const node = getAt(doc, path);
    if (!(node instanceof YamlMap)) continue;
    for (const key of DISCRIMINATORS) {
      if (!node.has(key)) continue;
      const values = uniqueValues([
        true,
        false,
        ...(probes.byName.get(key) ?? []).filter((v) => typeof v === "string"),
      ]);
      for (const value of values) {
        const variant = editAt(doc, [...path, key], () => value);
        out.push({ what: `${showPath([...path, key])} = ${show(value)}`, doc: variant });
        for (const m of mutations(variant, probes, path, 2)) {
          out.push({ what: `${showPath([...path, key])} = ${show(value)}; ${m.what}`, doc: m.doc });
        }
      }
    }
  }
  return out;
}

function show(v: YamlValue): string {
  return JSON.stringify(toJson(v));
}

function baseDocuments(kind: SchemaKind): { name: string; value: YamlValue }[] {
  const docs: { name: string; value: YamlValue }[] = [];
  for (const project of UPSTREAM_PROJECTS) {
    for (const d of projectDocuments(new URL(`${project}/`, UPSTREAM))) {
      if (d.kind === kind) docs.push({ name: `upstream ${project}/${d.name}`, value: d.value });
    }
  }
  for (const project of OUR_PROJECTS) {
    for (const d of projectDocuments(new URL(`fixtures/projects/${project}/`, REPO))) {
      if (d.kind === kind) docs.push({ name: `${project}/${d.name}`, value: d.value });
    }
  }
  return docs;
}

for (const kind of KINDS) {
  Deno.test({
    name: `our ${kind} schema gives the upstream schema's verdict on fixtures and their mutations`,
    ignore: !upstreamExists,
    fn() {
      const [file, draft, enveloped] = UPSTREAM_FILES[kind];
      const raw = JSON.parse(Deno.readTextFileSync(new URL(`schemas/${file}`, UPSTREAM)));
      const upstream = enveloped ? raw.schema : raw;
      const validator = new Validator(upstream, draft, true);
      const theirs = (doc: YamlValue) =>
        validator.validate(toJson(doc)).valid && upstreamDuplicates(upstream, doc) === 0;
      const probes = probeValues([upstream, schemaFor(kind)]);
      const failures: string[] = [];
      let valid = 0;
      let invalid = 0;
      const bases = baseDocuments(kind);
      const shapes = bases.map((b) => shape(trim(b.value)));
      for (const [i, base] of bases.entries()) {
        // Every document is compared as it is; mutated are those whose shape no other covers.
        const own = shapes[i] as Set<string>;
        const covered = shapes.some((other, j) => j !== i && coveredBy(own, other, j < i));
        const doc = trim(base.value);
        const cases = [
          { what: "as is", doc: base.value },
          ...(covered ? [] : [...mutations(doc, probes), ...conditionalMutations(doc, probes)]),
        ];
        for (const c of cases) {
          const ours = checkAgainstSchema(kind, c.doc);
          const verdict = theirs(c.doc);
          if (verdict) valid++;
          else invalid++;
          if ((ours.length === 0) !== verdict) {
            failures.push(
              `${base.name}: ${c.what}: upstream ${verdict ? "valid" : "invalid"}, ours ${
                JSON.stringify(ours)
              }`,
            );
          }
        }
      }
      assert.deepEqual(failures.slice(0, 10), [], `${failures.length} disagreements`);
      // Both verdicts must be well represented, or the comparison proves little.
      assert.ok(valid > 50 && invalid > 500, `valid ${valid}, invalid ${invalid}`);
    },
  });
}
