import assert from "node:assert/strict";
import type { SnapshotHandle } from "../../lib/amod/open.ts";
import { type RestoreOptions, type RestoreReport, restoreSnapshot } from "../../lib/amod/restore.ts";
import { isOperational } from "../../lib/report/report.ts";
import type { TreeEntry } from "./_trees.ts";
import {
  buildSnapshot,
  type BuiltSnapshot,
  type Faults,
  faultyFs,
  listing,
  previousTree,
  project,
  removeProject,
  RESTORE_BASE,
  STAMP,
  variedTree,
} from "./_restore.ts";

/** The snapshot every fault runs against: all kinds, restrictive directories, several links. */
function faultTree(): TreeEntry[] {
  return [
    ...variedTree(),
    { path: ".agentmod/locked", kind: "dir", perm: 0o500 },
    { path: ".agentmod/locked/inner", kind: "dir", perm: 0o000 },
    { path: ".agentmod/locked/inner/deep.md", kind: "file", content: "deep\n" },
    { path: ".agentmod/locked/readme.md", kind: "file", content: "locked\n" },
  ];
}

/** The situations a fault is injected into: a previous environment, or an empty project root. */
const SCENARIOS: readonly { name: string; entries: TreeEntry[] }[] = [
  {
    name: "previous .agentmod",
    entries: [
      ...previousTree(),
      { path: ".git", kind: "dir" },
      { path: ".gitignore", kind: "file", content: "node_modules/" },
      { path: "src/main.go", kind: "file", content: "package main\n" },
    ],
  },
  { name: "empty root", entries: [] },
];

function exitOf(r: RestoreReport): number {
  if (r.problems.some(isOperational)) return 3;
  return r.valid ? 0 : 1;
}

/** What a fault case needs to know about the snapshot. */
interface Ctx {
  /** Number of planned regular files. */
  readonly files: number;
  readonly snapshot: string;
}

interface FaultCase {
  readonly name: string;
  /** File system faults. */
  readonly faults?: (ctx: Ctx, abort: () => void) => Faults;
  /** Read faults through the snapshot handle. */
  readonly wrapHandle?: (handle: SnapshotHandle) => SnapshotHandle;
  /** Runs after every check passed, before anything moves. */
  readonly onPrepared?: (ctx: Ctx) => Promise<void>;
  /** The extraction-failed message must match. */
  readonly message: RegExp;
  /** The fault strikes before `.agentmod` was created: an empty root needs no rollback at all. */
  readonly beforeCreate?: true;
}

/** A handle whose reads of the n-th file content deliver altered bytes or fail. */
function readFault(mode: "corrupt" | "throw"): (handle: SnapshotHandle) => SnapshotHandle {
  return (handle) => {
    let reads = 0;
    return {
      ...handle,
      input: handle.input,
      kind: handle.kind,
      entries: handle.entries,
      problems: handle.problems,
      fatal: handle.fatal,
      overTotalBytes: handle.overTotalBytes,
      close: () => handle.close(),
      read(entry, sink, options) {
        const payloadFile = entry.kind === "file" && entry.name?.startsWith("payload/") === true &&
          entry.size > 0;
        // Validation reads every member once; extraction reads the payload files a second time.
        if (payloadFile && ++reads > countPayloadFiles(handle) + 1) {
          if (mode === "throw") {
            return Promise.reject(new Deno.errors.Interrupted("read interrupted (os error 4)"));
          }
          return handle.read(entry, (chunk) => {
            const copy = chunk.slice();
            copy[0] = copy[0]! ^ 0x20;
            return sink(copy);
          }, options);
        }
        return handle.read(entry, sink, options);
      },
    };
  };
}

function countPayloadFiles(handle: SnapshotHandle): number {
  return handle.entries.filter((e) =>
    e.kind === "file" && e.name?.startsWith("payload/") === true && e.size > 0
  )
    .length;
}

const CASES: readonly FaultCase[] = [
  {
    name: "R5 creating a file fails after half the files",
    faults: ({ files }) => ({ fail: (c) => c.op === "createExclusive" && c.n === Math.floor(files / 2) + 1 }),
    message: /^Cannot create ".*": injected fault in createExclusive/,
  },
  {
    name: "writing file content fails",
    faults: () => ({ fail: (c) => c.op === "write" && c.n === 3 }),
    message: /^Cannot write ".*": injected fault/,
  },
  {
    name: "closing a file fails",
    faults: () => ({ fail: (c) => c.op === "close" && c.n === 2 }),
    message: /^Cannot close/,
  },
  {
    name: "R6 creating the standard layout fails",
    faults: () => ({ fail: (c) => c.op === "mkdir" && c.path.endsWith("/.agentmod/snapshots") }),
    message: /^Cannot create "\.agentmod\/snapshots"/,
  },
  {
    name: "creating .agentmod itself fails",
    faults: () => ({ fail: (c) => c.op === "mkdir" && c.path.endsWith("/.agentmod") }),
    message: /^Cannot create "\.agentmod"/,
    beforeCreate: true,
  },
  {
    name: "creating a payload directory fails",
    faults: () => ({ fail: (c) => c.op === "mkdir" && c.path.endsWith("/.agentmod/claude/skills/demo") }),
    message: /^Cannot create "\.agentmod\/claude\/skills\/demo"/,
  },
  {
    name: "setting a file mode fails",
    faults: () => ({ fail: (c) => c.op === "fileChmod" && c.n === 2 }),
    message: /^Cannot set the mode of/,
  },
  {
    name: "creating a symlink fails",
    faults: () => ({ fail: (c) => c.op === "symlink" && c.n === 2 }),
    message: /^Cannot create the link/,
  },
  {
    name: "setting a directory mode fails after the restrictive ones were applied",
    faults: () => ({ fail: (c) => c.op === "chmodDirectory" && c.path.endsWith("/.agentmod") }),
    message: /^Cannot set the mode of "\.agentmod"/,
  },
  {
    name: "post-check: a restored file is no longer a file",
    faults: () => ({
      lstat: (p) => p.endsWith("/.agentmod/claude/run.sh") ? { kind: "directory", perm: 0o755 } : undefined,
    }),
    message: /^Post-check failed: "\.agentmod\/claude\/run\.sh" is a directory instead of a file/,
  },
  {
    name: "post-check: a restored link is missing",
    faults: () => ({ lstat: (p) => p.endsWith("/.agentmod/claude/link.toml") ? null : undefined }),
    message: /^Post-check failed: "\.agentmod\/claude\/link\.toml" is missing/,
  },
  {
    name: "post-check: a link resolves outside .agentmod",
    faults: () => ({ realPath: (p) => p.endsWith("/.agentmod/claude/skills-link") ? "/etc" : undefined }),
    message: /resolves to "\/etc", outside \.agentmod/,
  },
  {
    name: "post-check: resolving a link fails",
    faults: () => ({ fail: (c) => c.op === "realPath" && c.n === 2 }),
    message: /^Cannot resolve the link/,
  },
  {
    name: "a parent directory is replaced by something else",
    faults: () => ({
      lstat: (p) => p.endsWith("/.agentmod/claude/skills") ? { kind: "symlink", perm: 0o777 } : undefined,
    }),
    message: /^"\.agentmod\/claude\/skills" is not a directory this restore created/,
  },
  {
    name: "a file appears at a planned path first (exclusive create refuses it)",
    faults: () => ({
      observe: (c) => {
        if (c.op === "createExclusive" && c.path.endsWith("/.agentmod/claude/run.sh")) {
          Deno.writeTextFileSync(c.path, "intruder\n");
        }
      },
    }),
    message: /^Cannot create "\.agentmod\/claude\/run\.sh"/,
  },
  {
    name: "interrupted (SIGINT/SIGTERM) after half the files",
    faults: ({ files }, abort) => ({
      observe: (c) => {
        if (c.op === "createExclusive" && c.n === Math.floor(files / 2)) abort();
      },
    }),
    message: /^Restore was interrupted/,
  },
  {
    name: "R13 the bytes read during extraction differ from what was validated (hash check)",
    wrapHandle: readFault("corrupt"),
    message: /^The snapshot changed after validation: the SHA-256 of ".*" differs from the inventory's/,
  },
  {
    name: "reading the snapshot fails during extraction",
    wrapHandle: readFault("throw"),
    message: /^Cannot read "payload\/.*" from the snapshot: read interrupted/,
  },
  {
    name: "R13 the archive is modified on disk between validation and extraction",
    onPrepared: async ({ snapshot }) => {
      // Stored and deflated data alike: flip bytes in the middle of the first payload file's data.
      const bytes = await Deno.readFile(snapshot);
      const name = new TextEncoder().encode("payload/.agentmod/agentmod.toml");
      let at = -1;
      for (let i = 0; i < bytes.length && at < 0; i++) {
        if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x03 && bytes[i + 3] === 0x04) {
          if (name.every((b, j) => bytes[i + 30 + j] === b)) at = i + 30 + name.length + 9;
        }
      }
      const file = await Deno.open(snapshot, { write: true });
      try {
        await file.seek(at + 1, Deno.SeekMode.Start);
        await file.write(new Uint8Array([bytes[at + 1]! ^ 0xff, bytes[at + 2]! ^ 0xff]));
      } finally {
        file.close();
      }
    },
    message: /^The snapshot changed after validation/,
  },
];

async function withSnapshot(f: (built: BuiltSnapshot, files: number) => Promise<void>): Promise<void> {
  const built = await buildSnapshot(faultTree());
  try {
    const root = await project([]);
    try {
      const dry = await restoreSnapshot(built.path, { root, ...RESTORE_BASE, dryRun: true });
      assert.equal(dry.outcome, "dry-run", JSON.stringify(dry.problems));
      assert.ok(dry.plan!.files >= 8 && dry.plan!.links >= 3);
      await f(built, dry.plan!.files);
    } finally {
      await removeProject(root);
    }
  } finally {
    await built.cleanup();
  }
}

for (const c of CASES) {
  Deno.test(`restore rolls back completely when ${c.name.replace(/^R\d+ /, "")}`, async () => {
    await withSnapshot(async (built, files) => {
      for (const s of SCENARIOS) {
        // A private copy: one case rewrites the archive.
        const snapshot = `${built.path}.${crypto.randomUUID()}.amod`;
        await Deno.copyFile(built.path, snapshot);
        const root = await project(s.entries);
        try {
          const before = await listing(root);
          const controller = new AbortController();
          const ctx: Ctx = { files, snapshot };
          const fs = await faultyFs(c.faults?.(ctx, () => controller.abort()) ?? {});
          const options: RestoreOptions = {
            root,
            ...RESTORE_BASE,
            fs,
            signal: controller.signal,
            ...(c.wrapHandle !== undefined ? { wrapHandle: c.wrapHandle } : {}),
            ...(c.onPrepared !== undefined ? { onPrepared: () => c.onPrepared!(ctx) } : {}),
          };
          const r = await restoreSnapshot(snapshot, options);
          const where = `${c.name} / ${s.name}`;
          assert.equal(r.outcome, "rolled-back", `${where}: ${JSON.stringify(r.problems)}`);
          assert.equal(exitOf(r), 3, where);
          const errors = r.problems.filter((p) => p.severity === "error");
          assert.deepEqual(errors.map((p) => p.code), ["extraction-failed"], where);
          assert.match(errors[0]!.message, c.message, where);
          assert.match(
            errors[0]!.message,
            s.entries.length > 0
              ? /rolled back: the previous \.agentmod is in place again$/
              : c.beforeCreate
              ? /; nothing was changed$/
              : /rolled back: nothing is left, as there was no \.agentmod before$/,
            where,
          );
          assert.equal(r.backup, null, where);
          // The previous .agentmod is back byte for byte, no backup remains, nothing else changed.
          assert.deepEqual(await listing(root), before, where);
        } finally {
          await removeProject(root);
          await Deno.remove(snapshot);
        }
      }
    });
  });
}

Deno.test("a failed backup rename stops with exit 3 before anything is extracted", async () => {
  await withSnapshot(async (built) => {
    const root = await project(SCENARIOS[0]!.entries);
    try {
      const before = await listing(root);
      const fs = await faultyFs({ fail: (c) => c.op === "rename" });
      const r = await restoreSnapshot(built.path, { root, ...RESTORE_BASE, fs });
      assert.deepEqual([r.outcome, exitOf(r)], ["failed", 3]);
      assert.deepEqual(r.problems.filter((p) => p.severity === "error").map((p) => p.code), ["io-error"]);
      assert.match(r.problems.find((p) => p.code === "io-error")!.message, /nothing was changed$/);
      assert.equal(fs.calls.filter((c) => c.op === "mkdir").length, 0);
      assert.deepEqual(await listing(root), before);
    } finally {
      await removeProject(root);
    }
  });
});

Deno.test("when the partial tree cannot be removed, restore says where everything is (partial-left)", async () => {
  await withSnapshot(async (built) => {
    for (const s of SCENARIOS) {
      const root = await project(s.entries);
      try {
        const before = await listing(root);
        const fs = await faultyFs({
          fail: (c) => (c.op === "symlink" && c.n === 1) || c.op === "removeTree",
        });
        const r = await restoreSnapshot(built.path, { root, ...RESTORE_BASE, fs });
        assert.deepEqual([r.outcome, exitOf(r)], ["partial-left", 3], s.name);
        const message = r.problems.find((p) => p.code === "extraction-failed")!.message;
        assert.ok(message.includes(`the partial "${root}/.agentmod" could not be removed`), message);
        const after = await listing(root);
        if (s.entries.length > 0) {
          const backup = `${root}/.agentmod.backup-${STAMP}`;
          assert.equal(r.backup, backup);
          assert.ok(message.endsWith(`the previous environment is at "${backup}"`), message);
          // The previous environment is intact under the backup name.
          const moved = after.filter((l) => l.startsWith(`.agentmod.backup-${STAMP}/`))
            .map((l) => l.replace(`.agentmod.backup-${STAMP}/`, ".agentmod/"));
          assert.deepEqual(moved, before.filter((l) => l.startsWith(".agentmod/")));
        } else {
          assert.equal(r.backup, null);
          assert.ok(message.endsWith("nothing existed there before the restore"), message);
        }
        assert.ok(after.some((l) => l.startsWith(".agentmod/claude/")), "the partial tree is still there");
      } finally {
        await removeProject(root);
      }
    }
  });
});

Deno.test("when the backup cannot be moved back, restore names it (backup-not-restored)", async () => {
  await withSnapshot(async (built) => {
    const root = await project(SCENARIOS[0]!.entries);
    try {
      const before = await listing(root);
      // The first rename makes the backup; the second (moving it back) fails.
      const fs = await faultyFs({
        fail: (c) => (c.op === "write" && c.n === 2) || (c.op === "rename" && c.n === 2),
      });
      const r = await restoreSnapshot(built.path, { root, ...RESTORE_BASE, fs });
      const backup = `${root}/.agentmod.backup-${STAMP}`;
      assert.deepEqual([r.outcome, exitOf(r), r.backup], ["backup-not-restored", 3, backup]);
      const message = r.problems.find((p) => p.code === "extraction-failed")!.message;
      assert.ok(message.endsWith(`the previous environment is at "${backup}"`), message);
      const after = await listing(root);
      assert.ok(!after.some((l) => l.startsWith(".agentmod/")), "the partial tree was removed");
      assert.deepEqual(
        after.filter((l) => l.startsWith(`.agentmod.backup-${STAMP}/`)).map((l) =>
          l.replace(`.agentmod.backup-${STAMP}/`, ".agentmod/")
        ),
        before.filter((l) => l.startsWith(".agentmod/")),
      );
    } finally {
      await removeProject(root);
    }
  });
});

Deno.test("every write of a successful restore lands inside .agentmod, apart from the backup rename and .gitignore", async () => {
  await withSnapshot(async (built) => {
    const root = await project(SCENARIOS[0]!.entries);
    try {
      const fs = await faultyFs({});
      const r = await restoreSnapshot(built.path, { root, ...RESTORE_BASE, fs });
      assert.equal(r.outcome, "restored", JSON.stringify(r.problems));
      const writes = fs.calls.filter((c) => !["lstat", "realPath", "readFile"].includes(c.op));
      const outside = writes.filter((c) =>
        !c.path.startsWith(`${root}/.agentmod/`) && c.path !== `${root}/.agentmod`
      );
      assert.deepEqual(outside.map((c) => `${c.op} ${c.path.slice(root.length)}`), ["append /.gitignore"]);
      assert.deepEqual(writes.filter((c) => c.op === "rename").map((c) => c.path), [`${root}/.agentmod`]);
      // Links are created after every directory and file.
      const firstLink = writes.findIndex((c) => c.op === "symlink");
      const lastFile = writes.findLastIndex((c) => c.op === "createExclusive" || c.op === "write");
      assert.ok(firstLink > lastFile);
      assert.equal(await Deno.readTextFile(`${root}/.gitignore`), "node_modules/\n.agentmod.backup-*/\n");
    } finally {
      await removeProject(root);
    }
  });
});
