// deno-lint-ignore-file no-import-prefix -- the project pins every dependency in source (no import map)
import assert from "node:assert/strict";
import { Validator } from "npm:@cfworker/json-schema@4.1.6";
import { describeSnapshot, gitLine, inspectSnapshot } from "../../lib/amod/inspect.ts";
import {
  DENO_SNAPSHOT_FS,
  openArchiveSource,
  type SnapshotFs,
  type SnapshotHandle,
} from "../../lib/amod/open.ts";
import { validateSnapshot, verifySnapshot } from "../../lib/amod/verify.ts";
import { bytesSource } from "../../lib/zip/source.ts";
import { main } from "../../lib/cli/main.ts";
import { memoryIo } from "../../lib/cli/io.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import { FIXTURE_DIR, FIXTURE_EXISTS, readFixture } from "./fixture.ts";
import {
  buildArchive,
  codes,
  find,
  FIXTURE_AMOD,
  fixtureMembers,
  patch,
  tempArchive,
  withContent,
  withLists,
  writeTree,
} from "./_tamper.ts";

const ignore = !FIXTURE_EXISTS;
const FIXTURE_PATH = new URL(FIXTURE_AMOD, FIXTURE_DIR).pathname;
const dec = new TextDecoder();
const SCHEMA = JSON.parse(
  await Deno.readTextFile(new URL("../../schemas/report.schema.json", import.meta.url)),
);

function assertSchema(value: unknown): void {
  const r = new Validator(SCHEMA, "7").validate(value);
  assert.ok(r.valid, JSON.stringify(r.errors.slice(0, 3)));
}

Deno.test({
  name:
    "inspect describes the fixture: 25 members, 10 files, 168 bytes, 9 directories, 1 finding, 0 hard (V1)",
  ignore,
  async fn() {
    const r = await inspectSnapshot(FIXTURE_PATH, { limits: AMOD_LIMITS });
    assert.deepEqual(codes(r), []);
    assert.equal(r.operation, "inspect");
    assert.deepEqual(r.summary, {
      members: 25,
      payload_files: 10,
      payload_bytes: 168,
      payload_dirs: 9,
      checked: null,
      plan: null,
    });
    const redaction = dec.decode(await readFixture("root-members/REDACTION.md"));
    assert.deepEqual(r.redaction, { findings: 1, hard_findings: 0, text: redaction });
    assertSchema(JSON.parse(JSON.stringify(r)));
    const lines = describeSnapshot(r);
    assert.deepEqual(lines.slice(0, 10), [
      `snapshot: ${FIXTURE_PATH} (.amod archive)`,
      "schema version: 1",
      "created at: 2026-06-11T12:30:45Z",
      "tool version: test-version",
      "platform: testos/testarch",
      "git: branch main @ 0123456789abcdef0123456789abcdef01234567, clean, remote https://example.com/org/demo-project.git",
      "members: 25; 10 payload files (168 bytes); 9 payload directories",
      "recorded secret candidates: 1 (0 hard)",
      "--- REDACTION.md ---",
      "# Redaction report",
    ]);
    assert.equal(lines.slice(9).join("\n") + "\n", redaction);
  },
});

Deno.test({
  name: "inspect reads only the root members and never decodes payload content",
  ignore,
  async fn() {
    const damaged = buildArchive(
      patch(await fixtureMembers(), "payload/.agentmod/claude/notes.md", { crc: 1 }),
    );
    const handle = await openArchiveSource(bytesSource(damaged), "d.amod", AMOD_LIMITS);
    const reads: string[] = [];
    const spied: SnapshotHandle = {
      ...handle,
      read: (e, sink, options) => (reads.push(e.displayName), handle.read(e, sink, options)),
    };
    const v = await verifySnapshot(spied, { limits: AMOD_LIMITS, operation: "inspect" });
    assert.deepEqual(v.problems, []);
    assert.deepEqual(reads.sort(), [
      "HANDOFF.md",
      "REDACTION.md",
      "RESTORE.md",
      "checksums.txt",
      "inventory.json",
      "manifest.json",
    ]);
    assert.equal(v.plan, null);
    // validate decodes the payload and finds the damage.
    const path = await tempArchive(damaged);
    assert.deepEqual(codes(await inspectSnapshot(path, { limits: AMOD_LIMITS })), []);
    assert.deepEqual(codes(await validateSnapshot(path, { limits: AMOD_LIMITS })), ["zip-crc-mismatch"]);
  },
});

Deno.test({
  name: "inspect checks the CRC of root members and reports the decoding code for a damaged one",
  ignore,
  async fn() {
    const path = await tempArchive(buildArchive(patch(await fixtureMembers(), "REDACTION.md", { crc: 1 })));
    const r = await inspectSnapshot(path, { limits: AMOD_LIMITS });
    assert.deepEqual(codes(r), ["zip-crc-mismatch"]);
    assert.equal(r.redaction, null);
    assert.ok(
      describeSnapshot(r).includes("recorded secret candidates: unknown (REDACTION.md not readable)"),
    );
  },
});

Deno.test({
  name: "inspect of a newer schema_version is an error but still displays everything (V8)",
  ignore,
  async fn() {
    const members = await fixtureMembers();
    const m = JSON.parse(dec.decode(find(members, "manifest.json").content));
    m.schema_version = 99;
    const path = await tempArchive(
      buildArchive(await withLists(withContent(members, "manifest.json", JSON.stringify(m, null, 2)))),
    );
    const io = memoryIo();
    assert.equal(await main(["inspect", path], io), 1);
    const out = io.stdout();
    assert.match(out, /^schema version: 99$/m);
    assert.match(out, /^recorded secret candidates: 1 \(0 hard\)$/m);
    assert.match(out, /^--- REDACTION\.md ---$/m);
    assert.match(
      io.stderr(),
      /^error\[schema-version-unsupported\] manifest\.json: .* \(at \$\.schema_version\)$/m,
    );
  },
});

Deno.test({
  name: "inspect prints a hostile REDACTION.md escaped, with no raw escape byte on the terminal (V35)",
  ignore,
  async fn() {
    const members = await fixtureMembers();
    const text = dec.decode(find(members, "REDACTION.md").content) + "\u001b[2J\u202egnp.exe\n";
    const path = await tempArchive(buildArchive(await withLists(withContent(members, "REDACTION.md", text))));
    const io = memoryIo();
    assert.equal(await main(["inspect", path], io), 0);
    const out = io.stdout();
    assert.ok(!out.includes("\u001b") && !io.stderr().includes("\u001b"));
    assert.ok(!out.includes("\u202e"));
    assert.match(out, /^\\u\{001B\}\[2J\\u\{202E\}gnp\.exe$/m);
    // JSON output carries the document as it is; JSON escapes it by itself.
    const json = memoryIo();
    assert.equal(await main(["inspect", path, "--json"], json), 0);
    assert.equal(JSON.parse(json.stdout()).redaction.text, text);
    assert.ok(!json.stdout().includes("\u001b"));
  },
});

Deno.test({
  name: "inspect --json prints the §5.7 object with operation inspect and the redaction counts",
  ignore,
  async fn() {
    const io = memoryIo();
    assert.equal(await main(["inspect", FIXTURE_PATH, "--json"], io), 0);
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
    assert.equal(r.operation, "inspect");
    assert.equal(r.summary.checked, null);
    assert.deepEqual([r.redaction.findings, r.redaction.hard_findings], [1, 0]);
    assertSchema(r);
  },
});

Deno.test({
  name: "inspect of a tree package names the input kind",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await writeTree(await fixtureMembers(), dir);
      const r = await inspectSnapshot(dir, { limits: AMOD_LIMITS });
      assert.deepEqual(codes(r), []);
      assert.equal(r.input_kind, "directory");
      assert.equal(describeSnapshot(r)[0], `snapshot: ${dir} (tree package)`);
      assert.equal(r.manifest?.for_git, true);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "inspect reports io-error with null .amod keys when a root member cannot be read (injected)",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await writeTree(await fixtureMembers(), dir);
      const fs: SnapshotFs = {
        ...DENO_SNAPSHOT_FS,
        open: (p) =>
          p.endsWith("REDACTION.md")
            ? Promise.reject(new Deno.errors.PermissionDenied("no"))
            : DENO_SNAPSHOT_FS.open(p),
      };
      const r = await inspectSnapshot(dir, { limits: AMOD_LIMITS, fs });
      assert.deepEqual(codes(r), ["io-error"]);
      assert.deepEqual([r.manifest, r.summary, r.redaction], [null, null, null]);
      assertSchema(JSON.parse(JSON.stringify(r)));
      assert.deepEqual(describeSnapshot(r), [
        `snapshot: ${dir} (tree package)`,
        "manifest: not readable",
        "recorded secret candidates: unknown (REDACTION.md not readable)",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("gitLine renders the identity, the state and the remote as §5.5 describes", () => {
  const base = { dirty: false, status_summary: "clean", source_included: false };
  assert.equal(gitLine(null), "no metadata recorded");
  assert.equal(gitLine({ ...base, branch: "main", head: "abc" }), "branch main @ abc, clean");
  assert.equal(
    gitLine({ ...base, head: "abc", dirty: true, status_summary: "2 modified", remote_url: "git@h:o/r.git" }),
    "detached HEAD @ abc, DIRTY at create time (2 modified), remote git@h:o/r.git",
  );
  assert.equal(gitLine({ ...base, branch: "a\u001bb" }), "branch a\\u{001B}b @ (no commits yet), clean");
});
