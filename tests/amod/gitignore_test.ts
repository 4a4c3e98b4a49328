import assert from "node:assert/strict";
import {
  appendedBytes,
  BACKUP_IGNORE_ENTRY,
  coversBackups,
  ignoresAgentmod,
  updateGitignore,
} from "../../lib/amod/gitignore.ts";
import { loadRestoreFs } from "../../lib/fs/restore_fs.ts";
import { faultyFs, listing } from "./_restore.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("coversBackups accepts exactly the four spellings, trimmed", () => {
  const table: [string, boolean][] = [
    [".agentmod.backup-*", true],
    [".agentmod.backup-*/", true],
    ["/.agentmod.backup-*", true],
    ["/.agentmod.backup-*/", true],
    ["  .agentmod.backup-*/\t", true],
    [".agentmod.backup-*/\r", true],
    [".agentmod.backup-2026*", false],
    ["*.backup-*", false],
    ["# .agentmod.backup-*/", false],
    ["!.agentmod.backup-*/", false],
    ["", false],
  ];
  for (const [line, want] of table) {
    assert.equal(coversBackups(`x\n${line}\ny`), want, JSON.stringify(line));
  }
});

Deno.test("ignoresAgentmod accepts .agentmod with or without slashes, trimmed", () => {
  const table: [string, boolean][] = [
    [".agentmod", true],
    [".agentmod/", true],
    ["/.agentmod", true],
    [" /.agentmod/ ", true],
    [".agentmod/*", false],
    [".agentmod.backup-*/", false],
    ["agentmod", false],
  ];
  for (const [line, want] of table) assert.equal(ignoresAgentmod(`${line}\n`), want, JSON.stringify(line));
});

Deno.test("appendedBytes adds an LF only when a non-empty file lacks its final one", () => {
  const table: [string, string][] = [
    ["", `${BACKUP_IGNORE_ENTRY}\n`],
    ["a\n", `${BACKUP_IGNORE_ENTRY}\n`],
    ["a", `\n${BACKUP_IGNORE_ENTRY}\n`],
    ["a\r\n", `${BACKUP_IGNORE_ENTRY}\n`],
    ["a\r", `\n${BACKUP_IGNORE_ENTRY}\n`],
  ];
  for (const [existing, want] of table) assert.equal(dec.decode(appendedBytes(enc.encode(existing))), want);
});

interface Case {
  readonly name: string;
  /** Builds the situation under `base`; the project root is `base/a/root`. */
  readonly setup: (base: string, root: string) => Promise<void>;
  readonly action: string;
  readonly agentmodIgnored: boolean | null;
  /** `.gitignore` afterwards (`null`: absent). */
  readonly after: string | null;
}

const CASES: readonly Case[] = [
  {
    name: "no repository anywhere",
    setup: () => Promise.resolve(),
    action: "skipped",
    agentmodIgnored: null,
    after: null,
  },
  {
    name: ".git directory in the root",
    setup: (_b, root) => Deno.mkdir(`${root}/.git`),
    action: "created",
    agentmodIgnored: false,
    after: ".agentmod.backup-*/\n",
  },
  {
    name: ".git file (worktree) in an ancestor",
    setup: (base) => Deno.writeTextFile(`${base}/a/.git`, "gitdir: /elsewhere\n"),
    action: "created",
    agentmodIgnored: false,
    after: ".agentmod.backup-*/\n",
  },
  {
    name: "dangling .git symlink counts (lstat)",
    setup: (base) => Deno.symlink("missing", `${base}/.git`),
    action: "created",
    agentmodIgnored: false,
    after: ".agentmod.backup-*/\n",
  },
  {
    name: "existing covering line",
    setup: (_b, root) => Deno.writeTextFile(`${root}/.gitignore`, "/.agentmod/\n/.agentmod.backup-*\n"),
    action: "already-covers",
    agentmodIgnored: true,
    after: "/.agentmod/\n/.agentmod.backup-*\n",
  },
  {
    name: "existing file with final LF",
    setup: (_b, root) => Deno.writeTextFile(`${root}/.gitignore`, "node_modules/\n"),
    action: "added",
    agentmodIgnored: false,
    after: "node_modules/\n.agentmod.backup-*/\n",
  },
  {
    name: "existing file without final LF",
    setup: (_b, root) => Deno.writeTextFile(`${root}/.gitignore`, ".agentmod"),
    action: "added",
    agentmodIgnored: true,
    after: ".agentmod\n.agentmod.backup-*/\n",
  },
  {
    name: "existing empty file (no repository needed)",
    setup: (_b, root) => Deno.writeTextFile(`${root}/.gitignore`, ""),
    action: "added",
    agentmodIgnored: false,
    after: ".agentmod.backup-*/\n",
  },
];

Deno.test("updateGitignore covers every case of §6.10 and never changes existing bytes", async () => {
  const fs = await loadRestoreFs();
  for (const c of CASES) {
    const base = await Deno.makeTempDir({ prefix: "handoff-gitignore-" });
    const root = `${base}/a/root`;
    try {
      await Deno.mkdir(root, { recursive: true });
      await c.setup(base, root);
      const before = await Deno.readTextFile(`${root}/.gitignore`).catch(() => null);
      const r = updateGitignore(root, fs);
      assert.deepEqual(r, { action: c.action, agentmodIgnored: c.agentmodIgnored, message: null }, c.name);
      const after = await Deno.readTextFile(`${root}/.gitignore`).catch(() => null);
      assert.equal(after, c.after, c.name);
      if (before !== null) assert.ok(after!.startsWith(before), c.name);
      if (c.action === "created") assert.equal((await Deno.stat(`${root}/.gitignore`)).mode! & 0o777, 0o644);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  }
});

Deno.test("updateGitignore never writes through a symlink or into a directory named .gitignore", async () => {
  const fs = await loadRestoreFs();
  const base = await Deno.makeTempDir({ prefix: "handoff-gitignore-" });
  try {
    await Deno.mkdir(`${base}/root`);
    await Deno.writeTextFile(`${base}/outside.txt`, "outside\n");
    await Deno.symlink("../outside.txt", `${base}/root/.gitignore`);
    const before = await listing(base);
    const r = updateGitignore(`${base}/root`, fs);
    assert.equal(r.action, "failed");
    assert.match(r.message!, /symlink, not a regular file/);
    assert.deepEqual(await listing(base), before);

    await Deno.remove(`${base}/root/.gitignore`);
    await Deno.mkdir(`${base}/root/.gitignore`);
    const d = updateGitignore(`${base}/root`, fs);
    assert.deepEqual([d.action, d.agentmodIgnored], ["failed", null]);
    assert.match(d.message!, /directory/);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("updateGitignore turns read, append and create failures into a failed result", async () => {
  for (const op of ["readFile", "append", "createExclusive", "write", "fileChmod", "lstat"] as const) {
    const base = await Deno.makeTempDir({ prefix: "handoff-gitignore-" });
    try {
      await Deno.mkdir(`${base}/.git`);
      const creating = op === "createExclusive" || op === "write" || op === "fileChmod";
      if (!creating) await Deno.writeTextFile(`${base}/.gitignore`, "x\n");
      const fs = await faultyFs({ fail: (c) => c.op === op });
      const before = await listing(base);
      const r = updateGitignore(base, fs);
      assert.equal(r.action, "failed", op);
      assert.match(r.message!, /^Cannot update ".*\/\.gitignore": injected fault/, op);
      assert.deepEqual(await listing(base), before, op);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  }
});
