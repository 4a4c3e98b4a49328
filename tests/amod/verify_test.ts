import assert from "node:assert/strict";
import {
  planCounts,
  type PlanEntry,
  validateSnapshot,
  validateSummaryLine,
  verifySnapshot,
} from "../../lib/amod/verify.ts";
import { openSnapshot } from "../../lib/amod/open.ts";
import { parseChecksums } from "../../lib/amod/verify.ts";
import { renderManifest } from "../../lib/amod/json.ts";
import { main } from "../../lib/cli/main.ts";
import { memoryIo } from "../../lib/cli/io.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import { FIXTURE_DIR, FIXTURE_EXISTS } from "./fixture.ts";
import {
  adding,
  buildArchive,
  codes,
  dir,
  file,
  find,
  FIXTURE_AMOD,
  fixtureMembers,
  link,
  type Member,
  nameOf,
  patch,
  tempArchive,
  utf8,
  validateBytes,
  withContent,
  withLists,
  without,
  writeTree,
} from "./_tamper.ts";

const ignore = !FIXTURE_EXISTS;
const FIXTURE_PATH = new URL(FIXTURE_AMOD, FIXTURE_DIR).pathname;
const dec = new TextDecoder();
const NOTES = "payload/.agentmod/claude/notes.md";
const LINK_TOML = "payload/.agentmod/claude/link.toml";

async function manifestWith(edit: (m: Record<string, unknown>) => void): Promise<Member[]> {
  const members = await fixtureMembers();
  const m = JSON.parse(dec.decode(find(members, "manifest.json").content));
  edit(m);
  return withLists(withContent(members, "manifest.json", JSON.stringify(m, null, 2) + "\n"));
}

Deno.test({
  name: "validate accepts the fixture: checked 15, plan 9 directories, 9 files, 1 symlink (V1)",
  ignore,
  async fn() {
    const r = await validateSnapshot(FIXTURE_PATH, { limits: AMOD_LIMITS });
    assert.deepEqual(codes(r), []);
    assert.equal(r.valid, true);
    assert.equal(r.input_kind, "archive");
    assert.deepEqual(r.summary, {
      members: 25,
      payload_files: 10,
      payload_bytes: 168,
      payload_dirs: 9,
      checked: 15,
      plan: { dirs: 9, files: 9, links: 1 },
    });
    assert.equal(r.redaction, null);
    assert.equal(
      validateSummaryLine(r),
      "checked 15 members against checksums.txt; restore plan: 9 directories, 9 files, 1 symlink",
    );
  },
});

Deno.test({
  name: "validate yields the restore plan of §6.3: three lists in UTF-8 order with perms and targets",
  ignore,
  async fn() {
    const opened = await openSnapshot(FIXTURE_PATH, { limits: AMOD_LIMITS });
    assert.ok(opened.ok);
    try {
      const v = await verifySnapshot(opened.handle, { limits: AMOD_LIMITS, operation: "validate" });
      const plan = v.plan!;
      const show = (l: readonly PlanEntry[]) => l.map((e) => [e.rel, e.perm.toString(8), e.member]);
      assert.deepEqual(show(plan.dirs), [
        [".agentmod", "755", "payload/.agentmod/"],
        [".agentmod/claude", "755", "payload/.agentmod/claude/"],
        [".agentmod/claude/skills", "755", "payload/.agentmod/claude/skills/"],
        [".agentmod/claude/skills/demo", "755", "payload/.agentmod/claude/skills/demo/"],
        [".agentmod/codex", "755", "payload/.agentmod/codex/"],
        [".agentmod/codex/prompts", "700", "payload/.agentmod/codex/prompts/"],
        [".agentmod/logs", "755", "payload/.agentmod/logs/"],
        [".agentmod/node", "755", "payload/.agentmod/node/"],
        [".agentmod/opencode", "755", "payload/.agentmod/opencode/"],
      ]);
      assert.deepEqual(plan.files.map((e) => e.rel), [
        ".agentmod/agentmod.toml",
        ".agentmod/claude/notes.md",
        ".agentmod/claude/run.sh",
        ".agentmod/claude/settings.json",
        ".agentmod/claude/skills/demo/SKILL.md",
        ".agentmod/codex/config.toml",
        ".agentmod/codex/prompts-old.md",
        ".agentmod/codex/prompts/x.md",
        ".agentmod/opencode/opencode.json",
      ]);
      assert.equal(plan.files.find((e) => e.rel.endsWith("run.sh"))!.perm, 0o755);
      assert.equal(plan.files.find((e) => e.rel.endsWith("x.md"))!.perm, 0o600);
      assert.deepEqual(plan.links.map((e) => [e.rel, e.target]), [[
        ".agentmod/claude/link.toml",
        "../agentmod.toml",
      ]]);
      assert.equal(v.manifest?.agentmod_version, "test-version");
      assert.equal(v.inventory?.entries.length, 10);
    } finally {
      opened.handle.close();
    }
  },
});

Deno.test({
  name: "validate adds implicit parents to the plan with perm 0700, sorted among the directories",
  ignore,
  async fn() {
    const members = await withLists(
      adding(await fixtureMembers(), file("payload/.agentmod/new/deep/x.md", "x")),
    );
    const bytes = buildArchive(members);
    const r = await validateBytes(bytes);
    assert.deepEqual(codes(r), ["implicit-parent-directory", "implicit-parent-directory"]);
    assert.equal(r.valid, true);
    assert.deepEqual(r.summary?.plan, { dirs: 9, files: 10, links: 0 + 1 });
    const { openArchiveSource } = await import("../../lib/amod/open.ts");
    const { bytesSource } = await import("../../lib/zip/source.ts");
    const handle = await openArchiveSource(bytesSource(bytes), "t.amod", AMOD_LIMITS);
    const v = await verifySnapshot(handle, { limits: AMOD_LIMITS, operation: "validate" });
    const implicit = v.plan!.dirs.filter((d) => d.member === null);
    assert.deepEqual(implicit.map((d) => [d.rel, d.perm]), [[".agentmod/new", 0o700], [
      ".agentmod/new/deep",
      0o700,
    ]]);
    const rels = v.plan!.dirs.map((d) => d.rel);
    assert.deepEqual(rels, [...rels].sort());
    assert.deepEqual(planCounts(v.plan!), { dirs: 9, files: 10, links: 1 });
  },
});

/** One tamper case: a snapshot with one fault and the exact codes it must yield, in report order. */
interface Case {
  readonly name: string;
  readonly build: () => Promise<Member[] | Uint8Array>;
  readonly expect: readonly string[];
}

const CASES: readonly Case[] = [
  {
    name: "V3 a payload file changed at the same length",
    build: async () =>
      withContent(await fixtureMembers(), NOTES, "# Notes\nAPI_KEY=abcdefghijklmnopqrsTUV\n"),
    expect: ["checksum-mismatch", "inventory-sha256-mismatch"],
  },
  {
    name: "V3 a payload file changed in length",
    build: async () => withContent(await fixtureMembers(), NOTES, "changed\n"),
    expect: ["checksum-mismatch", "inventory-size-mismatch", "inventory-sha256-mismatch"],
  },
  {
    name: "V5 a payload member removed",
    build: async () => without(await fixtureMembers(), "payload/.agentmod/claude/settings.json"),
    expect: ["checksums-missing-member", "inventory-missing-member"],
  },
  {
    name: "V6 a payload member added",
    build: async () => adding(await fixtureMembers(), file("payload/.agentmod/claude/extra.md", "extra\n")),
    expect: ["checksums-unlisted-member", "inventory-unlisted-member"],
  },
  {
    name: "V7 a second checksums.txt",
    build: async () => {
      const m = await fixtureMembers();
      return [...m, find(m, "checksums.txt")];
    },
    expect: ["duplicate-member"],
  },
  {
    name: "V7 a second manifest.json",
    build: async () => {
      const m = await fixtureMembers();
      return [...m, find(m, "manifest.json")];
    },
    expect: ["duplicate-member"],
  },
  {
    name: "V8 schema_version 99 (lists regenerated)",
    build: () => manifestWith((m) => m.schema_version = 99),
    expect: ["schema-version-unsupported"],
  },
  {
    name: "V9 schema_version 0",
    build: () => manifestWith((m) => m.schema_version = 0),
    expect: ["schema-version-invalid"],
  },
  {
    name: 'V9 schema_version "1"',
    build: () => manifestWith((m) => m.schema_version = "1"),
    expect: ["manifest-invalid"],
  },
  {
    name: "V9 schema_version missing",
    build: () => manifestWith((m) => delete m.schema_version),
    expect: ["manifest-invalid"],
  },
  {
    name: "V10 eight hostile names in one run (lists regenerated)",
    build: async () =>
      withLists(adding(
        await fixtureMembers(),
        file("payload/../evil.txt", "x"),
        file("payload//etc/passwd", "x"),
        file("payload/C:/x", "x"),
        file("payload/.agentmod\\x", "x"),
        file("payload/.agentmod/./x", "x"),
        file("payload/src/x", "x"),
        file("payload/.agentmod/.git/hooks/pre-commit", "x"),
        file("evil.sh", "x"),
      )),
    expect: [
      "member-outside-payload",
      "path-backslash",
      "path-absolute",
      "path-drive-letter",
      "path-escapes-root",
      "path-not-canonical",
      "path-outside-agentmod",
      "path-protected-element",
    ],
  },
  {
    name: "V11 the §5.4 chain pair",
    build: async () =>
      withLists(adding(
        await fixtureMembers(),
        dir("payload/.agentmod/d1/"),
        dir("payload/.agentmod/d1/d2/"),
        link("payload/.agentmod/d1/d2/s", "../.."),
        link("payload/.agentmod/t", "d1/d2/s/../x"),
      )),
    expect: ["symlink-escapes"],
  },
  {
    name: "V12 a two-link loop",
    build: async () =>
      withLists(
        adding(await fixtureMembers(), link("payload/.agentmod/a", "b"), link("payload/.agentmod/b", "a")),
      ),
    expect: ["symlink-loop", "symlink-loop"],
  },
  {
    name: "V13 five bad link targets",
    build: async () =>
      withLists(adding(
        await fixtureMembers(),
        link("payload/.agentmod/claude/l1", "/etc/passwd"),
        link("payload/.agentmod/claude/l2", ""),
        link("payload/.agentmod/claude/l3", "..\\x"),
        link("payload/.agentmod/claude/l4", "a".repeat(8192)),
        link("payload/.agentmod/claude/l5", "../../outside.txt"),
      )),
    expect: [
      "symlink-target-too-large",
      "symlink-target-empty",
      "symlink-target-backslash",
      "symlink-target-absolute",
      "symlink-escapes",
    ],
  },
  {
    name: "V14 case and normalization collisions",
    build: async () =>
      withLists(adding(
        await fixtureMembers(),
        file("payload/.agentmod/A.md", "a"),
        file("payload/.agentmod/a.md", "b"),
        file("payload/.agentmod/\u00e9.md", "c"),
        file("payload/.agentmod/e\u0301.md", "d"),
      )),
    expect: ["path-collision", "path-collision"],
  },
  {
    name: "V15 a file and a directory with one path",
    build: async () =>
      withLists(
        adding(await fixtureMembers(), file("payload/.agentmod/x", "x"), dir("payload/.agentmod/x/")),
      ),
    expect: ["duplicate-payload-path"],
  },
  {
    name: "V15 a file below a file",
    build: async () =>
      withLists(
        adding(await fixtureMembers(), file("payload/.agentmod/x", "x"), file("payload/.agentmod/x/y", "y")),
      ),
    expect: ["parent-not-directory"],
  },
  {
    name: "V26 no marker (lists regenerated)",
    build: async () => withLists(without(await fixtureMembers(), "payload/.agentmod/agentmod.toml")),
    expect: ["project-marker-missing"],
  },
  {
    name: "V26 a marker that is a link to a packed regular file is accepted",
    build: async () =>
      withLists(
        adding(
          without(await fixtureMembers(), "payload/.agentmod/agentmod.toml"),
          file("payload/.agentmod/real.toml", "schema_version = 1\n"),
          link("payload/.agentmod/agentmod.toml", "real.toml"),
        ).map((m) => nameOf(m) === LINK_TOML ? link(LINK_TOML, "../real.toml") : m),
      ),
    expect: [],
  },
  {
    name: "V27 a case-variant key beside the real one",
    build: () => manifestWith((m) => m.Schema_Version = 2),
    expect: ["json-key-case-variant"],
  },
  {
    name: "V28 a member with mode 04755",
    build: async () =>
      withLists(patch(await fixtureMembers(), "payload/.agentmod/claude/run.sh", { mode: 0o104755 })),
    expect: ["special-mode-bits"],
  },
  {
    name: "V29 a payload/ directory entry",
    build: async () => [dir("payload/"), ...await fixtureMembers()],
    expect: [],
  },
  {
    name: "V30 a name that is not UTF-8",
    build: async () =>
      adding(await fixtureMembers(), {
        name: new Uint8Array([...utf8("payload/.agentmod/"), 0xff]),
        mode: 0o100644,
        content: utf8("x"),
        flags: 0x0808,
      }),
    expect: ["name-not-utf8"],
  },
  {
    name: "V31 checksums.txt with uppercase hex on one line",
    build: async () => {
      const m = await fixtureMembers();
      const lines = dec.decode(find(m, "checksums.txt").content).split("\n");
      lines[6] = lines[6]!.slice(0, 64).toUpperCase() + lines[6]!.slice(64);
      return withContent(m, "checksums.txt", lines.join("\n"));
    },
    expect: ["checksums-malformed-line", "checksums-unlisted-member"],
  },
  {
    name: "root-member-missing for a dropped HANDOFF.md (lists regenerated)",
    build: async () => withLists(without(await fixtureMembers(), "HANDOFF.md")),
    expect: ["root-member-missing"],
  },
  {
    name: "root-member-not-file for a RESTORE.md that is a symlink",
    build: async () => withLists(patch(await fixtureMembers(), "RESTORE.md", { mode: 0o120644 })),
    expect: ["root-member-not-file"],
  },
  {
    name: "root-member-too-large for a HANDOFF.md above 64 MiB (not read)",
    build: async () =>
      withLists(
        patch(await fixtureMembers(), "HANDOFF.md", {
          content: new Uint8Array(64 * 1024 * 1024 + 1),
          method: 0,
        }),
      ),
    expect: ["root-member-too-large"],
  },
  {
    name: "manifest-field-format for a creation time without T and Z",
    build: () => manifestWith((m) => m.created_at = "2026-06-11 12:30:45"),
    expect: ["manifest-field-format"],
  },
  {
    name: "for-git-flag-mismatch for an .amod marked for_git",
    build: () => manifestWith((m) => m.for_git = true),
    expect: ["for-git-flag-mismatch"],
  },
  {
    name: "inventory-invalid for an inventory that is an array",
    build: async () =>
      withLists(withContent(await fixtureMembers(), "inventory.json", "[]\n"), { inventory: false }),
    expect: ["inventory-invalid"],
  },
  {
    name: "inventory-duplicate-path for a repeated entry",
    build: async () => {
      const m = await withLists(await fixtureMembers());
      const inv = JSON.parse(dec.decode(find(m, "inventory.json").content));
      inv.files.push(inv.files[0]);
      return withLists(withContent(m, "inventory.json", JSON.stringify(inv, null, 2)), { inventory: false });
    },
    expect: ["inventory-duplicate-path"],
  },
  {
    name: "inventory-path-outside-payload for an entry naming a root member",
    build: async () => {
      const m = await withLists(await fixtureMembers());
      const inv = JSON.parse(dec.decode(find(m, "inventory.json").content));
      const manifest = find(m, "manifest.json").content;
      const { sha256Hex } = await import("../../lib/digest.ts");
      inv.files.push({
        path: "manifest.json",
        size: manifest.length,
        sha256: await sha256Hex(manifest),
        mode: "0644",
      });
      return withLists(withContent(m, "inventory.json", JSON.stringify(inv, null, 2)), { inventory: false });
    },
    expect: ["inventory-path-outside-payload"],
  },
  {
    name: "checksums-invalid for a checksum list that is not UTF-8",
    build: async () => {
      const m = await fixtureMembers();
      const text = find(m, "checksums.txt").content;
      return withContent(m, "checksums.txt", new Uint8Array([...text, 0xff, 0x0a]));
    },
    expect: ["checksums-invalid"],
  },
  {
    name: "checksums-duplicate-name for a repeated line",
    build: async () => {
      const m = await fixtureMembers();
      const text = dec.decode(find(m, "checksums.txt").content);
      return withContent(m, "checksums.txt", text + text.split("\n")[7] + "\n");
    },
    expect: ["checksums-duplicate-name"],
  },
  {
    name: "inventory-mode-mismatch for a member whose perm changed",
    build: async () =>
      withLists(patch(await fixtureMembers(), NOTES, { mode: 0o100600 }), { inventory: false }),
    expect: ["inventory-mode-mismatch"],
  },
  {
    name: "inventory-kind-mismatch for a recorded symlink stored as a regular file",
    build: async () => patch(await fixtureMembers(), LINK_TOML, { mode: 0o100777 }),
    expect: ["inventory-kind-mismatch"],
  },
  {
    name: "inventory-kind-mismatch for a link whose target differs from the inventory",
    build: async () =>
      withLists(
        (await withLists(await fixtureMembers())).map((m) =>
          nameOf(m) === LINK_TOML ? link(LINK_TOML, "../codex/config.toml") : m
        ),
        { inventory: false },
      ).then(async (m) => {
        // Keep the recorded digest and size consistent with the new target, only the target differs.
        const inv = JSON.parse(dec.decode(find(m, "inventory.json").content));
        const { sha256Hex } = await import("../../lib/digest.ts");
        const rec = inv.files.find((f: { path: string }) => f.path === LINK_TOML);
        rec.size = 20;
        rec.sha256 = await sha256Hex(utf8("../codex/config.toml"));
        return withLists(withContent(m, "inventory.json", JSON.stringify(inv, null, 2)), {
          inventory: false,
        });
      }),
    expect: ["inventory-kind-mismatch"],
  },
  {
    name: "path-control-character for a directory named with U+0001",
    build: async () => adding(await fixtureMembers(), dir("payload/.agentmod/a\u0001b/")),
    expect: ["path-control-character"],
  },
  {
    name: "path-not-canonical for a directory-typed entry without its slash",
    build: async () => adding(await fixtureMembers(), dir("payload/.agentmod/nodir")),
    expect: ["path-not-canonical"],
  },
  {
    name: "path-not-canonical for a regular file whose name ends in a slash",
    // Without a descriptor: bit 3 on a name that ends in "/" is a header mismatch of its own.
    build: async () =>
      withLists(adding(await fixtureMembers(), { ...file("payload/.agentmod/f/", "x"), descriptor: false })),
    expect: ["path-not-canonical"],
  },
  {
    name: "entry-kind-unsupported for a fifo member",
    build: async () =>
      withLists(
        adding(await fixtureMembers(), { name: "payload/.agentmod/fifo", mode: 0o010644, content: utf8("") }),
      ),
    expect: ["entry-kind-unsupported"],
  },
  {
    name: "directory-has-content for a directory entry with data",
    build: async () =>
      adding(await fixtureMembers(), {
        ...dir("payload/.agentmod/full/"),
        content: utf8("abc"),
        descriptor: false,
      }),
    expect: ["directory-has-content"],
  },
  {
    name: "directory-mode-restrictive for a directory of perm 0500",
    build: async () => patch(await fixtureMembers(), "payload/.agentmod/codex/prompts/", { mode: 0o040500 }),
    expect: ["directory-mode-restrictive"],
  },
  {
    name: "symlink-target-invalid for a target with a control character",
    build: async () => withLists(adding(await fixtureMembers(), link("payload/.agentmod/bad", "a\u0001b"))),
    expect: ["symlink-target-invalid"],
  },
  {
    name: "symlink-escapes for a link that leaves and re-enters .agentmod",
    build: async () =>
      withLists(adding(await fixtureMembers(), link("payload/.agentmod/back", "../.agentmod/agentmod.toml"))),
    expect: ["symlink-escapes"],
  },
  {
    name: "a link to .agentmod itself and a dangling link inside are accepted",
    build: async () =>
      withLists(adding(
        await fixtureMembers(),
        link("payload/.agentmod/self", "."),
        link("payload/.agentmod/claude/dangling", "../node/missing/bin"),
      )),
    expect: [],
  },
  {
    name: "a link through another link that stays inside is accepted",
    build: async () =>
      withLists(adding(
        await fixtureMembers(),
        link("payload/.agentmod/cx", "codex"),
        link("payload/.agentmod/p", "cx/prompts/x.md"),
      )),
    expect: [],
  },
  {
    name: "implicit-parent-directory for a file without its directory entry",
    build: async () => withLists(adding(await fixtureMembers(), file("payload/.agentmod/new/x.md", "x"))),
    expect: ["implicit-parent-directory"],
  },
];

for (const c of CASES) {
  Deno.test({
    name: `validate reports exactly ${c.expect.length === 0 ? "nothing" : c.expect.join(", ")} for ${c.name}`,
    ignore,
    async fn() {
      const built = await c.build();
      const bytes = built instanceof Uint8Array ? built : buildArchive(built);
      const r = await validateBytes(bytes);
      assert.deepEqual(codes(r), c.expect);
      assert.equal(r.valid, r.problems.every((p) => p.severity === "warning"));
    },
  });
}

Deno.test({
  name: "validate reports symlink-escapes for t only in the chain pair (V11)",
  ignore,
  async fn() {
    const r = await validateBytes(
      buildArchive(await CASES.find((c) => c.name.startsWith("V11"))!.build() as Member[]),
    );
    assert.deepEqual(r.problems.map((p) => [p.code, p.member]), [["symlink-escapes", "payload/.agentmod/t"]]);
  },
});

Deno.test({
  name: "validate reports V4 damage to deflated data with one decoding code and nothing else for that member",
  ignore,
  async fn() {
    const { deflateRaw } = await import("../../lib/zip/zlib.ts");
    const members = await fixtureMembers();
    const content = find(members, NOTES).content;
    const seen = new Set<string>();
    for (let at = 0; at < 12; at++) {
      const data = deflateRaw(content);
      data[at % data.length]! ^= 0x5a;
      const r = await validateBytes(buildArchive(patch(members, NOTES, { data })));
      const got = codes(r);
      assert.equal(got.length, 1, `flip at ${at}: ${got.join(",")}`);
      assert.ok(["zip-crc-mismatch", "zip-deflate-invalid", "zip-size-mismatch"].includes(got[0]!), got[0]);
      assert.equal(r.problems[0]!.member, NOTES);
      seen.add(got[0]!);
    }
    assert.ok(seen.size >= 2, [...seen].join());
  },
});

Deno.test({
  name:
    "validate reports every malformed line of a CRLF checksum list, and the members it no longer lists (V31)",
  ignore,
  async fn() {
    const m = await fixtureMembers();
    const text = dec.decode(find(m, "checksums.txt").content).replaceAll("\n", "\r\n");
    const r = await validateBytes(buildArchive(withContent(m, "checksums.txt", text)));
    const got = codes(r);
    assert.equal(got.filter((c) => c === "checksums-malformed-line").length, 15);
    assert.equal(got.filter((c) => c === "checksums-unlisted-member").length, 15);
    assert.equal(got.length, 30);
    assert.match(r.problems[0]!.message, /^Line 1 /);
  },
});

Deno.test("parseChecksums skips empty lines, accepts a missing final LF and numbers lines from 1", () => {
  const a = "a".repeat(64);
  const r = parseChecksums(utf8(`${a}  x\n\n${a} y\n${a}  z`));
  assert.deepEqual(r.lines?.map((l) => [l.line, l.name]), [[1, "x"], [4, "z"]]);
  assert.deepEqual(r.problems.map((p) => [p.code, p.message]), [[
    "checksums-malformed-line",
    "Line 3 is not 64 lowercase hex digits, two spaces and a name",
  ]]);
  assert.equal(parseChecksums(utf8(`${a}  *bin`)).lines?.[0]?.name, "*bin");
  assert.equal(parseChecksums(utf8(`${a}  a\u0085b`)).problems[0]?.code, "checksums-malformed-line");
});

Deno.test({
  name: "validate --json prints one object with the §5.7 keys in order (V32)",
  ignore,
  async fn() {
    const io = memoryIo();
    assert.equal(await main(["validate", FIXTURE_PATH, "--json"], io), 0);
    const r = JSON.parse(io.stdout());
    assert.deepEqual(Object.keys(r), [
      "report_version",
      "format",
      "operation",
      "input",
      "input_kind",
      "valid",
      "errors",
      "warnings",
      "problems",
      "manifest",
      "summary",
      "redaction",
    ]);
    assert.equal(r.valid, true);
    assert.equal(io.stderr(), "");
    const bad = CASES.find((c) => c.name.startsWith("V10"))!;
    const path = await tempArchive(buildArchive(await bad.build() as Member[]));
    const io2 = memoryIo();
    assert.equal(await main(["validate", path, "--json"], io2), 1);
    const r2 = JSON.parse(io2.stdout());
    assert.equal(r2.valid, false);
    assert.equal(r2.errors, 8);
    assert.deepEqual(Object.keys(r2.problems[0]), ["code", "severity", "member", "path", "message"]);
    assert.deepEqual(r2.problems.map((p: { code: string }) => p.code), bad.expect);
  },
});

Deno.test({
  name: "validate text output prints the summary line before the verdict",
  ignore,
  async fn() {
    const io = memoryIo();
    assert.equal(await main(["validate", FIXTURE_PATH], io), 0);
    assert.equal(
      io.stdout(),
      "checked 15 members against checksums.txt; restore plan: 9 directories, 9 files, 1 symlink\n" +
        `valid: ${FIXTURE_PATH}\n`,
    );
  },
});

Deno.test({
  name: "validate reports manifest problems with their JSON paths",
  ignore,
  async fn() {
    const r = await validateBytes(
      buildArchive(await manifestWith((m) => (m.git as Record<string, unknown>).dirty = "no")),
    );
    assert.deepEqual(r.problems.map((p) => [p.code, p.member, p.path]), [[
      "manifest-invalid",
      "manifest.json",
      "$.git.dirty",
    ]]);
    assert.notEqual(r.manifest, null);
  },
});

// ── tree packages (§5.8) ──

async function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, env, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

async function hasGit(): Promise<boolean> {
  try {
    return (await new Deno.Command("git", { args: ["--version"], stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

const GIT = await hasGit();

async function freshTree(): Promise<{ repo: string; tree: string }> {
  const repo = await Deno.makeTempDir({ prefix: "amod-tree-" });
  const tree = `${repo}/.agentmod-handoff`;
  await writeTree(await fixtureMembers(), tree);
  await Deno.chmod(tree, 0o755);
  return { repo, tree };
}

Deno.test({
  name: "validate accepts a fresh tree package (V33)",
  ignore,
  async fn() {
    const { repo, tree } = await freshTree();
    try {
      const r = await validateSnapshot(tree, { limits: AMOD_LIMITS });
      assert.deepEqual(codes(r), []);
      assert.equal(r.input_kind, "directory");
      assert.deepEqual(r.summary, {
        members: 25,
        payload_files: 10,
        payload_bytes: 168,
        payload_dirs: 9,
        checked: 15,
        plan: { dirs: 9, files: 9, links: 1 },
      });
    } finally {
      await Deno.remove(repo, { recursive: true });
    }
  },
});

Deno.test({
  name: "validate reports tree-specific faults: a stray root entry, a lost manifest flag, an executable bit",
  ignore,
  async fn() {
    const { repo, tree } = await freshTree();
    try {
      await Deno.writeTextFile(`${tree}/notes.txt`, "x");
      await Deno.chmod(`${tree}/payload/.agentmod/claude/run.sh`, 0o644);
      await Deno.chmod(`${tree}/payload/.agentmod/claude/notes.md`, 0o600);
      const r = await validateSnapshot(tree, { limits: AMOD_LIMITS });
      assert.deepEqual(r.problems.map((p) => [p.code, p.member]), [
        ["member-outside-payload", "notes.txt"],
        ["checksums-unlisted-member", "notes.txt"],
        ["inventory-mode-mismatch", "payload/.agentmod/claude/run.sh"],
      ]);
      const m = JSON.parse(await Deno.readTextFile(`${tree}/manifest.json`));
      delete m.for_git;
      await Deno.writeTextFile(`${tree}/manifest.json`, renderManifest(m));
      const r2 = await validateSnapshot(tree, { limits: AMOD_LIMITS });
      assert.ok(codes(r2).includes("for-git-flag-mismatch"));
      assert.ok(codes(r2).includes("checksum-mismatch"));
    } finally {
      await Deno.remove(repo, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "validate accepts a tree package after commit and clone with umask 002, and with core.symlinks=false (V33)",
  ignore: ignore || !GIT,
  async fn() {
    const { repo } = await freshTree();
    const work = await Deno.makeTempDir({ prefix: "amod-clone-" });
    try {
      const git = [
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.invalid",
        "-c",
        "init.defaultBranch=main",
      ];
      await run("git", [...git, "init", "-q"], repo);
      await run("git", [...git, "add", "-A"], repo);
      await run("git", [...git, "commit", "-q", "-m", "handoff"], repo);
      await run("sh", ["-c", `umask 002 && git clone -q "${repo}" "${work}/a"`], work);
      const st = await Deno.stat(`${work}/a/.agentmod-handoff/payload/.agentmod/claude/notes.md`);
      assert.equal(st.mode! & 0o777, 0o664);
      const a = await validateSnapshot(`${work}/a/.agentmod-handoff`, { limits: AMOD_LIMITS });
      assert.deepEqual(codes(a), []);
      // Git keeps no empty directories: logs/ and node/ are gone, nothing else changes.
      assert.deepEqual(a.summary?.plan, { dirs: 7, files: 9, links: 1 });

      await run("sh", ["-c", `umask 002 && git -c core.symlinks=false clone -q "${repo}" "${work}/b"`], work);
      const linked = await Deno.lstat(`${work}/b/.agentmod-handoff/payload/.agentmod/claude/link.toml`);
      assert.ok(linked.isFile);
      const b = await validateSnapshot(`${work}/b/.agentmod-handoff`, { limits: AMOD_LIMITS });
      assert.deepEqual(b.problems.map((p) => [p.code, p.member]), [["tree-symlink-as-file", LINK_TOML]]);
      assert.equal(b.valid, true);
    } finally {
      await Deno.remove(repo, { recursive: true });
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name: "sha256sum -c fails exactly on the symlink lines of a tree; the §5.8 recipe reports all OK (V34)",
  ignore,
  async fn() {
    const { repo, tree } = await freshTree();
    try {
      const out = await new Deno.Command("sha256sum", {
        args: ["-c", "checksums.txt"],
        cwd: tree,
        stdout: "piped",
      })
        .output();
      assert.equal(out.success, false);
      const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
      const failed = lines.filter((l) => !l.endsWith(": OK"));
      assert.deepEqual(failed, [`${LINK_TOML}: FAILED`]);
      assert.equal(lines.length, 15);
      const recipe = `
while IFS= read -r line; do
  want=\${line%%  *}; name=\${line#*  }
  if [ -L "$name" ]; then
    got=$(printf '%s' "$(readlink "$name")" | sha256sum | cut -d' ' -f1)
    [ "$got" = "$want" ] && echo "$name: OK" || echo "$name: FAILED"
  else
    printf '%s\\n' "$line" | sha256sum -c -
  fi
done < checksums.txt`;
      const recipeOut = (await run("sh", ["-c", recipe], tree)).trim().split("\n");
      assert.equal(recipeOut.length, 15);
      assert.deepEqual(recipeOut.filter((l) => !l.endsWith(": OK")), []);
    } finally {
      await Deno.remove(repo, { recursive: true });
    }
  },
});

Deno.test({
  name: "validate of a tree reports an undecodable link target as symlink-target-invalid",
  ignore,
  async fn() {
    const { repo, tree } = await freshTree();
    try {
      // A target with the byte 0xFF cannot be read back as text; the shell writes it verbatim.
      await run("sh", ["-c", `ln -s "$(printf 'a\\377')" payload/.agentmod/bad`], tree);
      const r = await validateSnapshot(tree, { limits: AMOD_LIMITS });
      assert.deepEqual(codes(r), [
        "checksums-unlisted-member",
        "inventory-unlisted-member",
        "symlink-target-invalid",
      ]);
    } finally {
      await Deno.remove(repo, { recursive: true });
    }
  },
});
