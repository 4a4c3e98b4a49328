import assert from "node:assert/strict";
import {
  createTreePackage,
  DENO_SWAP_OPS,
  forceRemoveSync,
  swapInDirectory,
  type SwapOps,
  TREE_DIR,
  type TreeOptions,
  treeTargetState,
} from "../../lib/amod/tree.ts";
import { createSnapshot, type SnapshotOutcome } from "../../lib/amod/snapshot.ts";
import { parseRedaction } from "../../lib/amod/docs.ts";
import { validateSnapshot } from "../../lib/amod/verify.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import {
  externalCheck,
  FIXTURE_EXISTS,
  fixtureTree,
  makeProject,
  memberText,
  minimalTree,
  readArchive,
  removeProject,
  TEST_OPTIONS,
  type TreeEntry,
} from "./_trees.ts";
import { readFixture } from "./fixture.ts";

const decoder = new TextDecoder();

async function withProject<T>(entries: readonly TreeEntry[], f: (root: string) => Promise<T>): Promise<T> {
  const root = await makeProject(entries);
  try {
    return await f(root);
  } finally {
    await removeProject(root);
  }
}

async function treeOk(root: string, extra: Partial<TreeOptions> = {}) {
  const out = await createTreePackage({ root, ...TEST_OPTIONS, ...extra });
  if (!out.ok) throw new Error(`Refused: ${out.problems.map((p) => `${p.code}: ${p.message}`).join("; ")}`);
  assert.equal(out.snapshot.output, `${root}/${TREE_DIR}`);
  assert.equal(await externalCheck(out.snapshot.output), null);
  return out.snapshot;
}

function codes(out: SnapshotOutcome): string[] {
  assert.ok(!out.ok, "expected a refusal");
  return out.problems.map((p) => p.code);
}

/** Every entry below `dir` (not following links) with kind, perm and content or target. */
async function listing(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (abs: string, rel: string): Promise<void> => {
    const names: string[] = [];
    for await (const e of Deno.readDir(abs)) names.push(e.name);
    names.sort();
    for (const name of names) {
      const p = `${abs}/${name}`;
      const r = rel === "" ? name : `${rel}/${name}`;
      const info = await Deno.lstat(p);
      const perm = (info.mode! & 0o7777).toString(8);
      if (info.isSymlink) out.set(r, `link -> ${await Deno.readLink(p)}`);
      else if (info.isDirectory) {
        out.set(r, `dir ${perm}`);
        await walk(p, r);
      } else out.set(r, `file ${perm} ${decoder.decode(await Deno.readFile(p))}`);
    }
  };
  await walk(dir, "");
  return out;
}

/** Names in the project root that look like leftovers of a tree build. */
async function leftovers(root: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(root)) {
    if (e.name.startsWith(`${TREE_DIR}-`)) out.push(e.name);
  }
  return out;
}

Deno.test({
  name: "tree package of the fixture tree has the .amod's payload, inventory and checksum lines",
  ignore: !FIXTURE_EXISTS,
  async fn() {
    const { entries, git } = await fixtureTree();
    await withProject(entries, async (root) => {
      const tree = await treeOk(root, { git });
      assert.equal(tree.files, 10);
      assert.equal(tree.bytes, 168);
      const dir = tree.output;
      // inventory.json is the .amod's byte for byte; the manifest adds "for_git": true as last key.
      assert.equal(
        await Deno.readTextFile(`${dir}/inventory.json`),
        decoder.decode(await readFixture("root-members/inventory.json")),
      );
      const manifest = await Deno.readTextFile(`${dir}/manifest.json`);
      const fixtureManifest = decoder.decode(await readFixture("root-members/manifest.json"));
      assert.equal(manifest, fixtureManifest.replace(/\n {2}}\n}\n$/, '\n  },\n  "for_git": true\n}\n'));
      // Payload checksum lines equal the .amod's; only manifest and documents differ.
      const amod = await createSnapshot({ root, ...TEST_OPTIONS, git });
      assert.ok(amod.ok);
      const amodLines = memberText(await readArchive(amod.snapshot.output), "checksums.txt").split("\n");
      const treeLines = (await Deno.readTextFile(`${dir}/checksums.txt`)).split("\n");
      assert.deepEqual(
        treeLines.slice(1).map((l) => l.slice(66)),
        amodLines.slice(1).map((l) => l.slice(66)),
      );
      assert.equal(treeLines[1], amodLines[1]);
      assert.deepEqual(treeLines.slice(5), amodLines.slice(5));
      // Modes on disk are the recorded ones; symlinks stay symlinks.
      const l = await listing(dir);
      assert.equal(l.get("payload"), "dir 755");
      assert.equal(l.get("payload/.agentmod/codex/prompts"), "dir 700");
      assert.equal(l.get("payload/.agentmod/codex/prompts/x.md"), "file 600 private prompt\n");
      assert.equal(l.get("payload/.agentmod/claude/run.sh"), "file 755 #!/bin/sh\necho hi\n");
      assert.equal(l.get("payload/.agentmod/claude/link.toml"), "link -> ../agentmod.toml");
      assert.equal(l.get("manifest.json")?.slice(0, 8), "file 644");
      assert.ok(!l.has("payload/.agentmod/snapshots"));
      assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o755);
      const redaction = parseRedaction(await Deno.readTextFile(`${dir}/REDACTION.md`));
      // The tree policy also leaves out the (empty) logs directory, which holds no inventory entry.
      assert.deepEqual(redaction.excluded.map((x) => [x.path, x.rule]), [
        [".agentmod/claude/.env", "env-file"],
        [".agentmod/codex/auth.json", "auth-file"],
        [".agentmod/logs/", "log-data"],
        [".agentmod/snapshots/", "snapshots-output"],
      ]);
      const handoff = await Deno.readTextFile(`${dir}/HANDOFF.md`);
      assert.ok(handoff.includes("commit") && handoff.includes("Sessions, history and logs are left out"));
      const restore = await Deno.readTextFile(`${dir}/RESTORE.md`);
      assert.ok(restore.includes("payload/.agentmod"));
    });
  },
});

Deno.test("tree package is created, then replaced without leftovers (C23)", async () => {
  await withProject(
    minimalTree(
      { path: ".agentmod/claude/a.md", kind: "file", content: "a\n" },
      { path: ".agentmod/claude/b.md", kind: "file", content: "b\n" },
      { path: ".agentmod/ro", kind: "dir", perm: 0o500 },
      { path: ".agentmod/ro/f", kind: "file", perm: 0o400, content: "f" },
    ),
    async (root) => {
      const first = await treeOk(root);
      assert.equal(first.files, 4);
      const manifest = await Deno.readTextFile(`${root}/${TREE_DIR}/manifest.json`);
      assert.ok(manifest.endsWith('  "for_git": true\n}\n'), manifest);
      assert.equal((await listing(`${root}/${TREE_DIR}`)).get("payload/.agentmod/ro"), "dir 500");
      await Deno.remove(`${root}/.agentmod/claude/b.md`);
      const second = await treeOk(root);
      assert.equal(second.files, 3);
      const l = await listing(`${root}/${TREE_DIR}`);
      assert.ok(!l.has("payload/.agentmod/claude/b.md"));
      assert.ok(l.has("payload/.agentmod/claude/a.md"));
      assert.deepEqual(await leftovers(root), []);
    },
  );
});

Deno.test("tree package refuses a hard finding without touching a previous package (C7)", async () => {
  await withProject(
    minimalTree({ path: ".agentmod/notes.md", kind: "file", content: "ok\n" }),
    async (root) => {
      await treeOk(root);
      const before = await listing(`${root}/${TREE_DIR}`);
      await Deno.writeTextFile(`${root}/.agentmod/id.txt`, "-----BEGIN EC PRIVATE KEY-----\n");
      const out = await createTreePackage({ root, ...TEST_OPTIONS });
      assert.deepEqual(codes(out), ["secret-hard-finding"]);
      assert.ok(!out.ok && out.problems[0]?.member === ".agentmod/id.txt");
      // The advice must not suggest a flag that --for-git rejects.
      assert.ok(!out.ok && out.advice !== undefined && !/run again with --allow-findings/.test(out.advice));
      assert.ok(!out.ok && out.advice?.includes("not available with --for-git"));
      assert.deepEqual(await listing(`${root}/${TREE_DIR}`), before);
      assert.deepEqual(await leftovers(root), []);
    },
  );
});

Deno.test("tree package leaves out sessions and logs that an .amod keeps (C24)", async () => {
  await withProject(
    minimalTree(
      { path: ".agentmod/claude/projects/p/s.jsonl", kind: "file", content: "{}\n" },
      { path: ".agentmod/codex/history.jsonl", kind: "file", content: "{}\n" },
      { path: ".agentmod/codex/logs_2.sqlite", kind: "file", content: "db" },
    ),
    async (root) => {
      const tree = await treeOk(root);
      assert.deepEqual(tree.excluded.map((x) => [x.path, x.rule]), [
        [".agentmod/claude/projects/", "session-data"],
        [".agentmod/codex/history.jsonl", "session-data"],
        [".agentmod/codex/logs_2.sqlite", "log-data"],
      ]);
      const amod = await createSnapshot({ root, ...TEST_OPTIONS });
      assert.ok(amod.ok);
      assert.deepEqual(amod.snapshot.excluded.map((x) => x.rule), ["snapshots-output"]);
      assert.equal(amod.snapshot.files, 4);
    },
  );
});

Deno.test("tree package refuses a foreign directory or a non-directory target (C25)", async () => {
  await withProject(minimalTree(), async (root) => {
    const target = `${root}/${TREE_DIR}`;
    await Deno.mkdir(target);
    await Deno.writeTextFile(`${target}/notes.txt`, "mine");
    assert.deepEqual(codes(await createTreePackage({ root, ...TEST_OPTIONS })), ["tree-target-foreign"]);
    assert.equal(await Deno.readTextFile(`${target}/notes.txt`), "mine");
    await Deno.remove(target, { recursive: true });

    await Deno.writeTextFile(target, "a file");
    assert.deepEqual(codes(await createTreePackage({ root, ...TEST_OPTIONS })), [
      "tree-target-not-directory",
    ]);
    assert.equal(await Deno.readTextFile(target), "a file");
    await Deno.remove(target);

    await Deno.symlink(".agentmod", target);
    assert.deepEqual(codes(await createTreePackage({ root, ...TEST_OPTIONS })), [
      "tree-target-not-directory",
    ]);
    assert.ok((await Deno.lstat(target)).isSymlink);
    assert.deepEqual(await leftovers(root), []);
  });
});

Deno.test("tree package replaces a directory whose manifest.json is of any kind", async () => {
  await withProject(minimalTree(), async (root) => {
    const target = `${root}/${TREE_DIR}`;
    await Deno.mkdir(`${target}/manifest.json`, { recursive: true });
    assert.equal(await treeTargetState(target), "previous-package");
    await treeOk(root);
    assert.ok((await Deno.lstat(`${target}/manifest.json`)).isFile);
  });
});

Deno.test("tree package applies recorded perms through descriptors, not by the umask's grace", async () => {
  // C27 itself (umask 077) runs in a child process in tests/cli/snapshot_test.ts: the umask is
  // process-wide and would leak into tests running in parallel.
  await withProject(
    minimalTree(
      { path: ".agentmod/g", kind: "dir", perm: 0o775 },
      { path: ".agentmod/g/shared.sh", kind: "file", perm: 0o775, content: "#!/bin/sh\n" },
      { path: ".agentmod/g/pub", kind: "file", perm: 0o666, content: "p" },
    ),
    async (root) => {
      await treeOk(root);
      const l = await listing(`${root}/${TREE_DIR}`);
      assert.equal(l.get("payload/.agentmod/g"), "dir 775");
      assert.equal(l.get("payload/.agentmod/g/shared.sh")?.slice(0, 8), "file 775");
      assert.equal(l.get("payload/.agentmod/g/pub")?.slice(0, 8), "file 666");
      assert.equal(l.get("manifest.json")?.slice(0, 8), "file 644");
      assert.equal(l.get("payload"), "dir 755");
    },
  );
});

Deno.test("tree package is the same with and without the read-ahead thread", async () => {
  const entries: TreeEntry[] = [];
  for (let i = 0; i < 30; i++) {
    entries.push({ path: `.agentmod/d/f${i}`, kind: "file", content: "line\n".repeat(i) });
  }
  entries.push({ path: ".agentmod/big", kind: "file", content: "y".repeat(4 * 1024 * 1024 + 3) });
  await withProject(minimalTree(...entries), async (root) => {
    await treeOk(root, { readAhead: false });
    const direct = await listing(`${root}/${TREE_DIR}`);
    await treeOk(root, { readAhead: true });
    assert.deepEqual(await listing(`${root}/${TREE_DIR}`), direct);
  });
});

Deno.test("tree package fails with source-changed and removes its partial directory", async () => {
  await withProject(minimalTree({ path: ".agentmod/f", kind: "file", content: "f" }), async (root) => {
    const out = await createTreePackage({
      root,
      ...TEST_OPTIONS,
      readAhead: true,
      afterPlan: async () => {
        await Deno.remove(`${root}/.agentmod/f`);
        await Deno.mkdir(`${root}/.agentmod/f`);
      },
    });
    assert.deepEqual(codes(out), ["source-changed"]);
    assert.deepEqual(await leftovers(root), []);
    assert.equal(await treeTargetState(`${root}/${TREE_DIR}`), "absent");
  });
});

Deno.test("tree package validates like its .amod counterpart, including a symlinked marker", async () => {
  await withProject(
    [
      { path: ".agentmod/real.toml", kind: "file", content: "schema_version = 1\n" },
      { path: ".agentmod/agentmod.toml", kind: "symlink", target: "real.toml" },
      { path: ".agentmod/e", kind: "dir" },
    ],
    async (root) => {
      const tree = await treeOk(root);
      const report = await validateSnapshot(tree.output, { limits: AMOD_LIMITS });
      assert.equal(report.valid, true);
      assert.deepEqual(report.problems, []);
    },
  );
});

// ── swap-in (amod.md §4.11) with injected failures ──

async function swapFixture(): Promise<{ base: string; partial: string; target: string }> {
  const base = await Deno.makeTempDir({ prefix: "handoff-swap-" });
  const partial = `${base}/${TREE_DIR}-partial-x`;
  const target = `${base}/${TREE_DIR}`;
  await Deno.mkdir(partial);
  await Deno.writeTextFile(`${partial}/manifest.json`, "new");
  await Deno.mkdir(target);
  await Deno.writeTextFile(`${target}/manifest.json`, "old");
  return { base, partial, target };
}

function failing(when: (from: string, to: string) => boolean): SwapOps {
  return {
    ...DENO_SWAP_OPS,
    rename: (from, to) => {
      if (when(from, to)) throw new Deno.errors.PermissionDenied("injected failure");
      DENO_SWAP_OPS.rename(from, to);
    },
  };
}

Deno.test("swap-in replaces the previous tree and removes it", async () => {
  const { base, partial, target } = await swapFixture();
  try {
    assert.deepEqual(swapInDirectory(partial, target, true), { ok: true });
    assert.equal(await Deno.readTextFile(`${target}/manifest.json`), "new");
    assert.deepEqual([...Deno.readDirSync(base)].map((e) => e.name), [TREE_DIR]);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("swap-in moves the previous tree back when the new one cannot be moved in", async () => {
  const { base, partial, target } = await swapFixture();
  try {
    const out = swapInDirectory(partial, target, true, failing((from) => from === partial));
    assert.ok(!out.ok && out.problem.code === "io-error" && out.partialLeft);
    assert.ok(!out.ok && out.problem.message.includes("back at"));
    assert.equal(await Deno.readTextFile(`${target}/manifest.json`), "old");
    assert.deepEqual([...Deno.readDirSync(base)].map((e) => e.name).sort(), [
      TREE_DIR,
      `${TREE_DIR}-partial-x`,
    ]);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("swap-in says where the previous tree is when moving it back fails too", async () => {
  const { base, partial, target } = await swapFixture();
  try {
    const out = swapInDirectory(
      partial,
      target,
      true,
      failing((from, to) => from === partial || to === target),
    );
    assert.ok(!out.ok && !out.partialLeft);
    const old = [...Deno.readDirSync(base)].map((e) => e.name).find((n) => n.startsWith(`${TREE_DIR}-old-`));
    assert.ok(old !== undefined);
    assert.ok(!out.ok && out.problem.message.includes(`${base}/${old}`));
    assert.equal(await Deno.readTextFile(`${base}/${old}/manifest.json`), "old");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("swap-in reports an old tree it could not remove, with the new one in place", async () => {
  const { base, partial, target } = await swapFixture();
  try {
    let reserved = false;
    const ops: SwapOps = {
      ...DENO_SWAP_OPS,
      removeTree: (path) => {
        // The first removal is the reservation of the name; the second the old tree.
        if (reserved) throw new Deno.errors.PermissionDenied("injected failure");
        reserved = true;
        DENO_SWAP_OPS.removeTree(path);
      },
    };
    const out = swapInDirectory(partial, target, true, ops);
    assert.ok(!out.ok && out.problem.code === "io-error" && !out.partialLeft);
    assert.equal(await Deno.readTextFile(`${target}/manifest.json`), "new");
    assert.ok(!out.ok && out.problem.message.includes("remains at"));
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("tree package reports a failed swap-in and keeps the previous package", async () => {
  await withProject(minimalTree({ path: ".agentmod/a", kind: "file", content: "1" }), async (root) => {
    await treeOk(root);
    const before = await listing(`${root}/${TREE_DIR}`);
    await Deno.writeTextFile(`${root}/.agentmod/a`, "2");
    const out = await createTreePackage({
      root,
      ...TEST_OPTIONS,
      swapOps: failing((from) => from.includes("-partial-")),
    });
    assert.deepEqual(codes(out), ["io-error"]);
    assert.deepEqual(await listing(`${root}/${TREE_DIR}`), before);
    assert.deepEqual(await leftovers(root), []);
  });
});

Deno.test("forceRemoveSync removes trees holding read-only directories without following links", async () => {
  const base = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${base}/keep`);
    await Deno.writeTextFile(`${base}/keep/file`, "k");
    await Deno.mkdir(`${base}/t/ro/deeper`, { recursive: true });
    await Deno.symlink(`${base}/keep`, `${base}/t/ro/link`);
    await Deno.chmod(`${base}/t/ro/deeper`, 0o500);
    await Deno.chmod(`${base}/t/ro`, 0o500);
    forceRemoveSync(`${base}/t`);
    assert.deepEqual([...Deno.readDirSync(base)].map((e) => e.name), ["keep"]);
    assert.equal(await Deno.readTextFile(`${base}/keep/file`), "k");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
