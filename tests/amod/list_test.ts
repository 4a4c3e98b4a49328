// deno-lint-ignore-file no-import-prefix -- the project pins every dependency in source (no import map)
import assert from "node:assert/strict";
import { Validator } from "npm:@cfworker/json-schema@4.1.6";
import {
  describeSnapshotList,
  listSnapshots,
  localMinute,
  readManifestSummary,
} from "../../lib/amod/list.ts";
import { absolutePath, findProjectRoot, resolveProjectRoot } from "../../lib/amod/project_root.ts";
import { main } from "../../lib/cli/main.ts";
import { type CliIo, memoryIo } from "../../lib/cli/io.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import { FIXTURE_DIR, FIXTURE_EXISTS } from "./fixture.ts";
import { buildArchive, FIXTURE_AMOD, fixtureMembers, withLists, writeTree } from "./_tamper.ts";

const ignore = !FIXTURE_EXISTS;
const FIXTURE_PATH = new URL(FIXTURE_AMOD, FIXTURE_DIR).pathname;
const SCHEMA = JSON.parse(
  await Deno.readTextFile(new URL("../../schemas/report.schema.json", import.meta.url)),
);

/** A project root with a marker and a snapshots directory. */
async function project(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "amod-list-" });
  await Deno.mkdir(`${root}/.agentmod/snapshots`, { recursive: true });
  await Deno.writeTextFile(`${root}/.agentmod/agentmod.toml`, "schema_version = 1\n");
  return root;
}

function ioAt(cwd: string): CliIo & { stdout: () => string; stderr: () => string } {
  return { ...memoryIo(), cwd: () => cwd };
}

function at(seconds: number): Date {
  return new Date(seconds * 1000);
}

Deno.test({
  name: "list shows .amod files newest first, ties by name, skipping directories and other names (L1)",
  ignore,
  async fn() {
    const root = await project();
    try {
      const dir = `${root}/.agentmod/snapshots`;
      for (const name of ["b.amod", "a.amod", "c.amod"]) await Deno.copyFile(FIXTURE_PATH, `${dir}/${name}`);
      await Deno.utime(`${dir}/c.amod`, at(1781181100), at(1781181100));
      await Deno.utime(`${dir}/b.amod`, at(1781181000), at(1781181000));
      await Deno.utime(`${dir}/a.amod`, at(1781181000), at(1781181000));
      await Deno.mkdir(`${dir}/x.amod`);
      await Deno.writeTextFile(`${dir}/notes.txt`, "x");
      const list = await listSnapshots(root, { limits: AMOD_LIMITS });
      assert.deepEqual(list.snapshots.map((s) => s.name), ["c.amod", "a.amod", "b.amod"]);
      assert.deepEqual(list.snapshots[0], {
        name: "c.amod",
        size: 8065,
        modified: "2026-06-11T12:31:40Z",
        created_at: "2026-06-11T12:30:45Z",
        agentmod_version: "test-version",
        platform: "testos/testarch",
        schema_version: 1,
        git: { branch: "main", head: "0123456789abcdef0123456789abcdef01234567", dirty: false },
        problem: null,
      });
      assert.equal(list.tree_package, null);
      assert.equal(
        describeSnapshotList(list)[0],
        `c.amod  8065 bytes  ${
          localMinute("2026-06-11T12:31:40Z")
        }  created 2026-06-11T12:30:45Z  test-version  branch main @ 0123456789ab, clean`,
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("list reports no snapshots when snapshots/ is missing (L2)", async () => {
  const root = await project();
  try {
    await Deno.remove(`${root}/.agentmod/snapshots`);
    const io = ioAt(root);
    assert.equal(await main(["list"], io), 0);
    assert.equal(io.stdout(), `no snapshots in ${root}/.agentmod/snapshots/\n`);
    assert.equal(io.stderr(), "");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("list outside any project without an argument is project-not-found, exit 1 (L3)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const io = ioAt(dir);
    assert.equal(await main(["list"], io), 1);
    assert.match(io.stderr(), /^error\[project-not-found\] /);
    assert.equal(io.stdout(), "");
    const json = ioAt(dir);
    assert.equal(await main(["list", "--json"], json), 1);
    const r = JSON.parse(json.stdout());
    assert.deepEqual(r.problems.map((p: { code: string }) => p.code), ["project-not-found"]);
    assert.deepEqual(r.snapshots, []);
    const missing = ioAt(dir);
    assert.equal(await main(["list", `${dir}/nope`], missing), 1);
    assert.match(missing.stderr(), /project-not-found/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "list --json prints the §6.13 object: unreadable snapshots listed with their first problem, the tree package last",
  ignore,
  async fn() {
    const root = await project();
    try {
      const dir = `${root}/.agentmod/snapshots`;
      await Deno.copyFile(FIXTURE_PATH, `${dir}/good.amod`);
      await Deno.writeTextFile(`${dir}/junk.amod`, "not a zip");
      await Deno.utime(`${dir}/junk.amod`, at(1781181000), at(1781181000));
      await Deno.utime(`${dir}/good.amod`, at(1781182000), at(1781182000));
      await writeTree(await fixtureMembers(), `${root}/.agentmod-handoff`);
      const io = ioAt(`${root}/.agentmod/claude`);
      await Deno.mkdir(`${root}/.agentmod/claude`);
      assert.equal(await main(["list", "--json"], io), 0);
      const r = JSON.parse(io.stdout());
      assert.deepEqual(Object.keys(r), [
        "report_version",
        "format",
        "operation",
        "input",
        "snapshots",
        "tree_package",
      ]);
      assert.equal(r.input, root);
      assert.deepEqual(r.snapshots[1], {
        name: "junk.amod",
        size: 9,
        modified: "2026-06-11T12:30:00Z",
        created_at: null,
        agentmod_version: null,
        platform: null,
        schema_version: null,
        git: null,
        problem: "zip-no-end-record",
      });
      assert.deepEqual(r.tree_package, {
        path: `${root}/.agentmod-handoff`,
        created_at: "2026-06-11T12:30:45Z",
      });
      const v = new Validator(SCHEMA, "7").validate(r);
      assert.ok(v.valid, JSON.stringify(v.errors.slice(0, 3)));

      const text = ioAt(root);
      assert.equal(await main(["list"], text), 0);
      const lines = text.stdout().trimEnd().split("\n");
      assert.equal(lines.length, 3);
      assert.match(
        lines[1]!,
        /^junk\.amod {2}9 bytes {2}\d{4}-\d{2}-\d{2} \d{2}:\d{2} {2}unreadable \(zip-no-end-record\)$/,
      );
      assert.equal(lines[2], `tree package: ${root}/.agentmod-handoff (created 2026-06-11T12:30:45Z)`);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "list reads each manifest with the given limits and reports why one cannot be read",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const members = await fixtureMembers();
      const bad = await withLists(
        members.map((m) =>
          m.name === "manifest.json"
            ? { ...m, content: new TextEncoder().encode('{"schema_version": 2}') }
            : m
        ),
      );
      await Deno.writeFile(`${dir}/bad.amod`, buildArchive(bad));
      const limits = { ...AMOD_LIMITS, maxMembers: 5 };
      assert.deepEqual(await readManifestSummary(FIXTURE_PATH, { limits }), { problem: "limit-members" });
      assert.deepEqual(await readManifestSummary(`${dir}/bad.amod`, { limits: AMOD_LIMITS }), {
        problem: "manifest-invalid",
      });
      assert.deepEqual(await readManifestSummary(dir, { limits: AMOD_LIMITS }), {
        problem: "input-unsupported",
      });
      const ok = await readManifestSummary(FIXTURE_PATH, { limits: AMOD_LIMITS });
      assert.ok("manifest" in ok && ok.manifest.platform === "testos/testarch");
      const io = ioAt(dir);
      assert.equal(await main(["list", dir, "--max-members", "x"], io), 2);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("findProjectRoot walks up to the first directory whose marker is a regular file", async () => {
  const root = await project();
  try {
    await Deno.mkdir(`${root}/a/b/.agentmod/agentmod.toml`, { recursive: true });
    await Deno.mkdir(`${root}/c/.agentmod`, { recursive: true });
    await Deno.symlink(`${root}/.agentmod/agentmod.toml`, `${root}/c/.agentmod/agentmod.toml`);
    // A marker that is a directory does not count; one that is a link to a file does.
    assert.equal(await findProjectRoot(`${root}/a/b`), root);
    assert.equal(await findProjectRoot(`${root}/c`), `${root}/c`);
    assert.equal(await findProjectRoot(`${root}/.agentmod`), root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("resolveProjectRoot makes a given root absolute without resolving links and requires a directory", async () => {
  const root = await project();
  try {
    await Deno.symlink(root, `${root}-link`);
    const name = `${root.split("/").pop()}-link`;
    const r = await resolveProjectRoot(`../${name}/.`, root);
    assert.deepEqual(r, { ok: true, root: `${root}/../${name}` });
    const file = await resolveProjectRoot(".agentmod/agentmod.toml", root);
    assert.ok(!file.ok && file.problem.code === "project-not-found");
    assert.equal(absolutePath("./a//b/", "/r"), "/r/a/b");
  } finally {
    await Deno.remove(`${root}-link`);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("list --help describes the command and exits 0", async () => {
  const io = memoryIo();
  assert.equal(await main(["list", "--help"], io), 0);
  assert.match(io.stdout(), /^ {2}handoff list \[project-root\] \[--json\] \[limits\]$/m);
  assert.match(io.stdout(), /--max-members N/);
  const two = memoryIo();
  assert.equal(await main(["list", "a", "b"], two), 2);
});
