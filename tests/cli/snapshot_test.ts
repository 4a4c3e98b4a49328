import assert from "node:assert/strict";
// Static imports: the deflate codec's WebAssembly module can only be loaded in the static graph.
import "../../lib/amod/snapshot.ts";
import "../../lib/amod/tree.ts";
import { UsageError } from "../../lib/cli/args.ts";
import { main } from "../../lib/cli/main.ts";
import type { CliIo } from "../../lib/cli/io.ts";
import { snapshotCommand, type SnapshotDeps } from "../../lib/cli/snapshot.ts";
import { denoGitRunner } from "../../lib/amod/git.ts";
import {
  externalCheck,
  makeProject,
  memberText,
  minimalTree,
  readArchive,
  removeProject,
  run,
  type TreeEntry,
} from "../amod/_trees.ts";

const EPOCH = "1781181045";
const STAMP = "20260611-123045";
const REPO = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** An in-memory terminal: standard output and error as strings. */
function testIo(cwd: string, terminal = false): CliIo & { stdout: () => string; stderr: () => string } {
  let stdout = "";
  let stderr = "";
  return {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    style: { color: false },
    errIsTerminal: terminal,
    cwd: () => cwd,
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

/** Test dependencies: fixture clock via SOURCE_DATE_EPOCH, no git unless asked. */
function deps(extra: Partial<SnapshotDeps> & { epoch?: string | null } = {}): SnapshotDeps {
  const epoch = extra.epoch === undefined ? EPOCH : extra.epoch;
  return {
    env: (name) => (name === "SOURCE_DATE_EPOCH" && epoch !== null ? epoch : undefined),
    git: () => Promise.resolve({ spawnError: "No such file or directory (os error 2)" }),
    now: () => new Date(1781181045000),
    os: "linux",
    platform: "testos/testarch",
    toolVersion: "test-version",
    ...extra,
  };
}

/** Runs the command as `main` would: usage errors become exit code 2 with a message. */
async function exec(
  argv: readonly string[],
  options: { cwd: string; deps?: SnapshotDeps; terminal?: boolean },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = testIo(options.cwd, options.terminal);
  let code: number;
  try {
    code = await snapshotCommand(options.deps ?? deps()).run(argv, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`usage: ${err.message}\n`);
    code = 2;
  }
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

async function withProject<T>(entries: readonly TreeEntry[], f: (root: string) => Promise<T>): Promise<T> {
  const root = await makeProject(entries);
  try {
    return await f(root);
  } finally {
    await removeProject(root);
  }
}

/** Every name below `dir`, recursively, sorted (to show that nothing was created). */
async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (abs: string, rel: string) => {
    for await (const e of Deno.readDir(abs)) {
      const r = `${rel}${e.name}`;
      out.push(r);
      if (e.isDirectory) await walk(`${abs}/${e.name}`, `${r}/`);
    }
  };
  await walk(dir, "");
  return out.sort();
}

function defaultOutput(root: string): string {
  return `${root}/.agentmod/snapshots/demo-project-${STAMP}.amod`;
}

async function git(root: string, ...args: string[]): Promise<void> {
  await run("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-C", root, ...args]);
}

Deno.test("snapshot CLI writes the default output and prints the summary", async () => {
  await withProject(
    minimalTree(
      { path: ".agentmod/claude/.env", kind: "file", content: "X=1\n" },
      { path: ".agentmod/claude/notes.md", kind: "file", content: "x\napi_key = 1\n" },
      { path: ".agentmod/claude/blob", kind: "file", content: "\u0000bin" },
      { path: ".agentmod/claude/a\u001bb", kind: "file" },
    ),
    async (root) => {
      const r = await exec([root], { cwd: "/" });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      const lines = r.stdout.split("\n");
      assert.equal(lines[0], `snapshot: ${defaultOutput(root)}`);
      assert.equal(lines[1], "payload: 3 files, 37 bytes");
      assert.equal(
        lines[2],
        "git: metadata omitted (git could not be started: No such file or directory (os error 2))",
      );
      assert.ok(r.stdout.includes("excluded: 3\n"));
      assert.ok(r.stdout.includes("  .agentmod/claude/.env (env-file)\n"));
      // Names are display-escaped: no raw control character reaches the terminal.
      assert.ok(r.stdout.includes("  .agentmod/claude/a\\u{001B}b (unportable-name)\n"));
      assert.ok(!r.stdout.includes("\u001b"));
      assert.ok(r.stdout.includes("  .agentmod/snapshots/ (snapshots-output)\n"));
      assert.ok(r.stdout.includes("secret scan: 1 finding\n  .agentmod/claude/notes.md line 2 (api-key)\n"));
      assert.ok(r.stdout.includes("  binary files not scanned: 1\n"));
      assert.ok(r.stdout.includes(`handoff validate ${defaultOutput(root)}`));
      assert.ok(r.stdout.includes(`handoff restore ${defaultOutput(root)}`));
      assert.equal(await externalCheck(defaultOutput(root)), null);
      const manifest = memberText(await readArchive(defaultOutput(root)), "manifest.json");
      assert.ok(manifest.includes('"agentmod_version": "test-version"'));
      assert.ok(manifest.includes('"created_at": "2026-06-11T12:30:45Z"'));
    },
  );
});

Deno.test("snapshot CLI is registered in main and its usage errors exit 2", async () => {
  const io = testIo("/");
  assert.equal(await main(["snapshot", "--bogus"], io), 2);
  assert.ok(io.stderr().includes('Unknown option "--bogus"'));
  const help = testIo("/");
  assert.equal(await main(["snapshot", "--help"], help), 0);
  assert.ok(help.stdout().includes("handoff snapshot [project-root] --for-git"));
  const top = testIo("/");
  assert.equal(await main(["--help"], top), 0);
  assert.ok(top.stdout().includes("snapshot"));
});

Deno.test("snapshot CLI refuses bad usage before touching anything, in the order of §4.1 (C8, L5)", async () => {
  await withProject(minimalTree(), async (root) => {
    const before = await names(root);
    const cases: [readonly string[], string | null, RegExp][] = [
      [["--for-git", "--allow-findings", root], null, /--allow-findings is not available with --for-git/],
      [["--for-git", "-o", "x.amod", root], null, /takes no -o/],
      [["-o", "x.zip", root], null, /must end in \.amod/],
      [["--output=dir.amod/x.zip", root], null, /must end in \.amod/],
      [["--unknown", root], null, /Unknown option "--unknown"/],
      [["--include-sessions", root], null, /Unknown option/],
      [[root, root], null, /Too many arguments/],
      [["-o"], null, /needs a value/],
      [["--max-members", "-1", root], null, /--max-members/],
      [["--max-total-bytes", "1T", root], null, /--max-total-bytes/],
      [["--max-ratio", "1.5", root], null, /--max-ratio/],
      [[root], "abc", /SOURCE_DATE_EPOCH/],
      [[root], "100", /SOURCE_DATE_EPOCH/],
      [[root], "4294967296", /SOURCE_DATE_EPOCH/],
      // Earlier checks win over later ones.
      [["--unknown", "--for-git", "-o", "x.zip"], null, /Unknown option/],
      [["--for-git", "-o", "x.zip", "--allow-findings"], null, /takes no -o/],
      [["-o", "x.zip", "--max-members", "x"], null, /must end in \.amod/],
      [["--max-members", "x", root], "abc", /--max-members/],
    ];
    for (const [argv, epoch, message] of cases) {
      const r = await exec(argv, { cwd: root, deps: deps(epoch === null ? {} : { epoch }) });
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, argv.join(" "));
      assert.equal(r.stdout, "");
    }
    assert.deepEqual(await names(root), before);
  });
});

Deno.test("snapshot CLI finds the project from a subdirectory and refuses outside one (L3)", async () => {
  await withProject(minimalTree({ path: ".agentmod/claude/x", kind: "file" }), async (root) => {
    const r = await exec(["-q"], { cwd: `${root}/.agentmod/claude` });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith(`snapshot: ${defaultOutput(root)}\n`));
    // A relative -o is taken against the working directory.
    const o = await exec(["-o", "../out.amod"], { cwd: `${root}/.agentmod` });
    assert.equal(o.code, 0, o.stderr);
    assert.ok((await Deno.stat(`${root}/out.amod`)).isFile);
  });
  const empty = await Deno.makeTempDir();
  try {
    const r = await exec([], { cwd: empty });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error\[project-not-found\]/m);
    assert.match(r.stderr, /pass the project root/);
    const missing = await exec([`${empty}/nope`], { cwd: "/" });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /project-not-found/);
    const bare = await exec([empty], { cwd: "/" });
    assert.equal(bare.code, 1);
    assert.match(bare.stderr, /error\[agentmod-dir-missing\]/);
    assert.deepEqual(await names(empty), []);
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("snapshot CLI stops on Windows with platform-unsupported (exit 3)", async () => {
  await withProject(minimalTree(), async (root) => {
    const r = await exec([root], { cwd: "/", deps: deps({ os: "windows" }) });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /platform-unsupported/);
  });
});

Deno.test("snapshot CLI refuses a dirty worktree unless --allow-dirty is given (C9)", async () => {
  await withProject(minimalTree(), async (root) => {
    await git(root, "init", "-q", "-b", "main");
    const before = await names(root);
    const r = await exec([root], { cwd: "/", deps: deps({ git: denoGitRunner }) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error\[worktree-dirty\] .*\(1 untracked\)/m);
    assert.match(r.stderr, /--allow-dirty/);
    assert.deepEqual(await names(root), before);

    const ok = await exec([root, "--allow-dirty"], { cwd: "/", deps: deps({ git: denoGitRunner }) });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /^git: branch main @ \(no commits yet\), DIRTY \(1 untracked\) — packed anyway \(--allow-dirty\)$/m,
    );
    const manifest = JSON.parse(memberText(await readArchive(defaultOutput(root)), "manifest.json"));
    assert.deepEqual(manifest.git, {
      branch: "main",
      dirty: true,
      status_summary: "1 untracked",
      source_included: false,
    });
  });
});

Deno.test("snapshot CLI omits git metadata outside a repository or without git (C10)", async () => {
  await withProject(minimalTree(), async (root) => {
    const r = await exec([root], { cwd: "/", deps: deps({ git: denoGitRunner }) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^git: metadata omitted \(the project is not inside a git work tree\)$/m);
    const manifest = JSON.parse(memberText(await readArchive(defaultOutput(root)), "manifest.json"));
    assert.ok(!("git" in manifest));
    await Deno.remove(defaultOutput(root));
    const none = await exec([root], { cwd: "/" });
    assert.equal(none.code, 0);
    assert.match(none.stdout, /^git: metadata omitted \(git could not be started: /m);
  });
});

Deno.test("snapshot CLI records a clean repository with its redacted origin (C11, C28)", async () => {
  await withProject(minimalTree(), async (root) => {
    await git(root, "init", "-q", "-b", "feat&x");
    await Deno.writeTextFile(`${root}/.gitignore`, ".agentmod/snapshots/\n");
    await git(root, "add", "-A");
    await git(root, "commit", "-q", "-m", "init");
    await git(root, "remote", "add", "origin", "https://user:s3cr3tT0k@host.example/o/r.git");
    const r = await exec([root], { cwd: "/", deps: deps({ git: denoGitRunner }) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^git: branch feat&x @ [0-9a-f]{12}, clean, remote https:\/\/host\.example\/o\/r\.git$/m,
    );
    const members = await readArchive(defaultOutput(root));
    const manifest = memberText(members, "manifest.json");
    assert.ok(manifest.includes('"branch": "feat\\u0026x"'), manifest);
    assert.ok(manifest.includes('"remote_url": "https://host.example/o/r.git"'));
    assert.match(manifest, /"head": "[0-9a-f]{40}"/);
    // The token appears nowhere: not in any member, not in the file, not on the terminal.
    for (const m of members) assert.ok(!new TextDecoder().decode(m.content).includes("s3cr3tT0k"), m.name);
    assert.ok(
      !new TextDecoder("latin1").decode(await Deno.readFile(defaultOutput(root))).includes("s3cr3tT0k"),
    );
    assert.ok(!r.stdout.includes("s3cr3tT0k") && !r.stderr.includes("s3cr3tT0k"));
  });
});

Deno.test("snapshot CLI prints a hard finding refusal with advice fitting the form (C5, C7)", async () => {
  await withProject(
    minimalTree({ path: ".agentmod/k.txt", kind: "file", content: "-----BEGIN PRIVATE KEY-----\n" }),
    async (root) => {
      const r = await exec([root], { cwd: "/" });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^error\[secret-hard-finding\] \.agentmod\/k\.txt: \.agentmod\/k\.txt line 1 \(private-key\)/m,
      );
      assert.match(r.stderr, /run again with --allow-findings/);
      assert.match(r.stderr, /nothing was written/);
      const tree = await exec([root, "--for-git"], { cwd: "/" });
      assert.equal(tree.code, 1);
      assert.doesNotMatch(tree.stderr, /run again with --allow-findings/);
      assert.match(tree.stderr, /not available with --for-git/);
      const allowed = await exec([root, "--allow-findings"], { cwd: "/" });
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.match(
        allowed.stdout,
        /k\.txt line 1 \(private-key\) — HARD finding, packed because --allow-findings/,
      );
    },
  );
});

Deno.test("snapshot CLI writes the tree package with --for-git", async () => {
  await withProject(
    minimalTree({ path: ".agentmod/claude/s.md", kind: "file", content: "s\n" }),
    async (root) => {
      const r = await exec([root, "--for-git"], { cwd: "/" });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.startsWith(`tree package: ${root}/.agentmod-handoff\n`));
      assert.match(r.stdout, /committing \.agentmod-handoff\/ publishes it/);
      assert.equal(await externalCheck(`${root}/.agentmod-handoff`), null);
    },
  );
});

Deno.test("snapshot CLI exits 3 with source-changed when the tree changes under it (C26)", async () => {
  await withProject(minimalTree({ path: ".agentmod/f", kind: "file", content: "f" }), async (root) => {
    const afterPlan = async () => {
      await Deno.remove(`${root}/.agentmod/f`);
      await Deno.mkdir(`${root}/.agentmod/f`);
    };
    const r = await exec([root], { cwd: "/", deps: deps({ afterPlan }) });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^error\[source-changed\] \.agentmod\/f: /m);
    assert.match(r.stderr, /snapshot failed: nothing was written/);
    assert.deepEqual([...Deno.readDirSync(`${root}/.agentmod/snapshots`)], []);
  });
});

Deno.test("snapshot CLI refuses an existing output and a limit (C4, C20)", async () => {
  await withProject(minimalTree({ path: ".agentmod/a", kind: "file" }), async (root) => {
    await Deno.writeTextFile(`${root}/x.amod`, "mine");
    const r = await exec([root, "-o", `${root}/x.amod`], { cwd: "/" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error\[output-exists\]/);
    assert.equal(await Deno.readTextFile(`${root}/x.amod`), "mine");
    const limited = await exec([root, "--max-members", "8"], { cwd: "/" });
    assert.equal(limited.code, 1);
    assert.match(limited.stderr, /error\[limit-members\]/);
    assert.ok(!(await names(root)).some((n) => n.endsWith(".amod") && n !== "x.amod"));
  });
});

Deno.test("snapshot CLI shows progress on a terminal only, and clears it", async () => {
  await withProject(minimalTree({ path: ".agentmod/a", kind: "file", content: "a" }), async (root) => {
    const r = await exec([root], { cwd: "/", terminal: true });
    assert.equal(r.code, 0);
    assert.ok(r.stderr.startsWith("\r"), JSON.stringify(r.stderr));
    assert.match(r.stderr, /planning: \d+ members/);
    assert.match(r.stderr, /packing: \d+ members, .* of 20 B/);
    // The line is cleared at the end.
    assert.ok(r.stderr.endsWith("\r\x1b[2K"), JSON.stringify(r.stderr));
    assert.ok(!r.stdout.includes("\r"));
    await Deno.remove(defaultOutput(root));
    const quiet = await exec([root, "--quiet"], { cwd: "/", terminal: true });
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stderr, "");
  });
});

// ── child processes: a real process with SOURCE_DATE_EPOCH, a umask, and SIGKILL ──

/** The real entry point, `cli.ts`. */
function cliEntry(): Promise<string> {
  return Promise.resolve(`${REPO}/cli.ts`);
}

async function child(args: readonly string[], options: { cwd: string; umask?: string }) {
  const script = await cliEntry();
  const command = `${options.umask !== undefined ? `umask ${options.umask} && ` : ""}exec "$0" run -A "$@"`;
  return await new Deno.Command("sh", {
    args: ["-c", command, Deno.execPath(), script, ...args],
    cwd: options.cwd,
    env: { SOURCE_DATE_EPOCH: EPOCH, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test("snapshot in a child process is byte-identical with SOURCE_DATE_EPOCH (C2)", async () => {
  await withProject(
    minimalTree({ path: ".agentmod/a.md", kind: "file", content: "a\n" }, {
      path: ".agentmod/l",
      kind: "symlink",
      target: "a.md",
    }),
    async (root) => {
      const first = await child(["snapshot", "-q"], { cwd: root });
      assert.equal(first.code, 0, new TextDecoder().decode(first.stderr));
      const bytes = await Deno.readFile(defaultOutput(root));
      await Deno.rename(defaultOutput(root), `${root}/first.amod`);
      const second = await child(["snapshot", "-q"], { cwd: root });
      assert.equal(second.code, 0);
      assert.deepEqual(await Deno.readFile(defaultOutput(root)), bytes);
      const manifest = memberText(await readArchive(defaultOutput(root)), "manifest.json");
      assert.match(manifest, /"agentmod_version": "handoff\/\d+\.\d+\.\d+"/);
      assert.match(manifest, /"platform": "[a-z0-9]+\/[a-z0-9]+"/);
    },
  );
});

Deno.test("snapshot records source perms whatever the process umask (C27)", async () => {
  await withProject(
    minimalTree(
      { path: ".agentmod/g", kind: "dir", perm: 0o775 },
      { path: ".agentmod/g/run.sh", kind: "file", perm: 0o775, content: "#!/bin/sh\n" },
      { path: ".agentmod/g/pub", kind: "file", perm: 0o666, content: "p" },
      { path: ".agentmod/new/deeper", kind: "dir", perm: 0o755 },
    ),
    async (root) => {
      const r = await child(["snapshot"], { cwd: root, umask: "077" });
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
      const members = new Map((await readArchive(defaultOutput(root))).map((m) => [m.name, m.perm]));
      assert.equal(members.get("payload/.agentmod/g/"), 0o775);
      assert.equal(members.get("payload/.agentmod/g/run.sh"), 0o775);
      assert.equal(members.get("payload/.agentmod/g/pub"), 0o666);
      assert.equal(members.get("payload/.agentmod/agentmod.toml"), 0o644);
      assert.equal((await Deno.stat(defaultOutput(root))).mode! & 0o777, 0o600);

      const t = await child(["snapshot", "--for-git"], { cwd: root, umask: "077" });
      assert.equal(t.code, 0, new TextDecoder().decode(t.stderr));
      const perm = async (rel: string) =>
        (await Deno.lstat(`${root}/.agentmod-handoff/${rel}`)).mode! & 0o777;
      assert.equal(await perm(""), 0o755);
      assert.equal(await perm("payload"), 0o755);
      assert.equal(await perm("payload/.agentmod/g"), 0o775);
      assert.equal(await perm("payload/.agentmod/g/run.sh"), 0o775);
      assert.equal(await perm("payload/.agentmod/g/pub"), 0o666);
      assert.equal(await perm("payload/.agentmod/new/deeper"), 0o755);
      assert.equal(await perm("manifest.json"), 0o644);
    },
  );
});

Deno.test("a snapshot killed with SIGKILL mid-write leaves no file under the output name", async () => {
  // 96 MiB of mixed data keep the write phase busy for a while.
  const big = new Uint8Array(96 * 1024 * 1024);
  let x = 12345;
  for (let i = 0; i < big.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    big[i] = x & 0xff;
    big[i + 1] = i & 0xff;
  }
  await withProject(
    minimalTree({ path: ".agentmod/session.log", kind: "file", content: big }),
    async (root) => {
      const script = await cliEntry();
      const proc = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", script, "snapshot", "-q", root],
        env: { SOURCE_DATE_EPOCH: EPOCH },
        stdout: "null",
        stderr: "null",
      }).spawn();
      const dir = `${root}/.agentmod/snapshots`;
      let partial: string | undefined;
      const deadline = Date.now() + 60_000;
      while (partial === undefined && Date.now() < deadline) {
        try {
          for (const e of Deno.readDirSync(dir)) {
            if (e.name.startsWith(".amod-partial-") && Deno.statSync(`${dir}/${e.name}`).size > 0) {
              partial = e.name;
            }
          }
        } catch {
          // the directory does not exist yet
        }
        if (partial === undefined) await new Promise((r) => setTimeout(r, 5));
      }
      proc.kill("SIGKILL");
      const status = await proc.status;
      assert.ok(partial !== undefined, "the temporary file never appeared");
      assert.equal(status.signal, "SIGKILL");
      await assert.rejects(Deno.lstat(defaultOutput(root)), Deno.errors.NotFound);
      // Only the documented temporary name can remain after SIGKILL.
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [partial]);
    },
  );
});

Deno.test("a snapshot interrupted with SIGTERM removes its temporary file", async () => {
  const big = new Uint8Array(96 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 3) big[i] = (i * 2654435761) >>> 24;
  await withProject(
    minimalTree({ path: ".agentmod/session.log", kind: "file", content: big }),
    async (root) => {
      const script = await cliEntry();
      const proc = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", script, "snapshot", "-q", root],
        env: { SOURCE_DATE_EPOCH: EPOCH },
        stdout: "null",
        stderr: "null",
      }).spawn();
      const dir = `${root}/.agentmod/snapshots`;
      let seen = false;
      const deadline = Date.now() + 60_000;
      while (!seen && Date.now() < deadline) {
        try {
          seen = [...Deno.readDirSync(dir)].some((e) =>
            e.name.startsWith(".amod-partial-") && Deno.statSync(`${dir}/${e.name}`).size > 0
          );
        } catch {
          // not yet created
        }
        if (!seen) await new Promise((r) => setTimeout(r, 5));
      }
      proc.kill("SIGTERM");
      const status = await proc.status;
      assert.ok(seen, "the temporary file never appeared");
      assert.equal(status.code, 143);
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    },
  );
});

Deno.test("snapshot runs with read and write permissions for the project only", async () => {
  const files: TreeEntry[] = Array.from({ length: 600 }, (_, i) => ({
    path: `.agentmod/d/f${i}.md`,
    kind: "file",
    content: `note ${i}\n`,
  }));
  await withProject(minimalTree(...files), async (root) => {
    const script = await cliEntry();
    // 600 files would use the read-ahead thread, whose module lies outside --allow-read: create
    // falls back to reading on the main thread, and git is simply not run.
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--allow-read=${root}`,
        `--allow-write=${root}/.agentmod`,
        "--allow-env=SOURCE_DATE_EPOCH",
        script,
        "snapshot",
        root,
      ],
      env: { SOURCE_DATE_EPOCH: EPOCH },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.equal(stderr, "");
    assert.match(
      new TextDecoder().decode(out.stdout),
      /^git: metadata omitted \(git could not be started: /m,
    );
    assert.equal(await externalCheck(defaultOutput(root)), null);
  });
});
