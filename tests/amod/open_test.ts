import assert from "node:assert/strict";
import {
  DENO_SNAPSHOT_FS,
  openSnapshot,
  type SnapshotEntry,
  type SnapshotFile,
  type SnapshotFs,
} from "../../lib/amod/open.ts";
import { validateSnapshot } from "../../lib/amod/verify.ts";
import { exitCodeOf } from "../../lib/cli/common.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import { FIXTURE_DIR, FIXTURE_EXISTS } from "./fixture.ts";
import { codes, FIXTURE_AMOD, fixtureMembers, nameOf, writeTree } from "./_tamper.ts";

const ignore = !FIXTURE_EXISTS;
const FIXTURE_PATH = new URL(FIXTURE_AMOD, FIXTURE_DIR).pathname;
const dec = new TextDecoder();

async function sh(script: string, cwd: string): Promise<void> {
  const out = await new Deno.Command("sh", { args: ["-c", script], cwd, stderr: "piped" }).output();
  if (!out.success) throw new Error(dec.decode(out.stderr));
}

async function contentOf(read: (sink: (c: Uint8Array) => void) => Promise<unknown>): Promise<string> {
  let text = "";
  await read((c) => void (text += dec.decode(c, { stream: true })));
  return text;
}

/** A file system that fails one operation on paths matching `match`. */
function failing(
  op: keyof SnapshotFs | "read",
  match: RegExp,
  err: Error = new Deno.errors.PermissionDenied("denied"),
): SnapshotFs {
  const fs = DENO_SNAPSHOT_FS;
  const guard = <T>(name: string, path: string, f: () => T): T => {
    if (name === op && match.test(path)) throw err;
    return f();
  };
  return {
    stat: (p) => guard("stat", p, () => fs.stat(p)),
    lstat: (p) => guard("lstat", p, () => fs.lstat(p)),
    readDir: (p) => guard("readDir", p, () => fs.readDir(p)),
    readLink: (p) => guard("readLink", p, () => fs.readLink(p)),
    open: async (p) => {
      const file = await guard("open", p, () => fs.open(p));
      if (op !== "read" || !match.test(p)) return file;
      let calls = 0;
      const wrapped: SnapshotFile = {
        read: (b) => ++calls > 1 ? Promise.reject(err) : file.read(b.subarray(0, Math.min(b.length, 1000))),
        seek: (o, w) => file.seek(o, w),
        stat: () => file.stat(),
        close: () => file.close(),
      };
      return wrapped;
    },
  };
}

Deno.test("openSnapshot reports input-not-found for a missing path", async () => {
  const r = await openSnapshot("/nonexistent/dir/x.amod", { limits: AMOD_LIMITS });
  assert.ok(!r.ok);
  assert.deepEqual(r.problems.map((p) => p.code), ["input-not-found"]);
});

Deno.test("openSnapshot reports input-unsupported for a fifo without opening it (V23)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await sh("mkfifo x.amod", dir);
    const r = await validateSnapshot(`${dir}/x.amod`, { limits: AMOD_LIMITS });
    assert.deepEqual(codes(r), ["input-unsupported"]);
    assert.equal(exitCodeOf(r), 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "validate reports io-error (exit 3) when the input cannot be read (V23, injected)",
  ignore,
  async fn() {
    for (const op of ["stat", "open", "read"] as const) {
      const r = await validateSnapshot(FIXTURE_PATH, { limits: AMOD_LIMITS, fs: failing(op, /\.amod$/) });
      assert.deepEqual(codes(r), ["io-error"], op);
      assert.equal(exitCodeOf(r), 3);
      assert.equal(r.valid, false);
      assert.equal(r.manifest, null);
      assert.equal(r.summary, null);
      assert.equal(r.redaction, null);
    }
  },
});

Deno.test({
  name: "validate reports io-error for an entry of a tree package that cannot be read (injected)",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await writeTree(await fixtureMembers(), dir);
      for (
        const [op, match] of [["lstat", /notes\.md$/], ["readDir", /claude$/], ["readLink", /link\.toml$/], [
          "read",
          /config\.toml$/,
        ]] as const
      ) {
        const r = await validateSnapshot(dir, { limits: AMOD_LIMITS, fs: failing(op, match) });
        assert.deepEqual(codes(r), ["io-error"], op);
        assert.equal(r.input_kind, "directory");
        assert.equal(exitCodeOf(r), 3);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "validate lets a missing Deno permission through instead of reporting it as io-error",
  ignore,
  permissions: { read: false },
  async fn() {
    await assert.rejects(validateSnapshot(FIXTURE_PATH, { limits: AMOD_LIMITS }), Deno.errors.NotCapable);
  },
});

Deno.test({
  name: "openSnapshot lists an archive's entries with kinds, perms and sizes from the central directory",
  ignore,
  async fn() {
    const r = await openSnapshot(FIXTURE_PATH, { limits: AMOD_LIMITS });
    assert.ok(r.ok);
    const h = r.handle;
    try {
      assert.equal(h.kind, "archive");
      assert.equal(h.entries.length, 25);
      assert.deepEqual(h.problems, []);
      const show = (e: SnapshotEntry) => [e.name, e.kind, e.perm?.toString(8), e.size, e.readable];
      assert.deepEqual(show(h.entries[0]!), ["payload/.agentmod/", "directory", "755", 0, true]);
      assert.deepEqual(show(h.entries[3]!), [
        "payload/.agentmod/claude/link.toml",
        "symlink",
        "777",
        16,
        true,
      ]);
      assert.deepEqual(show(h.entries[12]!), [
        "payload/.agentmod/codex/prompts/",
        "directory",
        "700",
        0,
        true,
      ]);
      assert.deepEqual(show(h.entries[24]!), ["checksums.txt", "file", "644", 1425, true]);
      assert.equal(await contentOf((s) => h.read(h.entries[3]!, s)), "../agentmod.toml");
    } finally {
      r.handle.close();
    }
  },
});

Deno.test({
  name: "openSnapshot keeps one handle: the snapshot reads and validates after its path is removed (§6.5)",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/s.amod`;
    await Deno.copyFile(FIXTURE_PATH, path);
    const r = await openSnapshot(path, { limits: AMOD_LIMITS });
    assert.ok(r.ok);
    try {
      await Deno.remove(dir, { recursive: true });
      const { verifySnapshot } = await import("../../lib/amod/verify.ts");
      const v = await verifySnapshot(r.handle, { limits: AMOD_LIMITS, operation: "validate" });
      assert.deepEqual(v.problems, []);
      assert.equal(v.counts?.checked, 15);
    } finally {
      r.handle.close();
      r.handle.close();
    }
  },
});

Deno.test({
  name: "a plain read after validation sees the file as it is now; read-ahead may serve validated bytes",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/s.amod`;
    await Deno.copyFile(FIXTURE_PATH, path);
    const r = await openSnapshot(path, { limits: AMOD_LIMITS });
    assert.ok(r.ok);
    try {
      const { verifySnapshot } = await import("../../lib/amod/verify.ts");
      assert.deepEqual(
        (await verifySnapshot(r.handle, { limits: AMOD_LIMITS, operation: "validate" })).problems,
        [],
      );
      const link = r.handle.entries[3]!;
      // Rewrite the stored link target on disk, same length, after validation.
      const bytes = await Deno.readFile(path);
      bytes[link.zip!.dataOffset! + 15] = 0x58;
      await Deno.writeFile(path, bytes);
      const ahead = await r.handle.read(link, () => {}, { readAhead: true });
      assert.equal(ahead.status, "ok");
      const fresh = await r.handle.read(link, () => {});
      assert.equal(fresh.status, "problem");
      assert.equal(fresh.status === "problem" && fresh.problem.code, "zip-crc-mismatch");
    } finally {
      r.handle.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "openSnapshot walks a tree package's payload in walk order, the order the archive holds",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const members = await fixtureMembers();
      await writeTree(members, dir);
      const r = await openSnapshot(dir, { limits: AMOD_LIMITS });
      assert.ok(r.ok);
      const h = r.handle;
      assert.equal(h.kind, "directory");
      const payload = members.map(nameOf).filter((n) => n.startsWith("payload/"));
      assert.deepEqual(h.entries.map((e) => e.name).slice(0, payload.length), payload);
      assert.deepEqual(h.entries.slice(payload.length).map((e) => e.name), [
        "HANDOFF.md",
        "REDACTION.md",
        "RESTORE.md",
        "checksums.txt",
        "inventory.json",
        "manifest.json",
      ]);
      const link = h.entries.find((e) => e.name === "payload/.agentmod/claude/link.toml")!;
      assert.equal(link.kind, "symlink");
      assert.equal(link.size, 16);
      assert.equal(await contentOf((s) => h.read(link, s)), "../agentmod.toml");
      const x = h.entries.find((e) => e.name === "payload/.agentmod/codex/prompts/x.md")!;
      assert.equal(x.perm, 0o600);
      assert.equal(await contentOf((s) => h.read(x, s)), "private prompt\n");
      h.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "validate of a tree reports name-not-utf8 for a name with an undecodable byte and does not descend",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await writeTree(await fixtureMembers(), dir);
      await sh(
        `mkdir "payload/.agentmod/$(printf 'd\\377')" && touch "payload/.agentmod/$(printf 'd\\377')/inner"`,
        dir,
      );
      const r = await validateSnapshot(dir, { limits: AMOD_LIMITS });
      assert.deepEqual(codes(r), ["name-not-utf8"]);
      // Its kind is unknown (lstat fails), so the name carries no directory slash.
      assert.equal(r.problems[0]!.member, "payload/.agentmod/d\ufffd");
      assert.equal(r.summary?.members, 26);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "validate of a tree counts the member limit while walking and the byte limit over files and link targets",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await writeTree(await fixtureMembers(), dir);
      const few = await validateSnapshot(dir, { limits: { ...AMOD_LIMITS, maxMembers: 5 } });
      assert.deepEqual(codes(few), ["limit-members"]);
      assert.equal(few.summary, null);
      const exact = await validateSnapshot(dir, { limits: { ...AMOD_LIMITS, maxMembers: 25 } });
      assert.deepEqual(codes(exact), []);

      const reads: string[] = [];
      const fs: SnapshotFs = {
        ...DENO_SNAPSHOT_FS,
        open: (p) => (reads.push(p.slice(dir.length + 1)), DENO_SNAPSHOT_FS.open(p)),
      };
      const small = await validateSnapshot(dir, { limits: { ...AMOD_LIMITS, maxTotalBytes: 100 }, fs });
      assert.deepEqual(codes(small), ["limit-total-bytes"]);
      // Only the six root documents are read.
      assert.deepEqual(reads.sort(), [
        "HANDOFF.md",
        "REDACTION.md",
        "RESTORE.md",
        "checksums.txt",
        "inventory.json",
        "manifest.json",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "validate of a tree reports root-member-not-file for a directory or symlink in a root member's place",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await writeTree(await fixtureMembers(), dir);
      await Deno.remove(`${dir}/HANDOFF.md`);
      await Deno.mkdir(`${dir}/HANDOFF.md`);
      await Deno.remove(`${dir}/RESTORE.md`);
      await Deno.symlink("HANDOFF.md", `${dir}/RESTORE.md`);
      const r = await validateSnapshot(dir, { limits: AMOD_LIMITS });
      assert.deepEqual(r.problems.map((p) => [p.code, p.member]), [
        ["root-member-not-file", "HANDOFF.md"],
        ["root-member-not-file", "RESTORE.md"],
        // The link's content is its target, which is not the document the line was made for.
        ["checksum-mismatch", "RESTORE.md"],
        ["checksums-missing-member", "HANDOFF.md"],
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "validate of a tree reports a fifo as entry-kind-unsupported and never opens it",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await writeTree(await fixtureMembers(), dir);
      await sh("mkfifo payload/.agentmod/pipe", dir);
      const r = await validateSnapshot(dir, { limits: AMOD_LIMITS });
      assert.deepEqual(codes(r), [
        "checksums-unlisted-member",
        "inventory-unlisted-member",
        "entry-kind-unsupported",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "validate of a tree reports io-error when a file changes size while it is read",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await writeTree(await fixtureMembers(), dir);
      const fs: SnapshotFs = {
        ...DENO_SNAPSHOT_FS,
        lstat: async (p) => {
          const info = await DENO_SNAPSHOT_FS.lstat(p);
          return p.endsWith("settings.json") ? { ...info, size: info.size + 1 } : info;
        },
      };
      const r = await validateSnapshot(dir, { limits: AMOD_LIMITS, fs });
      assert.deepEqual(codes(r), ["io-error"]);
      assert.match(r.problems[0]!.message, /changed while it was being read/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
