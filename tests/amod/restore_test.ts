// deno-lint-ignore-file no-import-prefix -- the project pins every dependency in source (no import map)
import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { openSnapshot } from "../../lib/amod/open.ts";
import {
  backupPath,
  prepareRestore,
  type RestoreReport,
  restoreSnapshot,
  STANDARD_LAYOUT,
} from "../../lib/amod/restore.ts";
import { validateSnapshot } from "../../lib/amod/verify.ts";
import type { GitState } from "../../lib/amod/git.ts";
import { isOperational } from "../../lib/report/report.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import { FIXTURE_DIR, FIXTURE_EXISTS } from "./fixture.ts";
import { minimalTree, type TreeEntry } from "./_trees.ts";
import {
  adding,
  buildArchive,
  dir,
  file,
  link,
  type Member,
  nameOf,
  patch,
  readMembers,
  withContent,
  withLists,
  without,
} from "./_tamper.ts";
import {
  agentmodLines,
  buildSnapshot,
  listing,
  materialize,
  previousTree,
  project,
  removeProject,
  RESTORE_BASE,
  STAMP,
  variedTree,
  withoutAddedLayout,
  withoutExcluded,
} from "./_restore.ts";

const RUNS = Number(Deno.env.get("HANDOFF_PROPERTY_RUNS") ?? "15");
const FIXTURE_AMOD = new URL("demo-project-20260611-123045.amod", FIXTURE_DIR).pathname;
const GIT: GitState = {
  branch: "main",
  head: "0123456789abcdef0123456789abcdef01234567",
  dirty: false,
  status_summary: "clean",
  remote_url: "https://example.com/org/demo-project.git",
  source_included: false,
};

/** Exit code of a report, as the CLI derives it. */
function exitOf(r: Pick<RestoreReport, "problems" | "valid">): number {
  if (r.problems.some(isOperational)) return 3;
  return r.valid ? 0 : 1;
}

function codesOf(r: { problems: readonly { code: string }[] }): string[] {
  return r.problems.map((p) => p.code);
}

async function withProject<T>(entries: readonly TreeEntry[], f: (root: string) => Promise<T>): Promise<T> {
  const root = await project(entries);
  try {
    return await f(root);
  } finally {
    await removeProject(root);
  }
}

Deno.test({
  name: "restore of the fixture into an empty project root gives exact perms, the link and the layout (R1)",
  ignore: !FIXTURE_EXISTS,
  async fn() {
    await withProject([], async (root) => {
      const r = await restoreSnapshot(FIXTURE_AMOD, { root, ...RESTORE_BASE });
      assert.equal(r.outcome, "restored", JSON.stringify(r.problems));
      assert.equal(exitOf(r), 0);
      assert.equal(r.backup, null);
      assert.equal(r.gitignore, null);
      assert.deepEqual(r.plan, { dirs: 9, files: 9, links: 1 });
      assert.equal(r.bytes, 168 - 16);
      const lines = await listing(root);
      for (
        const want of [
          ".agentmod/ dir 0755",
          ".agentmod/claude/link.toml symlink -> ../agentmod.toml",
          ".agentmod/codex/prompts/ dir 0700",
          ".agentmod/logs/ dir 0755",
          ".agentmod/node/ dir 0755",
          ".agentmod/opencode/ dir 0755",
        ]
      ) assert.ok(lines.includes(want), `${want} in\n${lines.join("\n")}`);
      assert.ok(lines.some((l) => /^\.agentmod\/claude\/run\.sh file 0755 /.test(l)));
      assert.ok(lines.some((l) => /^\.agentmod\/codex\/prompts\/x\.md file 0600 /.test(l)));
      for (const name of ["claude", "codex", "opencode", "snapshots"]) {
        assert.ok(lines.some((l) => l.startsWith(`.agentmod/${name}/ dir `)), name);
      }
      assert.deepEqual([...Deno.readDirSync(`${root}/.agentmod/logs`)], []);
      assert.deepEqual([...Deno.readDirSync(`${root}/.agentmod/snapshots`)], []);
      assert.deepEqual(lines.filter((l) => !l.startsWith(".agentmod/")), []);
    });
  },
});

Deno.test("snapshot → validate → restore into a fresh project reproduces the tree minus the excluded entries", async () => {
  const built = await buildSnapshot(variedTree());
  try {
    assert.deepEqual(
      built.excluded.map((x) => `${x.path} ${x.rule}`),
      [
        ".agentmod/claude/.credentials.json auth-file",
        ".agentmod/codex/.env env-file",
        ".agentmod/node/node_modules/ node-modules",
      ],
    );
    const checked = await validateSnapshot(built.path, { limits: AMOD_LIMITS });
    assert.ok(checked.valid, JSON.stringify(checked.problems));
    await withProject([], async (root) => {
      const r = await restoreSnapshot(built.path, { root, ...RESTORE_BASE });
      assert.equal(r.outcome, "restored", JSON.stringify(r.problems));
      const expected = withoutExcluded(agentmodLines(await listing(built.source)), built.excluded);
      const restored = withoutAddedLayout(await listing(root), expected);
      assert.deepEqual(restored.filter((l) => !l.startsWith(".agentmod/")), []);
      assert.deepEqual(restored, expected);
      // The dangling link into the excluded node_modules/ is restored as it was.
      assert.equal(await Deno.readLink(`${root}/.agentmod/node/tool`), "node_modules/x/index.js");
    });
  } finally {
    await built.cleanup();
  }
});

Deno.test("restore moves an existing .agentmod to a stamped backup and creates .gitignore in a repository (R2)", async () => {
  const built = await buildSnapshot(variedTree());
  try {
    await withProject([...previousTree(), { path: ".git", kind: "dir" }], async (root) => {
      const before = agentmodLines(await listing(root));
      const r = await restoreSnapshot(built.path, { root, ...RESTORE_BASE });
      assert.equal(r.outcome, "restored", JSON.stringify(r.problems));
      const backup = `${root}/.agentmod.backup-${STAMP}`;
      assert.equal(r.backup, backup);
      assert.equal(backupPath(root, 1781181045), backup);
      // The backup is the previous tree, unchanged; the sentinel exists only there.
      const moved = (await listing(root)).filter((l) => l.startsWith(`.agentmod.backup-${STAMP}/`))
        .map((l) => l.replace(`.agentmod.backup-${STAMP}/`, ".agentmod/"));
      assert.deepEqual(moved, before);
      assert.ok(moved.some((l) => l.startsWith(".agentmod/sentinel.txt ")));
      assert.equal(await Deno.lstat(`${root}/.agentmod/sentinel.txt`).catch(() => null), null);
      assert.equal((await Deno.lstat(backup)).mode! & 0o777, 0o700);
      assert.equal(await Deno.readTextFile(`${root}/.gitignore`), ".agentmod.backup-*/\n");
      assert.deepEqual(r.gitignore, { result: "created", agentmod_ignored: false, message: null });
    });
  } finally {
    await built.cleanup();
  }
});

Deno.test("a second restore within the same second is refused with backup-exists and moves nothing (R3)", async () => {
  const built = await buildSnapshot(minimalTree());
  try {
    await withProject(previousTree(), async (root) => {
      const first = await restoreSnapshot(built.path, { root, ...RESTORE_BASE });
      assert.equal(first.outcome, "restored");
      const before = await listing(root);
      const second = await restoreSnapshot(built.path, { root, ...RESTORE_BASE });
      assert.equal(second.outcome, "refused");
      assert.equal(exitOf(second), 1);
      assert.deepEqual(codesOf(second), ["backup-exists"]);
      assert.equal(second.problems[0]!.member, `${root}/.agentmod.backup-${STAMP}`);
      assert.deepEqual(await listing(root), before);
    });
  } finally {
    await built.cleanup();
  }
});

Deno.test("an .amod inside the target's .agentmod/snapshots/ restores and ends up in the backup (R7)", async () => {
  const built = await buildSnapshot(variedTree());
  try {
    await withProject(previousTree(), async (root) => {
      await Deno.mkdir(`${root}/.agentmod/snapshots`);
      const inside = `${root}/.agentmod/snapshots/x.amod`;
      await Deno.copyFile(built.path, inside);
      const r = await restoreSnapshot(inside, { root, ...RESTORE_BASE });
      assert.equal(r.outcome, "restored", JSON.stringify(r.problems));
      const bytes = await Deno.readFile(`${root}/.agentmod.backup-${STAMP}/snapshots/x.amod`);
      assert.deepEqual(bytes, await Deno.readFile(built.path));
      assert.deepEqual([...Deno.readDirSync(`${root}/.agentmod/snapshots`)], []);
    });
  } finally {
    await built.cleanup();
  }
});

Deno.test("a regular file or a symlink at .agentmod is moved to the backup as it is (R9)", async () => {
  const built = await buildSnapshot(minimalTree());
  try {
    for (
      const occupant of [
        { path: ".agentmod", kind: "file", content: "not a directory\n" },
        { path: ".agentmod", kind: "symlink", target: "elsewhere" },
      ] as TreeEntry[]
    ) {
      await withProject(
        [occupant, { path: "elsewhere/keep.txt", kind: "file", content: "x" }],
        async (root) => {
          const before = await listing(root);
          const r = await restoreSnapshot(built.path, { root, ...RESTORE_BASE });
          assert.equal(r.outcome, "restored", JSON.stringify(r.problems));
          const after = await listing(root);
          const backupLine = before.find((l) => l.startsWith(".agentmod "))!.replace(
            ".agentmod ",
            `.agentmod.backup-${STAMP} `,
          );
          assert.ok(after.includes(backupLine), `${backupLine} in\n${after.join("\n")}`);
          // What the link pointed at is untouched.
          assert.deepEqual(
            after.filter((l) => l.startsWith("elsewhere")),
            before.filter((l) => l.startsWith("elsewhere")),
          );
          assert.equal((await Deno.lstat(`${root}/.agentmod`)).isDirectory, true);
        },
      );
    }
  } finally {
    await built.cleanup();
  }
});

Deno.test("a directory argument is refused: tree-not-restorable for a tree package, input-unsupported otherwise (R10)", async () => {
  await withProject(
    [...minimalTree(), { path: "pkg/manifest.json", kind: "file", content: "{}" }, {
      path: "pkg/payload",
      kind: "dir",
    }, {
      path: "plain/x",
      kind: "file",
      content: "",
    }],
    async (root) => {
      const before = await listing(root);
      const tree = await restoreSnapshot(`${root}/pkg`, { root, ...RESTORE_BASE });
      assert.deepEqual([tree.outcome, tree.input_kind, codesOf(tree)], ["refused", "directory", [
        "tree-not-restorable",
      ]]);
      assert.match(tree.problems[0]!.message, /RESTORE\.md/);
      const plain = await restoreSnapshot(`${root}/plain`, { root, ...RESTORE_BASE });
      assert.deepEqual([plain.outcome, codesOf(plain)], ["refused", ["input-unsupported"]]);
      assert.equal(exitOf(plain), 1);
      assert.deepEqual(await listing(root), before);
    },
  );
});

Deno.test("prepareRestore refuses an opened tree package handle", async () => {
  await withProject([{ path: "pkg/manifest.json", kind: "file", content: "{}" }, {
    path: "pkg/payload",
    kind: "dir",
  }], async (root) => {
    const opened = await openSnapshot(`${root}/pkg`, { limits: AMOD_LIMITS });
    assert.ok(opened.ok);
    try {
      const p = await prepareRestore(opened.handle, { root, ...RESTORE_BASE });
      assert.ok(!p.ok);
      assert.deepEqual(codesOf(p), ["tree-not-restorable"]);
    } finally {
      opened.handle.close();
    }
  });
});

Deno.test(".gitignore handling through restore: skipped, created, already covers, LF inserted (R11)", async () => {
  const built = await buildSnapshot(minimalTree());
  const cases: { name: string; extra: TreeEntry[]; result: string; text: string | null }[] = [
    { name: "no repository", extra: [], result: "skipped", text: null },
    {
      name: "repository without .gitignore",
      extra: [{ path: ".git", kind: "file", content: "gitdir: x\n" }],
      result: "created",
      text: ".agentmod.backup-*/\n",
    },
    {
      name: "existing covering line",
      extra: [{ path: ".gitignore", kind: "file", content: "node_modules/\n  /.agentmod.backup-*\n" }],
      result: "already-covers",
      text: "node_modules/\n  /.agentmod.backup-*\n",
    },
    {
      name: "file without final LF",
      extra: [{ path: ".gitignore", kind: "file", content: "/.agentmod/" }],
      result: "added",
      text: "/.agentmod/\n.agentmod.backup-*/\n",
    },
  ];
  try {
    for (const c of cases) {
      await withProject([...previousTree(), ...c.extra], async (root) => {
        const r = await restoreSnapshot(built.path, { root, ...RESTORE_BASE });
        assert.equal(r.outcome, "restored", c.name);
        assert.equal(r.gitignore?.result, c.result, c.name);
        const text = await Deno.readTextFile(`${root}/.gitignore`).catch(() => null);
        assert.equal(text, c.text, c.name);
      });
    }
    // No backup, no .gitignore step.
    await withProject([{ path: ".git", kind: "dir" }], async (root) => {
      const r = await restoreSnapshot(built.path, { root, ...RESTORE_BASE });
      assert.deepEqual([r.outcome, r.gitignore], ["restored", null]);
      assert.equal(await Deno.lstat(`${root}/.gitignore`).catch(() => null), null);
    });
  } finally {
    await built.cleanup();
  }
});

Deno.test("a snapshot whose .agentmod has perm 0500 restores with a warning; layout exists; mode applied last (R14)", async () => {
  const built = await buildSnapshot([
    { path: ".agentmod", kind: "dir", perm: 0o500 },
    { path: ".agentmod/agentmod.toml", kind: "file", content: "schema_version = 1\n" },
    { path: ".agentmod/claude", kind: "dir", perm: 0o555 },
    { path: ".agentmod/claude/a.md", kind: "file", content: "a\n" },
  ]);
  try {
    await withProject([], async (root) => {
      const r = await restoreSnapshot(built.path, { root, ...RESTORE_BASE });
      assert.equal(r.outcome, "restored", JSON.stringify(r.problems));
      assert.equal(exitOf(r), 0);
      assert.deepEqual(codesOf(r), ["directory-mode-restrictive", "directory-mode-restrictive"]);
      const lines = await listing(root);
      assert.ok(lines.includes(".agentmod/ dir 0500"), lines.join("\n"));
      assert.ok(lines.includes(".agentmod/claude/ dir 0555"), lines.join("\n"));
      for (const name of STANDARD_LAYOUT) {
        assert.ok(lines.some((l) => l.startsWith(`.agentmod/${name}/ dir `)), name);
      }
    });
  } finally {
    await built.cleanup();
  }
});

Deno.test("restore compares git state: warnings before anything moves, and --dry-run changes nothing (R8)", async () => {
  const built = await buildSnapshot(minimalTree(), { git: GIT });
  try {
    await withProject(previousTree(), async (root) => {
      const target: GitState = {
        ...GIT,
        head: "fedcba9876543210fedcba9876543210fedcba98",
        remote_url: "https://example.com/other.git",
      };
      const before = await listing(root);
      let calls = 0;
      const targetGit = () => {
        calls++;
        return Promise.resolve(target);
      };
      const dry = await restoreSnapshot(built.path, { root, ...RESTORE_BASE, targetGit, dryRun: true });
      assert.deepEqual([dry.outcome, dry.dry_run, exitOf(dry)], ["dry-run", true, 0]);
      assert.deepEqual(codesOf(dry), ["git-head-differs", "git-remote-differs"]);
      assert.deepEqual(dry.git, { status: "differs" });
      assert.equal(dry.backup, `${root}/.agentmod.backup-${STAMP}`);
      assert.deepEqual(await listing(root), before);
      assert.match(dry.problems[0]!.message, /"0123456789ab".*"fedcba987654"/);

      let seen: readonly string[] = [];
      let treeAtPrepared: string[] = [];
      const real = await restoreSnapshot(built.path, {
        root,
        ...RESTORE_BASE,
        targetGit,
        onPrepared: async (_p, warnings) => {
          seen = warnings.map((w) => w.code);
          treeAtPrepared = await listing(root);
        },
      });
      assert.equal(real.outcome, "restored");
      assert.deepEqual(seen, ["git-head-differs", "git-remote-differs"]);
      assert.deepEqual(treeAtPrepared, before);
      assert.equal(calls, 2);
    });
  } finally {
    await built.cleanup();
  }
});

Deno.test("restore reports the other git verdicts: no metadata, unavailable, matches, branch differs", async () => {
  const plain = await buildSnapshot(minimalTree());
  const withGit = await buildSnapshot(minimalTree(), { git: GIT });
  try {
    await withProject([], async (root) => {
      let asked = false;
      const none = await restoreSnapshot(plain.path, {
        root,
        ...RESTORE_BASE,
        dryRun: true,
        targetGit: () => {
          asked = true;
          return Promise.resolve(GIT);
        },
      });
      assert.deepEqual([none.git, asked, codesOf(none)], [{ status: "no-metadata" }, false, []]);
      const unavailable = await restoreSnapshot(withGit.path, {
        root,
        ...RESTORE_BASE,
        dryRun: true,
        targetGit: () => Promise.resolve({ unavailable: "the project is not inside a git work tree" }),
      });
      assert.deepEqual([unavailable.git, codesOf(unavailable)], [{ status: "unavailable" }, [
        "git-target-unavailable",
      ]]);
      const matches = await restoreSnapshot(withGit.path, {
        root,
        ...RESTORE_BASE,
        dryRun: true,
        targetGit: () => Promise.resolve(GIT),
      });
      assert.deepEqual([matches.git, codesOf(matches)], [{ status: "matches" }, []]);
      const branch = await restoreSnapshot(withGit.path, {
        root,
        ...RESTORE_BASE,
        dryRun: true,
        targetGit: () => Promise.resolve({ ...GIT, branch: undefined } as unknown as GitState),
      });
      assert.deepEqual(codesOf(branch), ["git-branch-differs"]);
      assert.equal(exitOf(branch), 0);
      assert.deepEqual(await listing(root), []);
    });
  } finally {
    await plain.cleanup();
    await withGit.cleanup();
  }
});

Deno.test("restore creates implicit parent directories with 0700, for links as well as files", async () => {
  const built = await buildSnapshot(minimalTree(
    { path: ".agentmod/a", kind: "dir" },
    { path: ".agentmod/a/f.md", kind: "file", content: "f\n" },
    { path: ".agentmod/b", kind: "dir" },
    { path: ".agentmod/b/l", kind: "symlink", target: "../agentmod.toml" },
  ));
  try {
    const members = await readMembers(await Deno.readFile(built.path));
    const tampered = await withLists(
      without(without(members, "payload/.agentmod/a/"), "payload/.agentmod/b/"),
    );
    const path = `${built.path}.implicit.amod`;
    await Deno.writeFile(path, buildArchive(tampered));
    await withProject([], async (root) => {
      const r = await restoreSnapshot(path, { root, ...RESTORE_BASE });
      assert.equal(r.outcome, "restored", JSON.stringify(r.problems));
      assert.deepEqual(codesOf(r), ["implicit-parent-directory", "implicit-parent-directory"]);
      assert.deepEqual(r.plan, { dirs: 1, files: 2, links: 1 });
      const lines = await listing(root);
      assert.ok(
        lines.includes(".agentmod/a/ dir 0700") && lines.includes(".agentmod/b/ dir 0700"),
        lines.join("\n"),
      );
      assert.ok(lines.includes(".agentmod/b/l symlink -> ../agentmod.toml"));
    });
  } finally {
    await built.cleanup();
  }
});

Deno.test("restore reports io-error (exit 3) when the snapshot cannot be opened, and changes nothing", async () => {
  const built = await buildSnapshot(minimalTree());
  try {
    await withProject(previousTree(), async (root) => {
      const before = await listing(root);
      const r = await restoreSnapshot(built.path, {
        root,
        ...RESTORE_BASE,
        snapshotFs: {
          stat: (p) => Deno.stat(p),
          lstat: (p) => Deno.lstat(p),
          open: () => Promise.reject(new Deno.errors.PermissionDenied("Permission denied (os error 13)")),
          readDir: (p) => Deno.readDir(p),
          readLink: (p) => Deno.readLink(p),
        },
      });
      assert.deepEqual([r.outcome, codesOf(r), exitOf(r)], ["failed", ["io-error"], 3]);
      assert.deepEqual(await listing(root), before);
      const missing = await restoreSnapshot(`${built.path}.missing`, { root, ...RESTORE_BASE });
      assert.deepEqual([missing.outcome, codesOf(missing), exitOf(missing)], [
        "refused",
        ["input-not-found"],
        1,
      ]);
    });
  } finally {
    await built.cleanup();
  }
});

Deno.test("the restore report has the shared core first, then the restore keys in order", async () => {
  const built = await buildSnapshot(minimalTree());
  try {
    await withProject([], async (root) => {
      const r = await restoreSnapshot(built.path, { root, ...RESTORE_BASE });
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
        "project_root",
        "dry_run",
        "outcome",
        "manifest",
        "plan",
        "bytes",
        "target",
        "backup",
        "git",
        "gitignore",
      ]);
      assert.equal(r.operation, "restore");
      assert.equal(r.target, `${root}/.agentmod`);
      assert.equal((r.manifest as Record<string, unknown>).schema_version, 1);
    });
  } finally {
    await built.cleanup();
  }
});

// ── Hostile snapshots: every one is refused before anything moves ──

interface HostileCase {
  readonly name: string;
  /** Builds the archive bytes from the base snapshot's members. */
  readonly build: (base: Member[], bytes: Uint8Array) => Promise<Uint8Array>;
  /** A code the refusal must include. */
  readonly expect: string;
}

const adds = (...extra: Member[]) => async (base: Member[]) =>
  buildArchive(await withLists(adding(base, ...extra)));

const HOSTILE: readonly HostileCase[] = [
  {
    name: "zip-slip payload/../evil.txt",
    build: adds(file("payload/../evil.txt", "x")),
    expect: "path-escapes-root",
  },
  {
    name: "zip-slip through .agentmod/../../",
    build: adds(file("payload/.agentmod/../../evil.txt", "x")),
    expect: "path-escapes-root",
  },
  { name: "absolute name", build: adds(file("payload//etc/passwd", "x")), expect: "path-absolute" },
  { name: "backslash name", build: adds(file("payload/.agentmod\\x", "x")), expect: "path-backslash" },
  { name: "drive letter name", build: adds(file("payload/C:/x", "x")), expect: "path-drive-letter" },
  {
    name: "outside .agentmod",
    build: adds(file("payload/src/main.go", "x")),
    expect: "path-outside-agentmod",
  },
  { name: "outside payload/", build: adds(file("evil.sh", "#!/bin/sh\n")), expect: "member-outside-payload" },
  {
    name: "protected element",
    build: adds(file("payload/.agentmod/.git/hooks/pre-commit", "x")),
    expect: "path-protected-element",
  },
  {
    name: "control character",
    build: adds(file("payload/.agentmod/a\u001bb", "x")),
    expect: "path-control-character",
  },
  {
    name: "symlink escaping lexically",
    build: adds(link("payload/.agentmod/out", "../../outside.txt")),
    expect: "symlink-escapes",
  },
  {
    name: "symlink escaping through another link",
    build: adds(
      dir("payload/.agentmod/d1/"),
      dir("payload/.agentmod/d1/d2/"),
      link("payload/.agentmod/d1/d2/s", "../.."),
      link("payload/.agentmod/t", "d1/d2/s/../x"),
    ),
    expect: "symlink-escapes",
  },
  {
    name: "absolute link target",
    build: adds(link("payload/.agentmod/pw", "/etc/passwd")),
    expect: "symlink-target-absolute",
  },
  {
    name: "drive link target",
    build: adds(link("payload/.agentmod/pw", "C:/x")),
    expect: "symlink-target-absolute",
  },
  {
    name: "link loop",
    build: adds(link("payload/.agentmod/a", "b"), link("payload/.agentmod/b", "a")),
    expect: "symlink-loop",
  },
  {
    name: "character device mode",
    build: adds({ name: "payload/.agentmod/tty", mode: 0o020644, content: new Uint8Array(0) }),
    expect: "entry-kind-unsupported",
  },
  {
    name: "fifo mode",
    build: adds({ name: "payload/.agentmod/pipe", mode: 0o010644, content: new Uint8Array(0) }),
    expect: "entry-kind-unsupported",
  },
  {
    name: "setuid bit",
    build: adds(file("payload/.agentmod/suid.sh", "#!/bin/sh\n", 0o4755)),
    expect: "special-mode-bits",
  },
  {
    name: "sticky directory",
    build: adds(dir("payload/.agentmod/sticky/", 0o1777)),
    expect: "special-mode-bits",
  },
  {
    name: "checksum mismatch (content changed, lists untouched)",
    build: (base) =>
      Promise.resolve(buildArchive(withContent(base, "payload/.agentmod/agentmod.toml", "changed = true\n"))),
    expect: "checksum-mismatch",
  },
  {
    name: "inventory mismatch (checksums regenerated, inventory not)",
    build: async (base) =>
      buildArchive(
        await withLists(withContent(base, "payload/.agentmod/agentmod.toml", "changed = true\n"), {
          inventory: false,
        }),
      ),
    expect: "inventory-sha256-mismatch",
  },
  {
    name: "inventory mode mismatch",
    build: async (base) =>
      buildArchive(patch(await withLists(base), "payload/.agentmod/agentmod.toml", { mode: 0o100755 })),
    expect: "inventory-mode-mismatch",
  },
  {
    name: "case collision",
    build: adds(file("payload/.agentmod/A.md", "a"), file("payload/.agentmod/a.md", "b")),
    expect: "path-collision",
  },
  {
    name: "file below a file",
    build: adds(file("payload/.agentmod/x", "a"), file("payload/.agentmod/x/y", "b")),
    expect: "parent-not-directory",
  },
  {
    name: "marker missing",
    build: async (base) => buildArchive(await withLists(without(base, "payload/.agentmod/agentmod.toml"))),
    expect: "project-marker-missing",
  },
  {
    name: "duplicate checksums.txt",
    build: (base) =>
      Promise.resolve(buildArchive([...base, base.find((m) => nameOf(m) === "checksums.txt")!])),
    expect: "duplicate-member",
  },
  {
    name: "trailing data",
    build: (_base, bytes) => Promise.resolve(new Uint8Array([...bytes, 1, 2, 3])),
    expect: "zip-trailing-data",
  },
  {
    name: "damaged deflate data",
    build: (base) => {
      const out = buildArchive(base);
      // Flip bytes inside the first deflated payload file's data (right after its local header).
      const name = new TextEncoder().encode("payload/.agentmod/agentmod.toml");
      const at = findBytes(out, name) + name.length + 9;
      out[at + 2]! ^= 0xff;
      out[at + 3]! ^= 0xff;
      return Promise.resolve(out);
    },
    expect: "zip-",
  },
];

function findBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error("not found");
}

Deno.test("every hostile snapshot is refused with exit 1: no backup, .agentmod unchanged, nothing outside written (R4)", async () => {
  const built = await buildSnapshot(minimalTree(
    { path: ".agentmod/claude", kind: "dir" },
    { path: ".agentmod/claude/notes.md", kind: "file", content: "# notes\n" },
  ));
  try {
    const bytes = await Deno.readFile(built.path);
    const base = await readMembers(bytes);
    const dir = await Deno.makeTempDir({ prefix: "handoff-hostile-" });
    try {
      await withProject([...previousTree(), { path: ".git", kind: "dir" }], async (root) => {
        const before = await listing(root);
        for (const c of HOSTILE) {
          const path = `${dir}/hostile.amod`;
          await Deno.writeFile(path, await c.build(base, bytes));
          const r = await restoreSnapshot(path, { root, ...RESTORE_BASE });
          assert.equal(r.outcome, "refused", `${c.name}: ${JSON.stringify(r.problems)}`);
          assert.equal(exitOf(r), 1, c.name);
          assert.ok(
            r.problems.some((p) => p.severity === "error" && p.code.startsWith(c.expect)),
            `${c.name}: ${codesOf(r).join(", ")}`,
          );
          assert.deepEqual(await listing(root), before, c.name);
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    await built.cleanup();
  }
});

// ── Property: random trees round-trip through snapshot and restore ──

const NAME = fc.stringMatching(/^[abAB1é_-][abAB1é_.-]{0,3}$/);
const FILE_PERMS = [0o600, 0o644, 0o755, 0o400, 0o444, 0o700, 0o640];
const DIR_PERMS = [0o700, 0o755, 0o750, 0o711, 0o500];

type Node =
  | { kind: "file"; perm: number; content: Uint8Array }
  | { kind: "symlink"; target: string }
  | { kind: "dir"; perm: number; children: [string, Node][] };

const nodeArb: fc.Memo<Node> = fc.memo((depth: number): fc.Arbitrary<Node> => {
  const leaf = fc.oneof(
    fc.record({
      kind: fc.constant("file" as const),
      perm: fc.constantFrom(...FILE_PERMS),
      content: fc.uint8Array({ maxLength: 48 }),
    }),
    fc.record({
      kind: fc.constant("symlink" as const),
      target: fc.array(fc.constantFrom("..", ".", "a", "b", "A", "a1", "agentmod.toml"), {
        minLength: 1,
        maxLength: 4,
      })
        .map((s) => s.join("/")),
    }),
  );
  if (depth <= 0) return leaf;
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("dir" as const),
        perm: fc.constantFrom(...DIR_PERMS),
        children: fc.array(fc.tuple(NAME, nodeArb(depth - 1)), { maxLength: 4 }),
      }),
    },
  );
});

function entriesOf(children: readonly [string, Node][], at: string, out: TreeEntry[]): void {
  const seen = new Set<string>();
  for (const [name, node] of children) {
    if (seen.has(name) || name === "agentmod.toml") continue;
    seen.add(name);
    const path = `${at}/${name}`;
    if (node.kind === "file") out.push({ path, kind: "file", perm: node.perm, content: node.content });
    else if (node.kind === "symlink") out.push({ path, kind: "symlink", target: node.target });
    else {
      out.push({ path, kind: "dir", perm: node.perm });
      entriesOf(node.children, path, out);
    }
  }
}

Deno.test("property: random trees survive snapshot → restore exactly, minus the excluded entries", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(NAME, nodeArb(2)), { maxLength: 6 }), async (children) => {
      const entries: TreeEntry[] = minimalTree();
      entriesOf(children, ".agentmod", entries);
      const built = await buildSnapshot(entries);
      try {
        const checked = await validateSnapshot(built.path, { limits: AMOD_LIMITS });
        assert.ok(checked.valid, JSON.stringify(checked.problems));
        await withProject([], async (root) => {
          const r = await restoreSnapshot(built.path, { root, ...RESTORE_BASE });
          assert.equal(r.outcome, "restored", JSON.stringify(r.problems));
          const expected = withoutExcluded(agentmodLines(await listing(built.source)), built.excluded);
          assert.deepEqual(withoutAddedLayout(await listing(root), expected), expected);
        });
      } finally {
        await built.cleanup();
      }
    }),
    { numRuns: RUNS },
  );
});

Deno.test("materialize helper keeps perms exact for the listing comparisons", async () => {
  // Guards the round-trip tests above: a source tree must carry the perms it was given.
  const root = await Deno.makeTempDir();
  try {
    await materialize(root, [
      { path: "d", kind: "dir", perm: 0o711 },
      { path: "d/f", kind: "file", perm: 0o444, content: "x" },
    ]);
    assert.deepEqual(await listing(root), [
      "d/ dir 0711",
      `d/f file 0444 ${"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"}`,
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("restore applies the given limits: a snapshot over them is refused before anything moves", async () => {
  const built = await buildSnapshot(variedTree());
  try {
    await withProject(previousTree(), async (root) => {
      const before = await listing(root);
      const members = await restoreSnapshot(built.path, {
        root,
        ...RESTORE_BASE,
        limits: { ...AMOD_LIMITS, maxMembers: 5 },
      });
      assert.deepEqual([members.outcome, codesOf(members)], ["refused", ["limit-members"]]);
      const bytes = await restoreSnapshot(built.path, {
        root,
        ...RESTORE_BASE,
        limits: { ...AMOD_LIMITS, maxTotalBytes: 100 },
      });
      assert.equal(bytes.outcome, "refused");
      assert.ok(codesOf(bytes).includes("limit-total-bytes"), codesOf(bytes).join(", "));
      assert.deepEqual(await listing(root), before);
    });
  } finally {
    await built.cleanup();
  }
});
