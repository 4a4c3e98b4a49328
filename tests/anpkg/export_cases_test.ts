/**
 * Export cases of anpkg.md §8 items 2–4: the transformations (exact bytes of the rewritten
 * members), the failures (exact codes, nothing written, no temporary file left), the non-leaks,
 * every row of the `exported_at` table through `workbench.json`, and the export warnings.
 */

import assert from "node:assert/strict";
import { buildPackage, exportProject } from "../../lib/anpkg/export.ts";
import { main } from "../../lib/cli/main.ts";
import { memoryIo } from "../../lib/cli/io.ts";
import { validateBytes } from "../../lib/anpkg/validate.ts";
import { ANPKG_ORDER } from "../../lib/report/codes.ts";
import {
  BASE_PROFILE,
  BASE_RUNTIME,
  baseProject,
  exportFiles,
  type Files,
  located,
  makeProject,
  projectWith,
  readStored,
  replaceOnce,
  text,
} from "./_build.ts";

const RUNTIME_SRC = "config/anolis-runtime.manual.yaml";
const SIM_SRC = "config/provider-sim.sim0.yaml";
const BUS_SRC = "config/provider-bread.bus0.yaml";
const PROFILE = "machine-profile.yaml";
const RUNTIME = "runtime/anolis-runtime.yaml";

/** Exports and returns the members; the export must succeed with exactly the given problems. */
async function exportOk(
  files: Files,
  problems: readonly string[] = [],
  name?: string,
): Promise<Map<string, Uint8Array>> {
  const r = await exportFiles(files, name === undefined ? {} : { name });
  assert.deepEqual(r.problems.map((p) => `${p.severity} ${located([p])[0]}`), [...problems]);
  assert.ok(r.bytes, "the export wrote a package");
  const check = await validateBytes(r.bytes);
  assert.deepEqual(check.problems.filter((p) => p.severity === "error"), [], "the package validates");
  return readStored(r.bytes);
}

function assertContains(haystack: string, needle: string): void {
  assert.ok(haystack.includes(needle), `${JSON.stringify(needle)} in ${JSON.stringify(haystack)}`);
}

/** The base runtime with its providers and automation blocks replaced. */
function runtimeWith(providers: string, automation = "automation:\n  enabled: false\n", extra = ""): string {
  return `providers:\n${providers}${extra}${automation}`;
}

const TWO_PROVIDERS = `- id: sim0
  command: anolis-provider-sim
  args:
  - --config
  - config/provider-sim.sim0.yaml
- id: bus0
  command: anolis-provider-bread
  args:
  - --config
  - config/provider-bread.bus0.yaml
`;

const PACKAGED_PROVIDERS = `- id: sim0
  command: anolis-provider-sim
  args:
  - --config
  - providers/sim0.yaml
- id: bus0
  command: anolis-provider-bread
  args:
  - --config
  - providers/bus0.yaml
`;

// ── §8 item 2: transformations ──

Deno.test("export removes the nested and the legacy flat influx token, flags the redaction, and keeps the rest", async () => {
  const m = await exportOk(projectWith({
    [RUNTIME_SRC]: runtimeWith(
      TWO_PROVIDERS,
      undefined,
      "telemetry:\n  enabled: true\n  influx_url: http://db:8086\n  influx_token: flat-secret\n  influxdb:\n" +
        "    url: http://db:8086\n    token: nested-secret\n    bucket: plant\n",
    ),
  }));
  assert.equal(
    text(m, RUNTIME),
    runtimeWith(
      PACKAGED_PROVIDERS,
      undefined,
      "telemetry:\n  enabled: true\n  influx_url: http://db:8086\n  influxdb:\n    url: http://db:8086\n    bucket: plant\n",
    ),
  );
  assert.match(text(m, "meta/provenance.json"), /"telemetry_influxdb_token_removed": true/);
});

Deno.test("export flags the redaction when only a blank legacy token was deleted", async () => {
  const m = await exportOk(projectWith({
    [RUNTIME_SRC]: runtimeWith(TWO_PROVIDERS, undefined, "telemetry:\n  influx_token: ''\n  influxdb: {}\n"),
  }));
  assert.equal(text(m, RUNTIME), runtimeWith(PACKAGED_PROVIDERS, undefined, "telemetry:\n  influxdb: {}\n"));
  assert.match(text(m, "meta/provenance.json"), /"telemetry_influxdb_token_removed": true/);
});

Deno.test("export without tokens records no redaction", async () => {
  const m = await exportOk(baseProject());
  assert.match(text(m, "meta/provenance.json"), /"telemetry_influxdb_token_removed": false/);
});

Deno.test("export appends missing args as the last key and replaces null args in place", async () => {
  const m = await exportOk(projectWith({
    [RUNTIME_SRC]: runtimeWith(
      "- id: sim0\n  command: anolis-provider-sim\n  timeout_ms: 3000\n" +
        "- id: bus0\n  command: anolis-provider-bread\n  args: null\n  timeout_ms: 3000\n",
    ),
  }));
  assert.equal(
    text(m, RUNTIME),
    runtimeWith(
      "- id: sim0\n  command: anolis-provider-sim\n  timeout_ms: 3000\n  args:\n  - --config\n  - providers/sim0.yaml\n" +
        "- id: bus0\n  command: anolis-provider-bread\n  args:\n  - --config\n  - providers/bus0.yaml\n  timeout_ms: 3000\n",
    ),
  );
});

Deno.test("export completes a trailing --config, replaces a --config value and appends a missing one", async () => {
  const m = await exportOk(projectWith({
    [RUNTIME_SRC]: runtimeWith(
      "- id: sim0\n  command: anolis-provider-sim\n  args: [--verbose, --config]\n" +
        "- id: bus0\n  command: anolis-provider-bread\n  args: [--config, elsewhere.yaml, --log-level, info]\n",
    ),
  }));
  assert.equal(
    text(m, RUNTIME),
    runtimeWith(
      "- id: sim0\n  command: anolis-provider-sim\n  args:\n  - --verbose\n  - --config\n  - providers/sim0.yaml\n" +
        "- id: bus0\n  command: anolis-provider-bread\n  args:\n  - --config\n  - providers/bus0.yaml\n  - --log-level\n  - info\n",
    ),
  );
  const m2 = await exportOk(projectWith({
    [RUNTIME_SRC]: runtimeWith(
      TWO_PROVIDERS.replace(
        "  args:\n  - --config\n  - config/provider-sim.sim0.yaml\n",
        "  args:\n  - -v\n",
      ),
    ),
  }));
  assertContains(
    text(m2, RUNTIME),
    "\n- id: sim0\n  command: anolis-provider-sim\n  args:\n  - -v\n  - --config\n  - providers/sim0.yaml\n",
  );
});

Deno.test("export rewrites a behavior_tree reference in place and lists it in the profile", async () => {
  const m = await exportOk(baseProject());
  assert.ok(
    text(m, RUNTIME).endsWith(
      "\nautomation:\n  enabled: true\n  behavior_tree: runtime/behaviors/main.xml\n  tick_rate_hz: 10\n",
    ),
  );
  assert.match(text(m, PROFILE), /\nbehaviors:\n- runtime\/behaviors\/main.xml\nvalidation:\n/);
  assert.equal(text(m, "runtime/behaviors/main.xml"), baseProject()["behaviors/main.xml"]);
});

Deno.test("export renames a legacy behavior_tree_path, appending behavior_tree last, and flattens nested directories", async () => {
  const xml = "<root><!-- nested --></root>\n";
  const m = await exportOk(projectWith({
    "behaviors/main.xml": null,
    "behaviors/lines/a/mix.xml": xml,
    [RUNTIME_SRC]: runtimeWith(
      TWO_PROVIDERS,
      "automation:\n  enabled: true\n  behavior_tree_path: behaviors/lines/a/mix.xml\n  tick_rate_hz: 5\n",
    ),
  }));
  assert.equal(
    text(m, RUNTIME),
    runtimeWith(
      PACKAGED_PROVIDERS,
      "automation:\n  enabled: true\n  tick_rate_hz: 5\n  behavior_tree: runtime/behaviors/mix.xml\n",
    ),
  );
  assert.deepEqual([...m.keys()].filter((k) => k.startsWith("runtime/behaviors/")), [
    "runtime/behaviors/mix.xml",
  ]);
  assert.equal(text(m, "runtime/behaviors/mix.xml"), xml);
  assert.match(text(m, PROFILE), /\nbehaviors:\n- runtime\/behaviors\/mix.xml\n/);
});

Deno.test("export keeps a falsy behavior_tree key in place when it takes the legacy path's tree", async () => {
  const m = await exportOk(projectWith({
    [RUNTIME_SRC]: runtimeWith(
      TWO_PROVIDERS,
      "automation:\n  behavior_tree: ''\n  enabled: true\n  behavior_tree_path: ' behaviors/main.xml '\n",
    ),
  }));
  assert.equal(
    text(m, RUNTIME),
    runtimeWith(
      PACKAGED_PROVIDERS,
      "automation:\n  behavior_tree: runtime/behaviors/main.xml\n  enabled: true\n",
    ),
  );
});

Deno.test("export names a symlinked behavior after its target", async () => {
  const project = await makeProject(
    projectWith({ "behaviors/main.xml": null, "trees/real-tree.xml": "<root/>\n" }),
  );
  try {
    await Deno.mkdir(`${project.path}/behaviors`);
    await Deno.symlink("../trees/real-tree.xml", `${project.path}/behaviors/main.xml`);
    const built = await buildPackage(project.path);
    assert.deepEqual(built.problems, []);
    const m = readStored(built.bytes as Uint8Array);
    assert.ok(m.has("runtime/behaviors/real-tree.xml"));
    assert.match(text(m, RUNTIME), /behavior_tree: runtime\/behaviors\/real-tree.xml\n/);
  } finally {
    await project.cleanup();
  }
});

Deno.test("export without a behavior removes the profile's behaviors key", async () => {
  const m = await exportOk(projectWith({ [RUNTIME_SRC]: runtimeWith(TWO_PROVIDERS) }));
  assert.doesNotMatch(text(m, PROFILE), /behaviors/);
  assert.equal(text(m, RUNTIME), runtimeWith(PACKAGED_PROVIDERS));
});

Deno.test("export drops an unused profile provider without reading its configuration (provider-unused)", async () => {
  const profile = replaceOnce(
    BASE_PROFILE,
    "  bus0:\n    config: config/provider-bread.bus0.yaml\n",
    "  bus0:\n    config: config/provider-bread.bus0.yaml\n    notes: on the bench\n  spare:\n    config: config/missing.yaml\n",
  );
  const m = await exportOk(projectWith({ [PROFILE]: profile }), [
    "warning provider-unused machine-profile.yaml $.providers.spare",
  ]);
  assert.equal(
    text(m, PROFILE),
    replaceOnce(
      replaceOnce(
        replaceOnce(
          BASE_PROFILE.slice(BASE_PROFILE.indexOf("\n") + 1),
          "  manual: config/anolis-runtime.manual.yaml",
          "  manual: runtime/anolis-runtime.yaml",
        ),
        "  sim0:\n    config: config/provider-sim.sim0.yaml\n  bus0:\n    config: config/provider-bread.bus0.yaml\n",
        "  sim0:\n    config: providers/sim0.yaml\n  bus0:\n    config: providers/bus0.yaml\n",
      ),
      "- behaviors/main.xml",
      "- runtime/behaviors/main.xml",
    ),
  );
  assert.deepEqual([...m.keys()].filter((k) => k.startsWith("providers/")), [
    "providers/bus0.yaml",
    "providers/sim0.yaml",
  ]);
});

Deno.test("export lists omitted variants in code-point order and warns about missing ones", async () => {
  const profile = replaceOnce(
    BASE_PROFILE,
    "  manual: config/anolis-runtime.manual.yaml\n",
    "  manual: config/anolis-runtime.manual.yaml\n  zeta: config/anolis-runtime.manual.yaml\n  \u00e9t\u00e9: config/anolis-runtime.manual.yaml\n" +
      "  Bench: config/anolis-runtime.manual.yaml\n  ghost: config/none.yaml\n  number: 5\n",
  );
  const m = await exportOk(projectWith({ [PROFILE]: profile }), [
    "warning variant-missing machine-profile.yaml $.runtime_profiles.ghost",
    "warning variant-missing machine-profile.yaml $.runtime_profiles.number",
    "warning variants-omitted machine-profile.yaml $.runtime_profiles",
  ]);
  assertContains(
    text(m, "meta/provenance.json"),
    '"omitted_variants": [\n    "Bench",\n    "zeta",\n    "\\u00e9t\\u00e9"\n  ],',
  );
  assertContains(text(m, PROFILE), "\nruntime_profiles:\n  manual: runtime/anolis-runtime.yaml\nproviders:");
});

Deno.test("export re-emits provider files canonically (0x0A becomes 10, comments and quoting go)", async () => {
  const m = await exportOk(projectWith({
    [BUS_SRC]:
      "# bus\nprovider: {name: \"bus0\"}\nhardware:\n  bus_path: '/dev/i2c-1'\n  query_delay_us: 0x0A\n" +
      "discovery:\n  mode: manual\n  addresses: [0x21]\ndevices: []\n",
  }));
  assert.equal(
    text(m, "providers/bus0.yaml"),
    "provider:\n  name: bus0\nhardware:\n  bus_path: /dev/i2c-1\n  query_delay_us: 10\ndiscovery:\n  mode: manual\n" +
      "  addresses:\n  - 33\ndevices: []\n",
  );
});

// ── §2.7.1 through workbench.json ──

const CREATED: [string, string | undefined, string, string[]][] = [
  ["Z suffix", '"2026-04-03T00:00:00Z"', "2026-04-03T00:00:00Z", []],
  ["six-digit fraction", '"2026-04-16T19:01:02.999999+00:00"', "2026-04-16T19:01:02Z", []],
  ["offset and fraction", '"2026-04-16T21:01:02.75+02:00"', "2026-04-16T19:01:02Z", []],
  ["naive", '"2026-04-16 19:01:02"', "2026-04-16T19:01:02Z", []],
  ["basic format", '"20260416T190102Z"', "2026-04-16T19:01:02Z", []],
  ["date only", '"2026-04-16"', "2026-04-16T00:00:00Z", []],
  ["yesterday", '"yesterday"', "1970-01-01T00:00:00Z", [
    "warning created-unrecognized workbench.json $.meta.created",
  ]],
  ["a number", "5", "1970-01-01T00:00:00Z", ["warning created-unrecognized workbench.json $.meta.created"]],
  ["blank", '"  "', "1970-01-01T00:00:00Z", []],
  ["year out of range after conversion", '"0001-01-01T00:30:00+01:00"', "1970-01-01T00:00:00Z", [
    "warning created-unrecognized workbench.json $.meta.created",
  ]],
  ["missing workbench.json", undefined, "1970-01-01T00:00:00Z", []],
];

for (const [label, created, stamp, warnings] of CREATED) {
  Deno.test(`export derives exported_at ${stamp} from meta.created (${label})`, async () => {
    const sidecar = created === undefined ? null : `{"meta": {"created": ${created}}}`;
    const m = await exportOk(projectWith({ "workbench.json": sidecar }), warnings);
    assert.match(text(m, "meta/provenance.json"), new RegExp(`^\\{\\n  "exported_at": "${stamp}",\\n`));
  });
}

// ── warnings ──

const WARNINGS: [string, Record<string, string | null>, string[], string?][] = [
  ["a project name that is not portable", {}, ["warning source-name-nonportable - -"], "my rig"],
  ["workbench.json that does not parse", { "workbench.json": "{meta: 1}" }, [
    "warning sidecar-invalid workbench.json -",
  ]],
  ["workbench.json whose root is a list", { "workbench.json": "[]" }, [
    "warning sidecar-invalid workbench.json -",
  ]],
  ["workbench.json with a byte-order mark", { "workbench.json": "\ufeff{}" }, [
    "warning sidecar-invalid workbench.json -",
  ]],
  [
    "workbench.json with NaN and a repeated key",
    { "workbench.json": '{"x": NaN, "meta": {"created": 1}, "meta": {"created": "2026-04-03"}}' },
    [],
  ],
  ["meta.created null", { "workbench.json": '{"meta": {"created": null}}' }, [
    "warning created-unrecognized workbench.json $.meta.created",
  ]],
  ["a plain scalar read differently by YAML 1.2", {
    [RUNTIME_SRC]: replaceOnce(BASE_RUNTIME, "telemetry:\n  enabled: false", "telemetry:\n  enabled: no"),
  }, ["warning yaml-version-ambiguous config/anolis-runtime.manual.yaml $.telemetry.enabled"]],
  ["a repeated key (a warning at export)", {
    [RUNTIME_SRC]: replaceOnce(
      BASE_RUNTIME,
      "telemetry:\n  enabled: false",
      "telemetry:\n  enabled: true\n  enabled: false",
    ),
  }, ["warning yaml-duplicate-key config/anolis-runtime.manual.yaml $.telemetry.enabled"]],
  ["an empty provider configuration", { [BUS_SRC]: "{}\n" }, [
    "warning provider-config-empty providers/bus0.yaml -",
    "warning provider-schema-invalid providers/bus0.yaml $.discovery",
    "warning provider-schema-invalid providers/bus0.yaml $.hardware",
  ]],
  ["a provider command outside the package", {
    [RUNTIME_SRC]: replaceOnce(
      BASE_RUNTIME,
      "command: anolis-provider-sim",
      "command: ../build/anolis-provider-sim",
    ),
  }, ["warning provider-command-unresolvable runtime/anolis-runtime.yaml $.providers[0].command"]],
];

for (const [label, changes, expected, name] of WARNINGS) {
  Deno.test(`export of a project with ${label} succeeds with [${expected.map((e) => e.split(" ")[1]).join(", ")}]`, async () => {
    await exportOk(projectWith(changes), expected, name);
  });
}

Deno.test("the yaml-version-ambiguous source value is exported with its YAML 1.1 reading, quoted where needed", async () => {
  const m = await exportOk(
    projectWith({
      [SIM_SRC]: "provider:\n  name: sim0\n  flag: yes\n  label: 1e3\nsimulation:\n  mode: inert\n",
    }),
    [
      "warning yaml-version-ambiguous config/provider-sim.sim0.yaml $.provider.flag",
      "warning yaml-version-ambiguous config/provider-sim.sim0.yaml $.provider.label",
    ],
  );
  assert.equal(
    text(m, "providers/sim0.yaml"),
    "provider:\n  name: sim0\n  flag: true\n  label: '1e3'\nsimulation:\n  mode: inert\n",
  );
});

// ── §8 item 4: non-leaks ──

Deno.test("export accepts values the leak rule does not treat as tokens", async () => {
  const m = await exportOk(projectWith({
    [SIM_SRC]:
      'provider:\n  name: sim0\ntoken_count: 5\ntoken: ""\nblank_token: "  "\nnumber_token: 12345\n' +
      'tokenized: true\nrefresh_token: null\n"token.url": x\nsimulation:\n  mode: inert\n',
    "behaviors/main.xml": '<root><Token value="secret-token" api_token="abc"/></root>\n',
  }));
  assert.match(text(m, "providers/sim0.yaml"), /\ntoken\.url: x\n/);
  assert.match(text(m, "runtime/behaviors/main.xml"), /api_token="abc"/);
});

// ── §8 item 3: failures ──

const FAILURES: [string, Record<string, string | null>, string[]][] = [
  ["a malformed profile", { [PROFILE]: "schema_version: [1\n" }, [
    "error yaml-invalid machine-profile.yaml -",
  ]],
  ["a profile that is a list", { [PROFILE]: "- a\n" }, [
    "error yaml-root-not-mapping machine-profile.yaml -",
  ]],
  ["no manual variant", {
    [PROFILE]: replaceOnce(BASE_PROFILE, "  manual: config", "  bench: config"),
  }, [
    "error manual-variant-missing machine-profile.yaml $.runtime_profiles.manual",
    "warning variants-omitted machine-profile.yaml $.runtime_profiles",
  ]],
  ["a manual variant that is a list", { [RUNTIME_SRC]: "- a\n" }, [
    "error manual-variant-missing machine-profile.yaml $.runtime_profiles.manual",
  ]],
  ["a manual variant that does not parse", { [RUNTIME_SRC]: "a: [\n" }, [
    "error yaml-invalid config/anolis-runtime.manual.yaml -",
    "error manual-variant-missing machine-profile.yaml $.runtime_profiles.manual",
  ]],
  ["an absolute manual variant path", {
    [PROFILE]: replaceOnce(
      BASE_PROFILE,
      "manual: config/anolis-runtime.manual.yaml",
      "manual: /etc/hostname",
    ),
  }, ["error path-absolute machine-profile.yaml $.runtime_profiles.manual"]],
  ["an absolute behavior path", {
    [RUNTIME_SRC]: replaceOnce(
      BASE_RUNTIME,
      "behavior_tree: behaviors/main.xml",
      "behavior_tree: /srv/main.xml",
    ),
  }, ["error path-absolute config/anolis-runtime.manual.yaml $.automation.behavior_tree"]],
  ["a drive-letter behavior path", {
    [RUNTIME_SRC]: replaceOnce(
      BASE_RUNTIME,
      "behavior_tree: behaviors/main.xml",
      "behavior_tree: C:\\trees\\main.xml",
    ),
  }, ["error path-absolute config/anolis-runtime.manual.yaml $.automation.behavior_tree"]],
  ["a missing behavior", { "behaviors/main.xml": null }, [
    "error behavior-not-found config/anolis-runtime.manual.yaml $.automation.behavior_tree",
  ]],
  ["a deploy-style behavior path", {
    [RUNTIME_SRC]: replaceOnce(
      BASE_RUNTIME,
      "behavior_tree: behaviors/main.xml",
      "behavior_tree: ../anolis-projects/projects/rig/behaviors/main.xml",
    ),
  }, ["error behavior-not-found config/anolis-runtime.manual.yaml $.automation.behavior_tree"]],
  ["a disabled automation block naming a missing tree", {
    "behaviors/main.xml": null,
    [RUNTIME_SRC]: replaceOnce(BASE_RUNTIME, "automation:\n  enabled: true", "automation:\n  enabled: false"),
  }, ["error behavior-not-found config/anolis-runtime.manual.yaml $.automation.behavior_tree"]],
  ["a duplicate provider id", { [RUNTIME_SRC]: replaceOnce(BASE_RUNTIME, "- id: bus0", "- id: sim0") }, [
    "error provider-id-duplicate config/anolis-runtime.manual.yaml $.providers[1].id",
    "warning provider-unused machine-profile.yaml $.providers.bus0",
  ]],
  ["a padded provider id", { [RUNTIME_SRC]: replaceOnce(BASE_RUNTIME, "- id: sim0", "- id: ' sim0 '") }, [
    "error provider-id-invalid config/anolis-runtime.manual.yaml $.providers[0].id",
    "warning provider-unused machine-profile.yaml $.providers.sim0",
  ]],
  ["a dotted provider id", { [RUNTIME_SRC]: replaceOnce(BASE_RUNTIME, "- id: sim0", "- id: sim.0") }, [
    "error provider-id-invalid config/anolis-runtime.manual.yaml $.providers[0].id",
    "warning provider-unused machine-profile.yaml $.providers.sim0",
  ]],
  ["a provider id that is a number", { [RUNTIME_SRC]: replaceOnce(BASE_RUNTIME, "- id: sim0", "- id: 7") }, [
    "error provider-id-invalid config/anolis-runtime.manual.yaml $.providers[0].id",
    "warning provider-unused machine-profile.yaml $.providers.sim0",
  ]],
  ["a runtime id absent from the profile", {
    [RUNTIME_SRC]: replaceOnce(BASE_RUNTIME, "- id: bus0", "- id: ghost"),
  }, [
    "error provider-not-in-profile machine-profile.yaml $.providers",
    "warning provider-unused machine-profile.yaml $.providers.bus0",
  ]],
  ["an empty runtime provider list", {
    [RUNTIME_SRC]: BASE_RUNTIME.slice(0, BASE_RUNTIME.indexOf("providers:")) + "providers: []\n" +
      BASE_RUNTIME.slice(BASE_RUNTIME.indexOf("polling:")),
  }, [
    "error runtime-providers-invalid config/anolis-runtime.manual.yaml $.providers",
    "warning provider-unused machine-profile.yaml $.providers.bus0",
    "warning provider-unused machine-profile.yaml $.providers.sim0",
  ]],
  ["a missing provider file", { [BUS_SRC]: null }, [
    "error provider-config-missing machine-profile.yaml $.providers.bus0.config",
  ]],
  ["a provider entry without config", {
    [PROFILE]: replaceOnce(BASE_PROFILE, "    config: config/provider-bread.bus0.yaml\n", "    notes: x\n"),
  }, ["error provider-config-missing machine-profile.yaml $.providers.bus0.config"]],
  ["a provider configuration that is a list", { [BUS_SRC]: "- a\n" }, [
    "error provider-config-invalid providers/bus0.yaml -",
  ]],
  ["an empty provider configuration document", { [BUS_SRC]: "# nothing\n" }, [
    "error provider-config-invalid providers/bus0.yaml -",
  ]],
  ["a provider path ../outside.yaml", {
    [PROFILE]: replaceOnce(
      BASE_PROFILE,
      "config: config/provider-bread.bus0.yaml",
      "config: ../outside.yaml",
    ),
  }, ["error path-escapes-root machine-profile.yaml $.providers.bus0.config"]],
  ["a non-string argument", { [RUNTIME_SRC]: replaceOnce(BASE_RUNTIME, "  - info\n", "  - 5\n") }, [
    "error provider-arg-not-string config/anolis-runtime.manual.yaml $.providers[1].args[1]",
  ]],
  ["a --config=x argument", { [RUNTIME_SRC]: replaceOnce(BASE_RUNTIME, "  - info\n", "  - --config=x\n") }, [
    "error provider-args-invalid config/anolis-runtime.manual.yaml $.providers[1].args[1]",
  ]],
  ["two --config arguments", {
    [RUNTIME_SRC]: replaceOnce(BASE_RUNTIME, "  - --log-level\n  - info\n", "  - --config\n  - a.yaml\n"),
  }, ["error provider-args-invalid config/anolis-runtime.manual.yaml $.providers[1].args"]],
  ["args that are not a list", {
    [RUNTIME_SRC]: replaceOnce(
      BASE_RUNTIME,
      "  args:\n  - --config\n  - config/provider-sim.sim0.yaml\n",
      "  args: --config\n",
    ),
  }, ["error provider-args-invalid config/anolis-runtime.manual.yaml $.providers[0].args"]],
  ["auth: {api_token: x}", { [RUNTIME_SRC]: BASE_RUNTIME + "auth:\n  api_token: x\n" }, [
    "error token-leak runtime/anolis-runtime.yaml $.auth.api_token",
  ]],
  ["x: {tokens: [abc]}", { [RUNTIME_SRC]: BASE_RUNTIME + "x:\n  tokens:\n  - abc\n" }, [
    "error token-leak runtime/anolis-runtime.yaml $.x.tokens[0]",
  ]],
  ["a token in the profile", { [PROFILE]: BASE_PROFILE + "vault:\n  Auth_TOKEN: x\n" }, [
    "error token-leak machine-profile.yaml $.vault.Auth_TOKEN",
  ]],
  ["a token in a provider configuration", {
    [SIM_SRC]: "provider:\n  name: sim0\n  api_token: x\nsimulation:\n  mode: inert\n",
  }, [
    "error token-leak providers/sim0.yaml $.provider.api_token",
  ]],
  ["restart_policy enabled without max_attempts", {
    [RUNTIME_SRC]: replaceOnce(
      BASE_RUNTIME,
      "  timeout_ms: 3000\n",
      "  timeout_ms: 3000\n  restart_policy:\n    enabled: true\n    backoff_ms: [100]\n    timeout_ms: 1000\n",
    ),
  }, ["error schema-invalid runtime/anolis-runtime.yaml $.providers[0].restart_policy.max_attempts"]],
  ["a profile the schema refuses", { [PROFILE]: BASE_PROFILE + "contracts: {}\n" }, [
    "error schema-invalid machine-profile.yaml $.contracts",
  ]],
  ["a plain date", { [RUNTIME_SRC]: BASE_RUNTIME + "commissioned: 2026-01-02\n" }, [
    "warning yaml-version-ambiguous config/anolis-runtime.manual.yaml $.commissioned",
    "error yaml-unsupported-value config/anolis-runtime.manual.yaml $.commissioned",
  ]],
  ["a boolean mapping key", { [SIM_SRC]: "on: 1\nsimulation:\n  mode: inert\n" }, [
    "warning yaml-version-ambiguous config/provider-sim.sim0.yaml $.true",
    "error yaml-unsupported-value config/provider-sim.sim0.yaml $.true",
  ]],
  ["a binary value", { [SIM_SRC]: "k: !!binary aGVsbG8=\nsimulation:\n  mode: inert\n" }, [
    "warning yaml-version-ambiguous config/provider-sim.sim0.yaml $.k",
    "error yaml-unsupported-value config/provider-sim.sim0.yaml $.k",
  ]],
  ["a set with a non-string member", { [SIM_SRC]: "k: !!set {1: null}\nsimulation:\n  mode: inert\n" }, [
    "error yaml-unsupported-value config/provider-sim.sim0.yaml $.k",
  ]],
];

/** Runs a failing export into `<tmp>/out/` and checks that nothing was left there. */
async function exportFails(files: Files, options: { dataRoot?: string } = {}) {
  const project = await makeProject(files);
  try {
    await Deno.writeTextFile(`${project.tmp}/outside.yaml`, "a: 1\n");
    const out = `${project.tmp}/out`;
    await Deno.mkdir(out);
    const report = await exportProject(project.path, `${out}/rig.anpkg`, options);
    const left = [];
    for await (const e of Deno.readDir(out)) left.push(e.name);
    assert.deepEqual(left, [], "no output and no temporary file");
    assert.equal(report.written, false);
    assert.equal(report.output, null);
    assert.equal(report.sha256, null);
    assert.equal(report.valid, false);
    return report;
  } finally {
    await project.cleanup();
  }
}

for (const [label, changes, expected] of FAILURES) {
  Deno.test(`export of a project with ${label} fails with [${expected.map((e) => e.split(" ")[1]).join(", ")}]`, async () => {
    const report = await exportFails(projectWith(changes));
    assert.deepEqual(report.problems.map((p) => `${p.severity} ${located([p])[0]}`), expected);
  });
}

Deno.test("export of a profile that is not UTF-8 fails with [encoding-invalid]", async () => {
  const bytes = new Uint8Array([...new TextEncoder().encode("machine_id: "), 0xff, 0x0a]);
  const report = await exportFails(projectWith({ [PROFILE]: bytes }));
  assert.deepEqual(located(report.problems), ["encoding-invalid machine-profile.yaml -"]);
});

Deno.test("export of an empty directory or a missing path fails with [project-not-found]", async () => {
  const project = await makeProject({});
  try {
    for (const path of [project.path, `${project.tmp}/nothing-here`, `${project.tmp}/file`]) {
      await Deno.writeTextFile(`${project.tmp}/file`, "x");
      const report = await exportProject(path, `${project.tmp}/out/rig.anpkg`);
      assert.deepEqual(located(report.problems), ["project-not-found - -"], path);
      assert.equal(report.written, false);
    }
    assert.equal(
      await Deno.stat(`${project.tmp}/out`).then(() => true, () => false),
      false,
      "no output directory",
    );
  } finally {
    await project.cleanup();
  }
});

Deno.test("export reports several independent problems in one run", async () => {
  const report = await exportFails(projectWith({
    [RUNTIME_SRC]:
      replaceOnce(replaceOnce(BASE_RUNTIME, "- id: sim0", "- id: ' sim0'"), "  - info\n", "  - 5\n") +
      "auth:\n  api_token: x\n",
    "behaviors/main.xml": null,
    "workbench.json": "{",
  }));
  assert.deepEqual(report.problems.map((p) => p.code), [
    "token-leak",
    "provider-id-invalid",
    "provider-arg-not-string",
    "behavior-not-found",
    "sidecar-invalid",
    "provider-unused",
  ]);
});

// ── --data-root ──

Deno.test("a behavior tree only under the data root fails without --data-root and is collected with it", async () => {
  const runtime = replaceOnce(
    BASE_RUNTIME,
    "behavior_tree: behaviors/main.xml",
    "behavior_tree: shared/trees/main.xml",
  );
  const project = await makeProject(projectWith({ "behaviors/main.xml": null, [RUNTIME_SRC]: runtime }));
  try {
    const data = `${project.tmp}/data`;
    await Deno.mkdir(`${data}/shared/trees`, { recursive: true });
    await Deno.writeTextFile(`${data}/shared/trees/main.xml`, "<root data-root='yes'/>\n");
    const without = await buildPackage(project.path);
    assert.deepEqual(located(without.problems), [
      "behavior-not-found config/anolis-runtime.manual.yaml $.automation.behavior_tree",
    ]);
    assert.equal(without.bytes, null);
    const withRoot = await buildPackage(project.path, { dataRoot: data });
    assert.deepEqual(withRoot.problems, []);
    const m = readStored(withRoot.bytes as Uint8Array);
    assert.equal(text(m, "runtime/behaviors/main.xml"), "<root data-root='yes'/>\n");
    const again = await buildPackage(project.path, { dataRoot: data });
    assert.deepEqual(again.bytes, withRoot.bytes, "deterministic with the same data root");
  } finally {
    await project.cleanup();
  }
});

Deno.test("a behavior in the project wins over one under the data root", async () => {
  const project = await makeProject(baseProject());
  try {
    const data = `${project.tmp}/data`;
    await Deno.mkdir(`${data}/behaviors`, { recursive: true });
    await Deno.writeTextFile(`${data}/behaviors/main.xml`, "<other/>\n");
    const built = await buildPackage(project.path, { dataRoot: data });
    assert.equal(
      text(readStored(built.bytes as Uint8Array), "runtime/behaviors/main.xml"),
      baseProject()["behaviors/main.xml"],
    );
  } finally {
    await project.cleanup();
  }
});

// ── writing ──

Deno.test("export writes atomically to -o, creating parents and replacing an existing file", async () => {
  const project = await makeProject(baseProject());
  try {
    const out = `${project.tmp}/a/b/rig.anpkg`;
    const first = await exportProject(project.path, out);
    assert.equal(first.written, true);
    assert.equal(first.output, out);
    await Deno.writeTextFile(out, "old");
    const second = await exportProject(project.path, out);
    assert.equal(second.sha256, first.sha256);
    assert.equal((await Deno.readFile(out)).length, first.size);
    const left = [];
    for await (const e of Deno.readDir(`${project.tmp}/a/b`)) left.push(e.name);
    assert.deepEqual(left, ["rig.anpkg"]);
  } finally {
    await project.cleanup();
  }
});

Deno.test("export defaults to <source project name>.anpkg in the working directory", async () => {
  const project = await makeProject(baseProject(), "bench-7");
  try {
    const report = await exportProject(project.path, undefined, { cwd: project.tmp });
    assert.equal(report.output, `${project.tmp}/bench-7.anpkg`);
  } finally {
    await project.cleanup();
  }
});

Deno.test("the CLI exits 3 and leaves nothing behind when the output's parent is a regular file", async () => {
  const project = await makeProject(baseProject());
  try {
    await Deno.writeTextFile(`${project.tmp}/blocker`, "x");
    const io = memoryIo();
    const code = await main(["export", project.path, "-o", `${project.tmp}/blocker/rig.anpkg`], io);
    assert.equal(code, 3);
    assert.equal(io.stdout(), "");
    assert.match(io.stderr(), /^handoff export: I\/O error: /);
    assert.doesNotMatch(io.stderr(), /\n\s+at /, "no stack trace");
    const left = [];
    for await (const e of Deno.readDir(project.tmp)) left.push(e.name);
    assert.deepEqual(left.sort(), ["blocker", "rig"]);
  } finally {
    await project.cleanup();
  }
});

Deno.test("a leak in a provider file is reported even when another error stops the export early", async () => {
  const report = await exportFails(projectWith({
    [SIM_SRC]: "provider:\n  name: sim0\n  api_token: x\nsimulation:\n  mode: inert\n",
    "behaviors/main.xml": null,
  }));
  assert.deepEqual(located(report.problems), [
    "token-leak providers/sim0.yaml $.provider.api_token",
    "behavior-not-found config/anolis-runtime.manual.yaml $.automation.behavior_tree",
  ]);
});

Deno.test("a behavior tree named *.yaml is scanned by the leak rule", async () => {
  const runtime = replaceOnce(
    BASE_RUNTIME,
    "behavior_tree: behaviors/main.xml",
    "behavior_tree: behaviors/tree.yaml",
  );
  const report = await exportFails(projectWith({
    [RUNTIME_SRC]: runtime,
    "behaviors/tree.yaml": "root:\n  session_token: abc\n",
  }));
  assert.deepEqual(located(report.problems), ["token-leak runtime/behaviors/tree.yaml $.root.session_token"]);
});

Deno.test("export applies the limits in self-validation", async () => {
  const project = await makeProject(baseProject());
  try {
    const members = await exportProject(project.path, `${project.tmp}/a.anpkg`, {
      limits: { maxMembers: 3, maxTotalBytes: 0, maxRatio: 0 },
    });
    assert.deepEqual(members.problems.map((p) => p.code), ["limit-members"]);
    const bytes = await exportProject(project.path, `${project.tmp}/b.anpkg`, {
      limits: { maxMembers: 0, maxTotalBytes: 500, maxRatio: 0 },
    });
    assert.deepEqual(bytes.problems.map((p) => p.code), ["limit-total-bytes"]);
    assert.equal(members.written || bytes.written, false);
  } finally {
    await project.cleanup();
  }
});

Deno.test("every export-only code of anpkg.md §3.4 except the HTTP ones is exercised in this file", () => {
  const fromTables = [...FAILURES, ...WARNINGS].flatMap(([, , expected]) =>
    expected.map((e) => e.split(" ")[1])
  );
  const fromCreated = CREATED.flatMap(([, , , warnings]) => warnings.map((e) => e.split(" ")[1]));
  // Stand-alone tests above: an empty directory, variants, an unused provider.
  const standalone = ["project-not-found", "variants-omitted", "variant-missing", "provider-unused"];
  const here = new Set([...fromTables, ...fromCreated, ...standalone]);
  const order = ANPKG_ORDER.flat();
  const exportOnly = order.slice(order.indexOf("project-not-found"), order.indexOf("project-name-invalid"));
  assert.deepEqual(exportOnly.filter((c) => !here.has(c)), []);
});
