import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import {
  encodeJson,
  formatMode,
  type InventoryEntry,
  type JsonValue,
  type Manifest,
  ordered,
  parseInventory,
  parseManifest,
  quoteJsonString,
  renderInventory,
  renderManifest,
} from "../../lib/amod/json.ts";
import type { GitState } from "../../lib/amod/git.ts";
import { sha256Hex } from "../../lib/digest.ts";
import { FIXTURE_EXISTS, readFixture, readFixtureInput } from "./fixture.ts";

const RUNS = Number(Deno.env.get("HANDOFF_PROPERTY_RUNS") ?? "100");
const enc = new TextEncoder();
const dec = new TextDecoder();

function codes(r: { problems: readonly { code: string }[] }): string[] {
  return r.problems.map((p) => p.code);
}

function where(r: { problems: readonly { code: string; path: string | null }[] }): [string, string | null][] {
  return r.problems.map((p) => [p.code, p.path]);
}

const FIXTURE_MANIFEST: Manifest = {
  schema_version: 1,
  created_at: "2026-06-11T12:30:45Z",
  agentmod_version: "test-version",
  platform: "testos/testarch",
  git: {
    branch: "main",
    head: "0123456789abcdef0123456789abcdef01234567",
    dirty: false,
    status_summary: "clean",
    remote_url: "https://example.com/org/demo-project.git",
    source_included: false,
  },
};

Deno.test("quoteJsonString escapes exactly what Go's encoder escapes", () => {
  const table: [string, string][] = [
    ["plain", '"plain"'],
    ['"\\', '"\\"\\\\"'],
    ["\b\f\n\r\t", '"\\b\\f\\n\\r\\t"'],
    ["\u0000\u0001\u001f", '"\\u0000\\u0001\\u001f"'],
    ["\u000b", '"\\u000b"'],
    ["<>&", '"\\u003c\\u003e\\u0026"'],
    ["\u2028\u2029", '"\\u2028\\u2029"'],
    ["\u007f\u0080\u00e9\u00a0", '"\u007f\u0080\u00e9\u00a0"'],
    ["\u{1f600}", '"\u{1f600}"'],
    ["/'", `"/'"`],
  ];
  for (const [input, want] of table) assert.equal(quoteJsonString(input), want, JSON.stringify(input));
  assert.throws(() => quoteJsonString("a\ud800"), TypeError);
  assert.throws(() => quoteJsonString("\udc00a"), TypeError);
  assert.throws(() => quoteJsonString("\ud800\ud800"), TypeError);
});

Deno.test("encodeJson lays out objects and arrays in Go's indent mode", () => {
  const value = ordered([
    ["a", 1],
    ["b", ordered([])],
    ["c", []],
    ["d", [true, null, "x", [1, 2], ordered([["k", -3]])]],
  ]);
  assert.equal(
    encodeJson(value),
    '{\n  "a": 1,\n  "b": {},\n  "c": [],\n  "d": [\n    true,\n    null,\n    "x",\n    [\n      1,\n      2\n    ],\n' +
      '    {\n      "k": -3\n    }\n  ]\n}\n',
  );
  assert.equal(encodeJson("x"), '"x"\n');
  assert.equal(encodeJson({ z: 1, a: undefined, b: 2 }), '{\n  "z": 1,\n  "b": 2\n}\n');
  // Plain objects put integer-like keys first; ordered() keeps the given order.
  assert.equal(encodeJson({ b: 1, 2: 2 }), '{\n  "2": 2,\n  "b": 1\n}\n');
  assert.equal(encodeJson(ordered([["b", 1], ["2", 2]])), '{\n  "b": 1,\n  "2": 2\n}\n');
  assert.throws(() => encodeJson(1.5), RangeError);
  assert.throws(() => encodeJson(Number.MAX_SAFE_INTEGER + 1), RangeError);
});

const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.string({ unit: "grapheme" }),
    fc.string({
      unit: fc.constantFrom("<", ">", "&", "\u2028", "\u2029", "\u0000", "\u001f", "\u007f", "a", '"', "\\"),
    }),
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: "grapheme-ascii" }), tie("v"), { maxKeys: 4 }),
  ),
})).v;

Deno.test("property: encodeJson is JSON.stringify with Go's extra escapes", () => {
  fc.assert(
    fc.property(jsonValue, (v) => {
      const want = JSON.stringify(v, null, 2)
        .replaceAll("<", "\\u003c")
        .replaceAll(">", "\\u003e")
        .replaceAll("&", "\\u0026")
        .replaceAll("\u2028", "\\u2028")
        .replaceAll("\u2029", "\\u2029") + "\n";
      assert.equal(encodeJson(v), want);
      assert.deepEqual(JSON.parse(encodeJson(v)), JSON.parse(JSON.stringify(v)));
    }),
    { numRuns: RUNS },
  );
});

Deno.test("renderManifest omits absent and empty git fields and writes for_git only when true", () => {
  const base: Manifest = {
    schema_version: 1,
    created_at: "2026-06-11T12:30:45Z",
    agentmod_version: "handoff/0.1.0",
    platform: "linux/amd64",
  };
  assert.equal(
    renderManifest(base),
    '{\n  "schema_version": 1,\n  "created_at": "2026-06-11T12:30:45Z",\n  "agentmod_version": "handoff/0.1.0",\n' +
      '  "platform": "linux/amd64"\n}\n',
  );
  const git: GitState = { branch: "", dirty: true, status_summary: "1 untracked", source_included: false };
  const text = renderManifest({ ...base, git, for_git: true });
  assert.ok(text.endsWith(
    '  "git": {\n    "dirty": true,\n    "status_summary": "1 untracked",\n    "source_included": false\n  },\n' +
      '  "for_git": true\n}\n',
  ));
  assert.ok(!renderManifest({ ...base, for_git: false }).includes("for_git"));
});

Deno.test("C28: a branch name with & is written as \\u0026", () => {
  const text = renderManifest({
    ...FIXTURE_MANIFEST,
    git: { ...FIXTURE_MANIFEST.git as GitState, branch: "fix&<feature>" },
  });
  assert.ok(text.includes('"branch": "fix\\u0026\\u003cfeature\\u003e"'));
  assert.equal(parseManifest(enc.encode(text), "amod").manifest?.git?.branch, "fix&<feature>");
});

Deno.test("renderInventory sorts by code point and writes null for an empty list", () => {
  assert.equal(renderInventory(null), '{\n  "files": null\n}\n');
  assert.equal(renderInventory([]), '{\n  "files": null\n}\n');
  const sha = "0".repeat(64);
  const files: InventoryEntry[] = [
    { path: "payload/.agentmod/\u{1f600}", size: 0, sha256: sha, mode: "0644" },
    { path: "payload/.agentmod/\uffff", size: 0, sha256: sha, mode: "0644" },
    { path: "payload/.agentmod/codex/prompts/x.md", size: 1, sha256: sha, mode: "0600" },
    { path: "payload/.agentmod/codex/prompts-old.md", size: 2, sha256: sha, mode: "0644" },
    { path: "payload/.agentmod/l", size: 1, sha256: sha, mode: "0777", symlink_target: "x" },
  ];
  const parsed = JSON.parse(renderInventory(files)).files as InventoryEntry[];
  assert.deepEqual(parsed.map((f) => f.path), [
    "payload/.agentmod/codex/prompts-old.md",
    "payload/.agentmod/codex/prompts/x.md",
    "payload/.agentmod/l",
    "payload/.agentmod/\uffff",
    "payload/.agentmod/\u{1f600}",
  ]);
  assert.deepEqual(Object.keys(parsed[2] as object), ["path", "size", "sha256", "mode", "symlink_target"]);
});

Deno.test("formatMode writes four octal digits of the permission bits", () => {
  assert.equal(formatMode(0o644), "0644");
  assert.equal(formatMode(0o7), "0007");
  assert.equal(formatMode(0o40755), "0755");
  assert.equal(formatMode(0o104755), "0755");
});

Deno.test({
  name: "the fixture's manifest.json and inventory.json are reproduced byte for byte",
  ignore: !FIXTURE_EXISTS,
  fn: async () => {
    const input = await readFixtureInput();
    const manifest: Manifest = {
      schema_version: 1,
      created_at: input.created_at,
      agentmod_version: input.agentmod_version,
      platform: input.platform,
      git: input.git as unknown as GitState,
    };
    assert.equal(renderManifest(manifest), dec.decode(await readFixture("root-members/manifest.json")));

    const excluded = input.expected.excluded.map((x) => x.path);
    const files: InventoryEntry[] = [];
    for (const e of input.tree) {
      if (e.kind === "dir" || e.content_or_target === null) continue;
      if (excluded.some((x) => e.path === x || (x.endsWith("/") && e.path.startsWith(x)))) continue;
      const content = enc.encode(e.content_or_target);
      files.push({
        path: `payload/${e.path}`,
        size: content.length,
        sha256: await sha256Hex(content),
        // Symlinks carry whatever lstat reports; the fixture records Linux's 0777.
        mode: e.kind === "symlink" ? formatMode(0o777) : e.perm as string,
        ...(e.kind === "symlink" ? { symlink_target: e.content_or_target } : {}),
      });
    }
    assert.equal(files.length, input.expected.payload_files);
    assert.equal(files.reduce((n, f) => n + f.size, 0), input.expected.payload_bytes);
    // Walk order in, path order out: rendering sorts.
    assert.equal(renderInventory(files), dec.decode(await readFixture("root-members/inventory.json")));
  },
});

Deno.test({
  name: "the fixture's JSON members parse cleanly and render back to the same bytes",
  ignore: !FIXTURE_EXISTS,
  fn: async () => {
    const mBytes = await readFixture("root-members/manifest.json");
    const m = parseManifest(mBytes, "amod");
    assert.deepEqual(m.problems, []);
    assert.deepEqual(m.manifest, FIXTURE_MANIFEST);
    assert.equal(renderManifest(m.manifest as Manifest), dec.decode(mBytes));
    assert.deepEqual(Object.keys(m.known ?? {}), [
      "schema_version",
      "created_at",
      "agentmod_version",
      "platform",
      "git",
    ]);

    const iBytes = await readFixture("root-members/inventory.json");
    const inv = parseInventory(iBytes);
    assert.deepEqual(inv.problems, []);
    assert.equal(inv.inventory?.entries.length, 10);
    assert.equal(
      inv.inventory?.byPath.get("payload/.agentmod/claude/link.toml")?.symlink_target,
      "../agentmod.toml",
    );
    assert.equal(renderInventory(inv.inventory?.entries ?? null), dec.decode(iBytes));
  },
});

function manifestWith(patch: Record<string, unknown>, drop: string[] = []): Uint8Array {
  const m: Record<string, unknown> = { ...FIXTURE_MANIFEST, ...patch };
  for (const k of drop) delete m[k];
  return enc.encode(JSON.stringify(m));
}

Deno.test("V8: schema_version 99 gives exactly schema-version-unsupported", () => {
  const r = parseManifest(manifestWith({ schema_version: 99 }), "amod");
  assert.deepEqual(where(r), [["schema-version-unsupported", "$.schema_version"]]);
  assert.equal(r.problems[0]?.severity, "error");
  assert.equal(r.problems[0]?.member, "manifest.json");
  assert.equal(r.manifest?.schema_version, 99);
});

Deno.test('V9: schema_version 0, "1" and missing', () => {
  assert.deepEqual(where(parseManifest(manifestWith({ schema_version: 0 }), "amod")), [
    ["schema-version-invalid", "$.schema_version"],
  ]);
  assert.deepEqual(codes(parseManifest(manifestWith({ schema_version: 1.5 }), "amod")), [
    "schema-version-invalid",
  ]);
  assert.deepEqual(codes(parseManifest(manifestWith({ schema_version: -1 }), "amod")), [
    "schema-version-invalid",
  ]);
  assert.deepEqual(codes(parseManifest(manifestWith({ schema_version: 2 ** 53 }), "amod")), [
    "schema-version-invalid",
  ]);
  const quoted = parseManifest(manifestWith({ schema_version: "1" }), "amod");
  assert.deepEqual(where(quoted), [["manifest-invalid", "$.schema_version"]]);
  assert.equal(quoted.manifest, null);
  assert.deepEqual(where(parseManifest(manifestWith({}, ["schema_version"]), "amod")), [
    ["manifest-invalid", "$.schema_version"],
  ]);
  assert.deepEqual(codes(parseManifest(manifestWith({ schema_version: null }), "amod")), [
    "manifest-invalid",
  ]);
  // 1.0 is the number 1 once parsed.
  assert.deepEqual(
    codes(
      parseManifest(
        enc.encode(
          '{"schema_version": 1.0, "created_at": "2026-06-11T12:30:45Z", "agentmod_version": "v", "platform": "a/b"}',
        ),
        "amod",
      ),
    ),
    [],
  );
});

Deno.test("V27: a case-variant key is a warning and is not read", () => {
  const text = dec.decode(manifestWith({})).replace("{", '{"Schema_Version": 2, ');
  const r = parseManifest(enc.encode(text), "amod");
  assert.deepEqual(where(r), [["json-key-case-variant", "$.Schema_Version"]]);
  assert.equal(r.problems[0]?.severity, "warning");
  assert.equal(r.manifest?.schema_version, 1);
  const git = parseManifest(
    manifestWith({ git: { ...FIXTURE_MANIFEST.git, "\u017fource_included": true } }),
    "amod",
  );
  assert.deepEqual(where(git), [["json-key-case-variant", '$.git["\u017fource_included"]']]);
  const kelvin = parseInventory(enc.encode('{"files": [], "FILES": null, "\u212aey": 1}'));
  assert.deepEqual(where(kelvin), [["json-key-case-variant", "$.FILES"]]);
});

Deno.test("parseManifest reports undecodable members as manifest-invalid", () => {
  const table: [Uint8Array, string | null][] = [
    [new Uint8Array([0xef, 0xbb, 0xbf, ...manifestWith({})]), null],
    [new Uint8Array([0x7b, 0xff, 0x7d]), null],
    [enc.encode("{"), null],
    [enc.encode(""), null],
    [enc.encode("[]"), "$"],
    [enc.encode("null"), "$"],
    [enc.encode('"x"'), "$"],
  ];
  for (const [bytes, path] of table) {
    const r = parseManifest(bytes, "amod");
    assert.deepEqual(where(r), [["manifest-invalid", path]], dec.decode(bytes));
    assert.equal(r.manifest, null);
  }
  assert.equal(parseManifest(enc.encode("[]"), "amod").known, null);
});

Deno.test("parseManifest checks each required and optional key's type with its JSON path", () => {
  const git = FIXTURE_MANIFEST.git as GitState;
  const table: [Record<string, unknown>, string[], [string, string | null][]][] = [
    [{ created_at: 5 }, [], [["manifest-invalid", "$.created_at"]]],
    [{}, ["agentmod_version"], [["manifest-invalid", "$.agentmod_version"]]],
    [{ platform: ["a", "b"] }, [], [["manifest-invalid", "$.platform"]]],
    [{ git: "main" }, [], [["manifest-invalid", "$.git"]]],
    [{ git: { ...git, dirty: "no" } }, [], [["manifest-invalid", "$.git.dirty"]]],
    [{ git: { ...git, status_summary: null } }, [], [["manifest-invalid", "$.git.status_summary"]]],
    [{ git: { ...git, source_included: 0 } }, [], [["manifest-invalid", "$.git.source_included"]]],
    [{ git: { ...git, branch: 1, remote_url: false } }, [], [["manifest-invalid", "$.git.branch"], [
      "manifest-invalid",
      "$.git.remote_url",
    ]]],
    [{ for_git: "yes" }, [], [["manifest-invalid", "$.for_git"]]],
    [{ git: null, for_git: null, extra: { anything: 1 } }, [], []],
    [{ git: { ...git, branch: null, head: null, remote_url: null } }, [], []],
  ];
  for (const [patch, drop, want] of table) {
    const r = parseManifest(manifestWith(patch, drop), "amod");
    assert.deepEqual(where(r), want, JSON.stringify(patch));
    assert.equal(r.manifest === null, want.some(([c]) => c === "manifest-invalid"));
  }
  const noGit = parseManifest(manifestWith({ git: null }), "amod");
  assert.equal(noGit.manifest?.git, undefined);
  const nulls = parseManifest(manifestWith({ git: { ...git, branch: null, head: null } }), "amod");
  assert.deepEqual(nulls.manifest?.git, {
    dirty: false,
    status_summary: "clean",
    remote_url: git.remote_url,
    source_included: false,
  });
});

Deno.test("parseManifest warns about malformed created_at, platform and head", () => {
  const git = FIXTURE_MANIFEST.git as GitState;
  const table: [Record<string, unknown>, string][] = [
    [{ created_at: "2026-06-11 12:30:45" }, "$.created_at"],
    [{ created_at: "2026-06-11T12:30:45.000Z" }, "$.created_at"],
    [{ platform: "linux" }, "$.platform"],
    [{ platform: "linux/amd64/v2" }, "$.platform"],
    [{ platform: "linux /amd64" }, "$.platform"],
    [{ platform: "/amd64" }, "$.platform"],
    [{ git: { ...git, head: git.head?.toUpperCase() } }, "$.git.head"],
    [{ git: { ...git, head: "abc" } }, "$.git.head"],
  ];
  for (const [patch, path] of table) {
    const r = parseManifest(manifestWith(patch), "amod");
    assert.deepEqual(where(r), [["manifest-field-format", path]], JSON.stringify(patch));
    assert.equal(r.problems[0]?.severity, "warning");
    assert.notEqual(r.manifest, null);
  }
  assert.deepEqual(codes(parseManifest(manifestWith({ git: { ...git, head: "a".repeat(64) } }), "amod")), []);
});

Deno.test("for-git-flag-mismatch depends on the form", () => {
  assert.deepEqual(where(parseManifest(manifestWith({ for_git: true }), "amod")), [
    ["for-git-flag-mismatch", "$.for_git"],
  ]);
  assert.deepEqual(codes(parseManifest(manifestWith({ for_git: false }), "amod")), []);
  assert.deepEqual(codes(parseManifest(manifestWith({ for_git: true }), "tree")), []);
  assert.deepEqual(codes(parseManifest(manifestWith({}), "tree")), ["for-git-flag-mismatch"]);
  assert.deepEqual(codes(parseManifest(manifestWith({ for_git: false }), "tree")), ["for-git-flag-mismatch"]);
  assert.deepEqual(codes(parseManifest(manifestWith({ for_git: null }), "tree")), ["for-git-flag-mismatch"]);
  assert.deepEqual(codes(parseManifest(manifestWith({ for_git: 1 }), "tree")), ["manifest-invalid"]);
});

Deno.test("known keeps the known scalar keys in manifest order and drops nested values", () => {
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  const text = '{"for_git": true, "x": 1, "platform": ' + deep +
    ', "git": {"dirty": [], "head": "h", "y": 2}, ' +
    '"schema_version": 1, "created_at": "c", "agentmod_version": null}';
  const r = parseManifest(enc.encode(text), "tree");
  assert.deepEqual(Object.entries(r.known ?? {}), [
    ["schema_version", 1],
    ["created_at", "c"],
    ["agentmod_version", null],
    ["git", { head: "h" }],
    ["for_git", true],
  ]);
  assert.deepEqual(where(r).filter(([c]) => c === "manifest-invalid").map(([, p]) => p), [
    "$.agentmod_version",
    "$.platform",
    "$.git.dirty",
    "$.git.status_summary",
    "$.git.source_included",
  ]);
  JSON.stringify(r);
});

Deno.test("duplicate keys: the last occurrence wins", () => {
  const text = '{"schema_version": 7, "schema_version": 1, "created_at": "2026-06-11T12:30:45Z", ' +
    '"agentmod_version": "v", "platform": "a/b"}';
  assert.deepEqual(codes(parseManifest(enc.encode(text), "amod")), []);
});

const SHA = "a".repeat(64);

function inventoryOf(files: unknown): Uint8Array {
  return enc.encode(JSON.stringify({ files }));
}

Deno.test("parseInventory validates the member and each entry", () => {
  const ok = { path: "payload/.agentmod/a", size: 1, sha256: SHA, mode: "0644" };
  assert.deepEqual(where(parseInventory(enc.encode("{}"))), [["inventory-invalid", "$.files"]]);
  assert.equal(parseInventory(enc.encode("{}")).inventory, null);
  assert.deepEqual(where(parseInventory(inventoryOf("x"))), [["inventory-invalid", "$.files"]]);
  assert.deepEqual(where(parseInventory(inventoryOf({}))), [["inventory-invalid", "$.files"]]);
  assert.deepEqual(where(parseInventory(enc.encode("[1]"))), [["inventory-invalid", "$"]]);
  assert.deepEqual(where(parseInventory(new Uint8Array([0xff]))), [["inventory-invalid", null]]);
  assert.deepEqual(where(parseInventory(inventoryOf(null))), []);

  const table: [unknown, string][] = [
    [5, "$.files[1]"],
    [null, "$.files[1]"],
    [{ ...ok, path: 3 }, "$.files[1].path"],
    [{ ...ok, size: -1 }, "$.files[1].size"],
    [{ ...ok, size: 1.5 }, "$.files[1].size"],
    [{ ...ok, size: "1" }, "$.files[1].size"],
    [{ ...ok, size: 2 ** 53 }, "$.files[1].size"],
    [{ ...ok, sha256: SHA.toUpperCase() }, "$.files[1].sha256"],
    [{ ...ok, sha256: "ab" }, "$.files[1].sha256"],
    [{ ...ok, mode: "644" }, "$.files[1].mode"],
    [{ ...ok, mode: "0844" }, "$.files[1].mode"],
    [{ ...ok, mode: 420 }, "$.files[1].mode"],
    [{ ...ok, symlink_target: 5 }, "$.files[1].symlink_target"],
    [{ ...ok, size: null, mode: null }, "$.files[1].size"],
  ];
  for (const [bad, path] of table) {
    const r = parseInventory(inventoryOf([{ ...ok, path: "payload/.agentmod/0" }, bad, ok]));
    assert.deepEqual(where(r), [["inventory-invalid", path]], JSON.stringify(bad));
    assert.deepEqual(r.inventory?.entries.map((e) => e.path), ["payload/.agentmod/0", "payload/.agentmod/a"]);
  }
  const nulled = parseInventory(inventoryOf([{ ...ok, symlink_target: null, extra: [1] }]));
  assert.deepEqual(nulled.problems, []);
  assert.deepEqual(nulled.inventory?.entries[0], ok);
});

Deno.test("parseInventory reports duplicate paths and paths outside payload/", () => {
  const e = (path: string, size = 1) => ({ path, size, sha256: SHA, mode: "0644" });
  const r = parseInventory(
    inventoryOf([e("payload/.agentmod/a"), e("x/a"), e("payload/.agentmod/a", 2), e("payload")]),
  );
  assert.deepEqual(where(r), [
    ["inventory-path-outside-payload", "$.files[1].path"],
    ["inventory-duplicate-path", "$.files[2].path"],
    ["inventory-path-outside-payload", "$.files[3].path"],
  ]);
  assert.equal(r.inventory?.byPath.get("payload/.agentmod/a")?.size, 1);
  assert.equal(r.inventory?.entries.length, 4);
});
