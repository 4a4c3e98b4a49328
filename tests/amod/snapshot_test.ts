import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import {
  createSnapshot,
  defaultOutputPath,
  loadPackRuntime,
  PayloadPacker,
  renderRootMembers,
  type SnapshotOptions,
  type SnapshotOutcome,
} from "../../lib/amod/snapshot.ts";
import { CreateFailure, type PlannedFile, planSnapshot, type SnapshotPlan } from "../../lib/amod/walk.ts";
import { parseRedaction } from "../../lib/amod/docs.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import { readFixture } from "./fixture.ts";
import {
  externalCheck,
  FIXTURE_EXISTS,
  FIXTURE_SECONDS,
  fixtureTree,
  makeProject,
  memberText,
  minimalTree,
  readArchive,
  type ReadMember,
  removeProject,
  TEST_OPTIONS,
  type TreeEntry,
} from "./_trees.ts";

const RUNS = Number(Deno.env.get("HANDOFF_PROPERTY_RUNS") ?? "100") || 100;
const DOCS = new Set(["REDACTION.md", "HANDOFF.md", "RESTORE.md"]);
const decoder = new TextDecoder();

/** Runs `f` on a fresh project and removes it afterwards. */
async function withProject<T>(entries: readonly TreeEntry[], f: (root: string) => Promise<T>): Promise<T> {
  const root = await makeProject(entries);
  try {
    return await f(root);
  } finally {
    await removeProject(root);
  }
}

/** Creates a snapshot with the fixture's clock, version and platform and asserts success. */
async function snapshotOk(root: string, extra: Partial<SnapshotOptions> = {}) {
  const out = await createSnapshot({ root, ...TEST_OPTIONS, ...extra });
  if (!out.ok) throw new Error(`Refused: ${out.problems.map((p) => `${p.code}: ${p.message}`).join("; ")}`);
  const problem = await externalCheck(out.snapshot.output, extra.limits ?? AMOD_LIMITS);
  assert.equal(problem, null, `§7.2 invariant: ${problem}`);
  return out.snapshot;
}

function refused(out: SnapshotOutcome): readonly { code: string; member: string | null; message: string }[] {
  assert.ok(!out.ok, "expected a refusal");
  return out.problems;
}

/** Entries of a directory whose names start with `prefix`. */
async function leftovers(dir: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.name.startsWith(prefix)) out.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out;
}

function byName(members: readonly ReadMember[]): Map<string, ReadMember> {
  return new Map(members.map((m) => [m.name, m]));
}

function inventoryPaths(members: readonly ReadMember[]): string[] {
  const inv = JSON.parse(memberText(members, "inventory.json")) as { files: { path: string }[] | null };
  return (inv.files ?? []).map((f) => f.path);
}

Deno.test({
  name: "snapshot of the fixture tree matches the fixture's JSON members, checksums and member table (C1)",
  ignore: !FIXTURE_EXISTS,
  async fn() {
    const { entries, git, projectName } = await fixtureTree();
    await withProject(entries, async (root) => {
      const s = await snapshotOk(root, { git });
      assert.equal(s.output, `${root}/.agentmod/snapshots/${projectName}-20260611-123045.amod`);
      assert.equal(s.files, 10);
      assert.equal(s.bytes, 168);
      assert.equal(s.members, 25);
      assert.deepEqual(s.excluded.map((x) => [x.path, x.rule]), [
        [".agentmod/claude/.env", "env-file"],
        [".agentmod/codex/auth.json", "auth-file"],
        [".agentmod/snapshots/", "snapshots-output"],
      ]);
      assert.deepEqual(s.findings, [{
        path: ".agentmod/claude/notes.md",
        pattern: "api-key",
        line: 2,
        hard: false,
      }]);

      const members = await readArchive(s.output);
      for (const name of ["manifest.json", "inventory.json"]) {
        assert.equal(
          memberText(members, name),
          decoder.decode(await readFixture(`root-members/${name}`)),
          name,
        );
      }
      // checksums.txt: every line equal except the three documents', which hash our own text.
      const ours = memberText(members, "checksums.txt").split("\n");
      const theirs = decoder.decode(await readFixture("root-members/checksums.txt")).split("\n");
      assert.equal(ours.length, theirs.length);
      const rt = await loadPackRuntime();
      ours.forEach((line, i) => {
        const name = line.slice(66);
        assert.equal(name, theirs[i]?.slice(66));
        if (DOCS.has(name)) {
          const doc = members.find((m) => m.name === name) as ReadMember;
          assert.equal(line.slice(0, 64), rt.createHash("sha256").update(doc.content).digest("hex"), name);
        } else assert.equal(line, theirs[i], name);
      });

      // The member table of members.txt: order, name, kind, perm, method, flags, size (except the
      // documents and checksums.txt, whose text is ours), host/version, external attributes.
      const table = decoder.decode(await readFixture("members.txt")).split("\n").filter((l) =>
        l !== "" && !l.startsWith("#")
      );
      assert.equal(members.length, table.length);
      table.forEach((row, i) => {
        const [order, name, type, perm, method, flags, size, creator, attrs] = row.split("|").map((c) =>
          c.trim()
        );
        const m = members[i] as ReadMember;
        assert.equal(Number(order), i + 1);
        assert.equal(m.name, name);
        assert.equal(m.kind === "directory" ? "dir" : m.kind, type, name);
        assert.equal(m.perm.toString(8).padStart(4, "0"), perm, name);
        assert.equal(m.method === 0 ? "store" : "deflate", method, name);
        assert.equal(`0x${m.flags.toString(16).padStart(4, "0")}`, flags, name);
        if (!DOCS.has(name as string) && name !== "checksums.txt") assert.equal(String(m.size), size, name);
        assert.equal(`${m.versionMadeBy >> 8}.${m.versionMadeBy & 0xff}`, creator, name);
        assert.equal(`0x${m.externalAttributes.toString(16).padStart(8, "0")}`, attrs, name);
        assert.equal(m.dosTime, 0x63d6);
        assert.equal(m.dosDate, 0x5ccb);
      });
      // Every local and central header carries the extended timestamp of T.
      const bytes = await Deno.readFile(s.output);
      const stamp = [0x55, 0x54, 0x05, 0x00, 0x01, 0x75, 0xaa, 0x2a, 0x6a];
      let count = 0;
      for (let i = 0; i + stamp.length <= bytes.length; i++) {
        if (stamp.every((b, j) => bytes[i + j] === b)) count++;
      }
      assert.equal(count, 2 * members.length);

      // REDACTION.md by its parsed tokens (§1.13), HANDOFF.md and RESTORE.md by their facts.
      const redaction = parseRedaction(memberText(members, "REDACTION.md"));
      assert.equal(redaction.firstLine, "# Redaction report");
      assert.deepEqual(redaction.headings, ["## Excluded from the payload", "## Secret-candidate scan"]);
      assert.deepEqual(
        redaction.excluded.map((x) => [x.path, x.rule]),
        s.excluded.map((x) => [x.path, x.rule]),
      );
      assert.deepEqual(redaction.findings, [{
        path: ".agentmod/claude/notes.md",
        line: 2,
        pattern: "api-key",
        hard: false,
      }]);
      assert.deepEqual(redaction.strayItems, []);
      const handoff = memberText(members, "HANDOFF.md");
      for (
        const fact of [
          "demo-project",
          "2026-06-11T12:30:45Z",
          "test-version",
          "testos/testarch",
          "10 files",
          "168 bytes",
        ]
      ) {
        assert.ok(handoff.includes(fact), fact);
      }
      const restore = memberText(members, "RESTORE.md");
      assert.ok(restore.indexOf("handoff restore") < restore.indexOf("agentmod handoff restore"));
      assert.ok(restore.includes("codex login"));
      // The output is a private file.
      assert.equal((await Deno.stat(s.output)).mode! & 0o777, 0o600);
      assert.deepEqual(await leftovers(`${root}/.agentmod/snapshots`, ".amod-partial-"), []);
    });
  },
});

Deno.test("snapshot is byte-identical for the same inputs, with the same default name (C2)", async () => {
  await withProject(
    minimalTree(
      { path: ".agentmod/claude/settings.json", kind: "file", content: '{"hooks":{}}\n' },
      { path: ".agentmod/claude/big.txt", kind: "file", content: "line of text\n".repeat(100_000) },
      { path: ".agentmod/claude/l", kind: "symlink", target: "settings.json" },
    ),
    async (root) => {
      const git = { branch: "main", dirty: false, status_summary: "clean", source_included: false };
      const first = await snapshotOk(root, { git });
      const bytes1 = await Deno.readFile(first.output);
      await Deno.remove(first.output);
      const second = await snapshotOk(root, { git });
      assert.equal(second.output, first.output);
      assert.equal(second.output, defaultOutputPath(root, FIXTURE_SECONDS));
      assert.deepEqual(await Deno.readFile(second.output), bytes1);
    },
  );
});

Deno.test("snapshot writes the same bytes with and without the read-ahead thread", async () => {
  const many: TreeEntry[] = [];
  for (let i = 0; i < 40; i++) {
    many.push({
      path: `.agentmod/d${i % 3}/f${i}.md`,
      kind: "file",
      content: `file ${i}\napi_key=${i}\n`.repeat(i),
    });
  }
  many.push({ path: ".agentmod/big.log", kind: "file", content: "x".repeat(5 * 1024 * 1024 + 17) });
  many.push({ path: ".agentmod/zeros", kind: "file", content: new Uint8Array(3 * 1024 * 1024) });
  many.push({ path: ".agentmod/empty", kind: "file", content: "" });
  await withProject(minimalTree(...many), async (root) => {
    const direct = await snapshotOk(root, { readAhead: false, output: `${root}/direct.amod` });
    const ahead = await snapshotOk(root, { readAhead: true, output: `${root}/ahead.amod` });
    assert.deepEqual(await Deno.readFile(ahead.output), await Deno.readFile(direct.output));
    assert.deepEqual(ahead.findings, direct.findings);
    assert.equal(ahead.findings.length, 780); // one per "api_key=" line: 0 + 1 + … + 39
  });
});

Deno.test("snapshot never replaces an existing output: file, directory or dangling link (C4)", async () => {
  await withProject(minimalTree(), async (root) => {
    const output = defaultOutputPath(root, FIXTURE_SECONDS);
    const dir = output.slice(0, output.lastIndexOf("/"));
    await Deno.mkdir(dir, { recursive: true });
    const cases: [string, () => Promise<void>, () => Promise<void>][] = [
      ["file", () => Deno.writeTextFile(output, "keep me"), async () => {
        assert.equal(await Deno.readTextFile(output), "keep me");
      }],
      ["directory", () => Deno.mkdir(output), async () => {
        assert.ok((await Deno.lstat(output)).isDirectory);
      }],
      ["dangling symlink", () => Deno.symlink("nowhere", output), async () => {
        assert.equal(await Deno.readLink(output), "nowhere");
      }],
    ];
    for (const [what, make, check] of cases) {
      await make();
      const out = await createSnapshot({ root, ...TEST_OPTIONS });
      assert.deepEqual(refused(out).map((p) => p.code), ["output-exists"], what);
      await check();
      assert.deepEqual(await leftovers(dir, ".amod-partial-"), [], what);
      await Deno.remove(output, { recursive: true });
    }
  });
});

Deno.test("snapshot refuses a hard finding, naming path and line, and leaves nothing (C5)", async () => {
  await withProject(
    minimalTree({
      path: ".agentmod/claude/key.txt",
      kind: "file",
      content: "note\n-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n",
    }),
    async (root) => {
      const out = await createSnapshot({ root, ...TEST_OPTIONS });
      const problems = refused(out);
      assert.deepEqual(problems.map((p) => [p.code, p.member]), [[
        "secret-hard-finding",
        ".agentmod/claude/key.txt",
      ]]);
      assert.ok(problems[0]?.message.includes(".agentmod/claude/key.txt line 2 (private-key)"));
      assert.ok(!out.ok && out.advice?.includes("--allow-findings"));
      // No scanned text is ever repeated.
      assert.ok(!JSON.stringify(out).includes("OPENSSH"));
      assert.deepEqual(await leftovers(`${root}/.agentmod/snapshots`, ""), []);
    },
  );
});

Deno.test("snapshot with allowFindings packs a hard finding and marks it (C6)", async () => {
  await withProject(
    minimalTree({ path: ".agentmod/k", kind: "file", content: "-----BEGIN RSA PRIVATE KEY-----\n" }),
    async (root) => {
      const s = await snapshotOk(root, { allowFindings: true });
      assert.deepEqual(s.findings, [{ path: ".agentmod/k", pattern: "private-key", line: 1, hard: true }]);
      const text = memberText(await readArchive(s.output), "REDACTION.md");
      const line = text.split("\n").find((l) => l.startsWith("- `.agentmod/k` line 1 — private-key"));
      assert.ok(line?.includes("(HARD finding"), line);
    },
  );
});

Deno.test("snapshot lists findings by pattern order, then line (C12)", async () => {
  const content = ["a", "api_key=1", "c", "d", "e", "f", "g", "h", "api_key = 2; secret: x", "j"].join("\n");
  await withProject(minimalTree({ path: ".agentmod/f.env.txt", kind: "file", content }), async (root) => {
    const s = await snapshotOk(root);
    assert.deepEqual(s.findings.map((f) => [f.pattern, f.line]), [["api-key", 2], ["api-key", 9], [
      "secret",
      9,
    ]]);
  });
});

Deno.test("snapshot skips binary files in the scan and counts them (C13)", async () => {
  const bytes = new Uint8Array(20_000);
  bytes.set(new TextEncoder().encode("-----BEGIN OPENSSH PRIVATE KEY-----\n"), 10_000);
  bytes[100] = 0;
  await withProject(
    minimalTree({ path: ".agentmod/blob.bin", kind: "file", content: bytes }),
    async (root) => {
      const s = await snapshotOk(root);
      assert.deepEqual(s.findings, []);
      assert.equal(s.binarySkipped, 1);
      const members = byName(await readArchive(s.output));
      assert.deepEqual(members.get("payload/.agentmod/blob.bin")?.content, bytes);
    },
  );
});

Deno.test("snapshot stores a member whose deflate ratio would exceed the limit (C19)", async () => {
  const zeros = new Uint8Array(2 * 1024 * 1024);
  await withProject(minimalTree({ path: ".agentmod/zeros", kind: "file", content: zeros }), async (root) => {
    const s = await snapshotOk(root);
    const m = byName(await readArchive(s.output)).get("payload/.agentmod/zeros") as ReadMember;
    assert.equal(m.method, 0);
    assert.equal(m.size, zeros.length);
    assert.equal(m.compressedSize, zeros.length);
    const inv = JSON.parse(memberText(await readArchive(s.output), "inventory.json"));
    assert.equal(
      inv.files.find((f: { path: string }) => f.path === "payload/.agentmod/zeros").size,
      zeros.length,
    );
    // With the ratio limit disabled the same member is deflated.
    await Deno.remove(s.output);
    const limits = { ...AMOD_LIMITS, maxRatio: 0 };
    const d = await snapshotOk(root, { limits });
    assert.equal(byName(await readArchive(d.output, limits)).get("payload/.agentmod/zeros")?.method, 8);
  });
});

Deno.test("snapshot writes empty directories as members without inventory entries (C21)", async () => {
  await withProject(
    minimalTree({ path: ".agentmod/logs", kind: "dir" }, {
      path: ".agentmod/node",
      kind: "dir",
      perm: 0o700,
    }),
    async (root) => {
      const s = await snapshotOk(root);
      const members = await readArchive(s.output);
      const m = byName(members);
      assert.equal(m.get("payload/.agentmod/logs/")?.kind, "directory");
      assert.equal(m.get("payload/.agentmod/node/")?.perm, 0o700);
      assert.deepEqual(inventoryPaths(members), ["payload/.agentmod/agentmod.toml"]);
      assert.equal(s.files, 1);
    },
  );
});

Deno.test("snapshot writes an empty inventory as null and a checksum line per symlink", async () => {
  await withProject(
    [
      { path: ".agentmod/real.toml", kind: "file", content: "schema_version = 1\n" },
      { path: ".agentmod/agentmod.toml", kind: "symlink", target: "real.toml" },
    ],
    async (root) => {
      const s = await snapshotOk(root);
      const members = await readArchive(s.output);
      const inv = JSON.parse(memberText(members, "inventory.json"));
      assert.deepEqual(
        inv.files.map((f: { path: string; symlink_target?: string }) => [f.path, f.symlink_target]),
        [
          ["payload/.agentmod/agentmod.toml", "real.toml"],
          ["payload/.agentmod/real.toml", undefined],
        ],
      );
      const checksums = memberText(members, "checksums.txt").split("\n");
      assert.ok(checksums.some((l) => l.endsWith("  payload/.agentmod/agentmod.toml")));
    },
  );
  const members = await renderRootMembers({
    form: "amod",
    projectName: "p",
    manifest: {
      schema_version: 1,
      created_at: "2026-06-11T12:30:45Z",
      agentmod_version: "v",
      platform: "a/b",
    },
    inventory: [],
    excluded: [],
    findings: [],
    binarySkipped: 0,
  });
  assert.equal(decoder.decode(members[1]?.bytes), '{\n  "files": null\n}\n');
  assert.equal(decoder.decode(members[5]?.bytes).split("\n").length, 6);
});

Deno.test("snapshot escapes & in the branch name as Go does (C28)", async () => {
  await withProject(minimalTree(), async (root) => {
    const git = { branch: "feat&<x>", dirty: false, status_summary: "clean", source_included: false };
    const s = await snapshotOk(root, { git });
    const manifest = memberText(await readArchive(s.output), "manifest.json");
    assert.ok(manifest.includes('"branch": "feat\\u0026\\u003cx\\u003e"'), manifest);
    assert.ok(!manifest.includes('"head"'));
  });
});

Deno.test("snapshot omits the git key without git state", async () => {
  await withProject(minimalTree(), async (root) => {
    const s = await snapshotOk(root);
    const manifest = memberText(await readArchive(s.output), "manifest.json");
    assert.ok(!manifest.includes('"git"'));
    assert.ok(!manifest.includes('"for_git"'));
  });
});

Deno.test("snapshot fails with source-changed when a file became a directory between phases (C26)", async () => {
  await withProject(
    minimalTree({ path: ".agentmod/a/x.md", kind: "file", content: "x\n" }, {
      path: ".agentmod/b.md",
      kind: "file",
    }),
    async (root) => {
      const out = await createSnapshot({
        root,
        ...TEST_OPTIONS,
        afterPlan: async () => {
          await Deno.remove(`${root}/.agentmod/a/x.md`);
          await Deno.mkdir(`${root}/.agentmod/a/x.md`);
        },
      });
      assert.deepEqual(refused(out).map((p) => [p.code, p.member]), [["source-changed", ".agentmod/a/x.md"]]);
      assert.deepEqual(await leftovers(`${root}/.agentmod/snapshots`, ""), []);
    },
  );
});

Deno.test("snapshot fails with source-changed for vanished files, files turned links and changed link targets", async () => {
  const tree = minimalTree(
    { path: ".agentmod/f", kind: "file", content: "f\n" },
    { path: ".agentmod/l", kind: "symlink", target: "f" },
  );
  const faults: [string, (root: string) => Promise<void>, string][] = [
    ["vanished file", (root) => Deno.remove(`${root}/.agentmod/f`), ".agentmod/f"],
    ["file turned link", async (root) => {
      await Deno.remove(`${root}/.agentmod/f`);
      await Deno.symlink("agentmod.toml", `${root}/.agentmod/f`);
    }, ".agentmod/f"],
    ["link target changed", async (root) => {
      await Deno.remove(`${root}/.agentmod/l`);
      await Deno.symlink("agentmod.toml", `${root}/.agentmod/l`);
    }, ".agentmod/l"],
    ["link turned file", async (root) => {
      await Deno.remove(`${root}/.agentmod/l`);
      await Deno.writeTextFile(`${root}/.agentmod/l`, "f");
    }, ".agentmod/l"],
  ];
  for (const readAhead of [false, true]) {
    for (const [what, fault, member] of faults) {
      await withProject(tree, async (root) => {
        const out = await createSnapshot({ root, ...TEST_OPTIONS, readAhead, afterPlan: () => fault(root) });
        assert.deepEqual(refused(out).map((p) => [p.code, p.member]), [["source-changed", member]], what);
        assert.deepEqual(await leftovers(`${root}/.agentmod/snapshots`, ""), [], what);
      });
    }
  }
});

Deno.test("payload packer fails with source-changed when the second read differs", async () => {
  await withProject(minimalTree({ path: ".agentmod/f", kind: "file", content: "one\n" }), async (root) => {
    const planned = planSnapshot({ root, form: "amod" });
    if (!planned.ok) throw new Error("plan refused");
    const plan: SnapshotPlan = planned.plan;
    const files = plan.entries.filter((e): e is PlannedFile => e.kind === "file");
    assert.deepEqual(files.map((e) => e.relPath), [".agentmod/agentmod.toml", ".agentmod/f"]);
    const [marker, entry] = files as [PlannedFile, PlannedFile];
    for (const readAhead of [false, true]) {
      await Deno.writeTextFile(`${root}/.agentmod/f`, "one\n");
      const packer = new PayloadPacker(plan, await loadPackRuntime(), AMOD_LIMITS, undefined, readAhead);
      try {
        // Files are packed in walk order: the marker comes first.
        assert.equal((await Array.fromAsync(packer.fileChunks(marker, 1))).length, 1);
        assert.equal((await Array.fromAsync(packer.fileChunks(entry, 1))).length, 1);
        // An unchanged second read passes.
        assert.equal((await Array.fromAsync(packer.fileChunks(entry, 2))).length, 1);
        await Deno.writeTextFile(`${root}/.agentmod/f`, "two\n");
        await assert.rejects(
          () => Array.fromAsync(packer.fileChunks(entry, 2)),
          (err: unknown) => err instanceof CreateFailure && err.problems[0]?.code === "source-changed",
        );
        assert.deepEqual(packer.inventory.map((e) => e.path), [
          "payload/.agentmod/agentmod.toml",
          "payload/.agentmod/f",
        ]);
      } finally {
        packer.close();
      }
    }
  });
});

Deno.test("snapshot repeats the byte limit in the write phase with the root members", async () => {
  await withProject(
    minimalTree({ path: ".agentmod/grows", kind: "file", content: "0123456789" }),
    async (root) => {
      const planned = 19 + 10;
      // A file growing between the phases, read directly and read ahead.
      for (const readAhead of [false, true]) {
        const grow = await createSnapshot({
          root,
          ...TEST_OPTIONS,
          readAhead,
          limits: { ...AMOD_LIMITS, maxTotalBytes: planned + 50 },
          afterPlan: () => Deno.writeTextFile(`${root}/.agentmod/grows`, "x".repeat(100), { append: true }),
        });
        assert.deepEqual(refused(grow).map((p) => p.code), ["limit-total-bytes"]);
        assert.deepEqual(await leftovers(`${root}/.agentmod/snapshots`, ""), []);
        await Deno.writeTextFile(`${root}/.agentmod/grows`, "0123456789");
      }
      // The payload fits exactly, but the root members do not.
      const tight = await createSnapshot({
        root,
        ...TEST_OPTIONS,
        limits: { ...AMOD_LIMITS, maxTotalBytes: planned },
      });
      assert.deepEqual(refused(tight).map((p) => p.code), ["limit-total-bytes"]);
      assert.deepEqual(await leftovers(`${root}/.agentmod/snapshots`, ""), []);
    },
  );
});

Deno.test("snapshot to an output inside .agentmod skips its own file silently", async () => {
  await withProject(minimalTree({ path: ".agentmod/out", kind: "dir" }), async (root) => {
    const output = `${root}/.agentmod/out/mine.amod`;
    const s = await snapshotOk(root, { output });
    assert.equal(s.output, output);
    assert.deepEqual(s.excluded.map((x) => x.rule), []);
    const names = (await readArchive(output)).map((m) => m.name);
    assert.ok(names.includes("payload/.agentmod/out/"));
    assert.ok(!names.some((n) => n.includes("mine.amod") || n.includes(".amod-partial-")));
    // A relative output is taken against the working directory, and missing parents are created.
    assert.ok(
      (await snapshotOk(root, { output: `${root}/new/dir/x.amod` })).output.endsWith("/new/dir/x.amod"),
    );
  });
});

Deno.test("snapshot refuses when .agentmod is missing or not a directory", async () => {
  await withProject([], async (root) => {
    assert.deepEqual(refused(await createSnapshot({ root, ...TEST_OPTIONS })).map((p) => p.code), [
      "agentmod-dir-missing",
    ]);
    // Nothing was created, not even the snapshots directory.
    assert.deepEqual(await leftovers(root, ""), []);
  });
  await withProject([{ path: ".agentmod", kind: "symlink", target: "/tmp" }], async (root) => {
    assert.deepEqual(refused(await createSnapshot({ root, ...TEST_OPTIONS })).map((p) => p.code), [
      "agentmod-dir-not-directory",
    ]);
  });
});

Deno.test("snapshot records perms, not the process umask, and never writes special mode bits", async () => {
  await withProject(
    minimalTree(
      { path: ".agentmod/ro", kind: "file", perm: 0o444, content: "r" },
      { path: ".agentmod/x", kind: "file", perm: 0o4755, content: "x" },
      { path: ".agentmod/d", kind: "dir", perm: 0o1777 },
    ),
    async (root) => {
      const s = await snapshotOk(root);
      const m = byName(await readArchive(s.output));
      assert.equal(m.get("payload/.agentmod/ro")?.externalAttributes, 0x81240001);
      assert.equal(m.get("payload/.agentmod/x")?.unixMode, 0o100755);
      assert.equal(m.get("payload/.agentmod/d/")?.unixMode, 0o040777);
    },
  );
});

// ── §7.2 invariant as a property: whatever the tree, create's output validates ──

const NAMES = [
  "a",
  "B",
  "b",
  ".env",
  "auth.json",
  "node_modules",
  "tmp",
  "x.md",
  "\u00e9",
  "e\u0301",
  "snapshots",
  "sessions",
  ".git",
  ".aws",
  "a\\b",
  "~tilde",
  "\u{1F600}",
];
const TARGETS = ["a", "../a", "../../x", "/etc/passwd", "b/../a", "..", ".", "x.md", "a/a", ""];
const CONTENTS = [
  "",
  "hello\n",
  "api_key = 1\n",
  "-----BEGIN RSA PRIVATE KEY-----\n",
  "bin\u0000ary",
  "line\r\nnext",
];

type RandomNode =
  | { kind: "file"; name: string; perm: number; content: string }
  | { kind: "symlink"; name: string; target: string }
  | { kind: "dir"; name: string; perm: number; children: RandomNode[] };

const { node: arbNode } = fc.letrec<{ node: RandomNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({
      kind: fc.constant("file" as const),
      name: fc.constantFrom(...NAMES),
      perm: fc.constantFrom(0o644, 0o600, 0o755, 0o444),
      content: fc.constantFrom(...CONTENTS),
    }),
    fc.record({
      kind: fc.constant("symlink" as const),
      name: fc.constantFrom(...NAMES),
      target: fc.constantFrom(...TARGETS.filter((t) => t !== "")),
    }),
    fc.record({
      kind: fc.constant("dir" as const),
      name: fc.constantFrom(...NAMES),
      perm: fc.constantFrom(0o755, 0o700, 0o750),
      children: fc.array(tie("node"), { maxLength: 4 }),
    }),
  ),
}));

function flatten(nodes: readonly RandomNode[], prefix: string, out: TreeEntry[], seen: Set<string>): void {
  for (const n of nodes) {
    const path = `${prefix}/${n.name}`;
    if (seen.has(path)) continue;
    seen.add(path);
    if (n.kind === "file") out.push({ path, kind: "file", perm: n.perm, content: n.content });
    else if (n.kind === "symlink") out.push({ path, kind: "symlink", target: n.target });
    else {
      out.push({ path, kind: "dir", perm: n.perm });
      flatten(n.children, path, out, seen);
    }
  }
}

Deno.test("snapshot output of any tree passes both readers with the same limits (C3, property)", async () => {
  // Each run writes a snapshot and starts the reference checker: a fifth of the usual runs.
  const runs = Math.max(1, Math.ceil(RUNS / 5));
  await fc.assert(
    fc.asyncProperty(fc.array(arbNode, { maxLength: 6 }), fc.boolean(), async (nodes, readAhead) => {
      const entries: TreeEntry[] = [];
      flatten(nodes, ".agentmod", entries, new Set([".agentmod/agentmod.toml"]));
      await withProject(minimalTree(...entries), async (root) => {
        // The output lies outside .agentmod: a random tree may hold a file named `snapshots`.
        const out = await createSnapshot({
          root,
          ...TEST_OPTIONS,
          allowFindings: true,
          output: `${root}/out.amod`,
          readAhead,
        });
        if (!out.ok) {
          throw new Error(`Refused: ${out.problems.map((p) => `${p.code} ${p.member}`).join(", ")}`);
        }
        const problem = await externalCheck(out.snapshot.output);
        if (problem !== null) throw new Error(problem);
      });
    }),
    { numRuns: runs },
  );
});
