import assert from "node:assert/strict";
import { UsageError } from "../../lib/cli/args.ts";
import { main } from "../../lib/cli/main.ts";
import type { CliIo } from "../../lib/cli/io.ts";
import { restoreCommand, type RestoreDeps } from "../../lib/cli/restore.ts";
import { denoGitRunner, type GitState } from "../../lib/amod/git.ts";
import { minimalTree, run, type TreeEntry } from "../amod/_trees.ts";
import {
  agentmodLines,
  buildSnapshot,
  type BuiltSnapshot,
  faultyFs,
  listing,
  previousTree,
  project,
  removeProject,
  STAMP,
  variedTree,
  withoutAddedLayout,
  withoutExcluded,
} from "../amod/_restore.ts";

const REPO = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const GIT: GitState = {
  branch: "main",
  head: "0123456789abcdef0123456789abcdef01234567",
  dirty: false,
  status_summary: "clean",
  remote_url: "https://example.com/org/demo-project.git",
  source_included: false,
};

/** An in-memory terminal that also records every write in one event log. */
function testIo(
  cwd: string,
  log: string[] = [],
  terminal = false,
): CliIo & { stdout: () => string; stderr: () => string } {
  let stdout = "";
  let stderr = "";
  return {
    out: (t) => {
      stdout += t;
      log.push(`out ${t}`);
    },
    err: (t) => {
      stderr += t;
      log.push(`err ${t}`);
    },
    style: { color: false },
    errIsTerminal: terminal,
    cwd: () => cwd,
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

/** Test dependencies: the fixture clock, no git, Linux, no signals. */
function deps(extra: Partial<RestoreDeps> = {}): RestoreDeps {
  return {
    git: () => Promise.resolve({ spawnError: "No such file or directory (os error 2)" }),
    now: () => new Date(1781181045000),
    os: "linux",
    onSignal: () => () => {},
    agentmodOnPath: () => false,
    ...extra,
  };
}

/** Runs the command as `main` would: usage errors become exit code 2. */
async function exec(
  argv: readonly string[],
  options: { cwd?: string; deps?: RestoreDeps; log?: string[]; terminal?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = testIo(options.cwd ?? "/", options.log, options.terminal);
  let code: number;
  try {
    code = await restoreCommand(options.deps ?? deps()).run(argv, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`usage: ${err.message}\n`);
    code = 2;
  }
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

async function withSetup(
  tree: readonly TreeEntry[],
  target: readonly TreeEntry[],
  f: (built: BuiltSnapshot, root: string) => Promise<void>,
  git?: GitState,
): Promise<void> {
  const built = await buildSnapshot(tree, git !== undefined ? { git } : {});
  const root = await project(target);
  try {
    await f(built, root);
  } finally {
    await removeProject(root);
    await built.cleanup();
  }
}

Deno.test("restore usage errors exit 2 and change nothing", async () => {
  await withSetup(minimalTree(), previousTree(), async (built, root) => {
    const before = await listing(root);
    for (
      const argv of [
        ["restore"],
        ["restore", built.path, root, "extra"],
        ["restore", built.path, root, "--bogus"],
        ["restore", built.path, root, "--max-members", "abc"],
        ["restore", built.path, root, "--format", "yaml"],
      ]
    ) {
      const io = testIo(root);
      assert.equal(await main(argv, io), 2, argv.join(" "));
      assert.match(io.stderr(), /\(see "handoff restore --help"\)\n$/);
      assert.equal(io.stdout(), "");
    }
    assert.deepEqual(await listing(root), before);
  });
});

Deno.test("restore --help describes the command and exits 0", async () => {
  const io = testIo("/");
  assert.equal(await main(["restore", "--help"], io), 0);
  assert.match(io.stdout(), /handoff restore <file\.amod> \[project-root\] \[--dry-run\]/);
  assert.match(io.stdout(), /--max-total-bytes/);
});

Deno.test("restore prints the summary, the backup, the .gitignore result and the re-login notice", async () => {
  await withSetup(variedTree(), [...previousTree(), { path: ".git", kind: "dir" }], async (built, root) => {
    const r = await exec([built.path, root]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], "git: the snapshot records no git state; nothing to compare");
    assert.equal(lines[1], `restored: ${built.path}`);
    assert.match(
      lines[2]!,
      new RegExp(
        `^extracted: \\d+ directories, \\d+ files, 3 symlinks \\(\\d+ bytes\\) into ${root}/\\.agentmod$`,
      ),
    );
    assert.equal(
      lines[3],
      `backup: the previous environment is at ${root}/.agentmod.backup-${STAMP}; remove it once the restored one works`,
    );
    assert.equal(lines[4], '.gitignore: created with ".agentmod.backup-*/"');
    assert.equal(lines[5], "note: .gitignore does not ignore .agentmod/ itself");
    assert.match(r.stdout, /REDACTION\.md/);
    assert.match(r.stdout, /run `claude` once inside the project/);
    assert.match(r.stdout, /run `codex login` inside the project/);
    assert.match(r.stdout, /OpenCode: log in/);
    assert.doesNotMatch(r.stdout, /Keychain|agentmod doctor/);
  });
});

Deno.test("restore mentions the macOS Keychain on darwin and agentmod doctor when agentmod is on PATH", async () => {
  await withSetup(minimalTree(), [], async (built, root) => {
    const r = await exec([built.path, root], { deps: deps({ os: "darwin", agentmodOnPath: () => true }) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /backup: none \(there was no \.agentmod before\)/);
    assert.match(r.stdout, /Keychain/);
    assert.match(r.stdout, /run `agentmod doctor`/);
    assert.doesNotMatch(r.stdout, /\.gitignore/);
  });
});

Deno.test("restore --json prints one report object and no text", async () => {
  await withSetup(minimalTree(), previousTree(), async (built, root) => {
    const r = await exec([built.path, root, "--json"]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "");
    assert.ok(r.stdout.endsWith("}\n"));
    const report = JSON.parse(r.stdout);
    assert.deepEqual(
      [report.report_version, report.format, report.operation, report.input, report.input_kind, report.valid],
      [1, "amod", "restore", built.path, "archive", true],
    );
    assert.deepEqual([report.outcome, report.dry_run, report.project_root], ["restored", false, root]);
    assert.deepEqual(report.plan, { dirs: 1, files: 1, links: 0 });
    assert.equal(report.backup, `${root}/.agentmod.backup-${STAMP}`);
    assert.deepEqual(report.gitignore, { result: "skipped", agentmod_ignored: null, message: null });
    assert.deepEqual(report.git, { status: "no-metadata" });
  });
});

Deno.test("restore refuses an invalid snapshot with exit 1, in text and in JSON, and changes nothing (R4)", async () => {
  await withSetup(minimalTree(), previousTree(), async (built, root) => {
    const bytes = await Deno.readFile(built.path);
    await Deno.writeFile(built.path, new Uint8Array([...bytes, 0, 0]));
    const before = await listing(root);
    const text = await exec([built.path, root]);
    assert.equal(text.code, 1);
    assert.match(text.stderr, /^error\[zip-trailing-data\] /);
    assert.match(text.stderr, /restore refused: nothing was changed\n$/);
    assert.equal(text.stdout, "");
    const json = await exec([built.path, root, "--json"]);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout);
    assert.deepEqual([report.valid, report.outcome, report.problems[0].code], [
      false,
      "refused",
      "zip-trailing-data",
    ]);
    assert.deepEqual(await listing(root), before);
  });
});

Deno.test("restore refuses a tree package directory (R10), a missing root and a missing project (L3)", async () => {
  await withSetup(minimalTree(), [{ path: "pkg/manifest.json", kind: "file", content: "{}" }, {
    path: "pkg/payload",
    kind: "dir",
  }], async (built, root) => {
    const tree = await exec([`${root}/pkg`, root]);
    assert.equal(tree.code, 1);
    assert.match(tree.stderr, /error\[tree-not-restorable\]/);
    const missingRoot = await exec([built.path, `${root}/nope`]);
    assert.equal(missingRoot.code, 1);
    assert.match(missingRoot.stderr, /error\[project-not-found\]/);
    // No project-root and no project above the working directory.
    const outside = await exec([built.path], { cwd: root });
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /error\[project-not-found\].*pass the project root/);
    const json = await exec([built.path, "--json"], { cwd: root });
    assert.equal(JSON.parse(json.stdout).outcome, "refused");
  });
});

Deno.test("restore without a project root finds the project from the working directory", async () => {
  await withSetup(minimalTree(), previousTree(), async (built, root) => {
    const r = await exec([built.path], { cwd: `${root}/.agentmod/claude` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`into ${root}/\\.agentmod`));
  });
});

Deno.test("restore stops with exit 3 on Windows before anything is read", async () => {
  await withSetup(minimalTree(), previousTree(), async (built, root) => {
    const before = await listing(root);
    const r = await exec([built.path, root], { deps: deps({ os: "windows" }) });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /error\[platform-unsupported\]/);
    assert.match(r.stderr, /restore failed: nothing was changed/);
    assert.deepEqual(await listing(root), before);
  });
});

Deno.test("restore compares the target's git state before extraction; --dry-run shows the same and changes nothing (R8)", async () => {
  await withSetup(minimalTree(), previousTree(), async (built, root) => {
    await run("git", ["init", "-q", "-b", "main"], root);
    await run("git", [
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@example.com",
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      "x",
    ], root);
    await run("git", ["remote", "add", "origin", "https://user:secret@example.com/other.git"], root);
    const before = await listing(root);

    const dry = await exec([built.path, root, "--dry-run"], { deps: deps({ git: denoGitRunner }) });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /^warning\[git-head-differs\] .*"0123456789ab"/m);
    assert.match(dry.stderr, /^warning\[git-remote-differs\] .*"https:\/\/example\.com\/other\.git"/m);
    assert.doesNotMatch(dry.stderr, /secret|git-branch-differs/);
    assert.match(
      dry.stdout,
      new RegExp(`would back up: ${root}/\\.agentmod to ${root}/\\.agentmod\\.backup-${STAMP}`),
    );
    assert.match(dry.stdout, /dry run: nothing was changed\n$/);
    assert.deepEqual(await listing(root), before);

    // The same warnings, printed before the first change on disk.
    const log: string[] = [];
    const fs = await faultyFs({
      observe: (c) => {
        if (c.op !== "lstat" && c.op !== "realPath" && c.op !== "readFile") log.push(`fs ${c.op}`);
      },
    });
    const real = await exec([built.path, root], { deps: deps({ git: denoGitRunner, fs }), log });
    assert.equal(real.code, 0, real.stderr);
    const warned = log.findIndex((l) => l.startsWith("err warning[git-head-differs]"));
    const firstChange = log.findIndex((l) => l.startsWith("fs "));
    assert.ok(warned >= 0 && firstChange > warned, log.slice(0, 5).join(" | "));
    assert.match(real.stderr, /warning\[git-remote-differs\]/);
  }, GIT);
});

Deno.test("restore reports a matching repository on standard output", async () => {
  await withSetup(minimalTree(), [], async (built, root) => {
    const r = await exec([built.path, root, "--dry-run"], {
      deps: deps({ git: () => Promise.resolve({ code: 0, stdout: "" }) }),
    });
    // A runner that answers every command with empty output: not a work tree, so unavailable.
    assert.match(r.stderr, /warning\[git-target-unavailable\]/);
    const same = await exec([built.path, root, "--dry-run"], {
      deps: deps({
        git: (args) => {
          const a = args.slice(2).join(" ");
          const out: Record<string, string> = {
            "rev-parse --is-inside-work-tree": "true\n",
            "symbolic-ref --short -q HEAD": "main\n",
            "rev-parse --verify -q HEAD": `${GIT.head}\n`,
            "-c status.showUntrackedFiles=normal status --porcelain": "",
            "remote get-url origin": `${GIT.remote_url}\n`,
          };
          return Promise.resolve({ code: a in out ? 0 : 1, stdout: out[a] ?? "" });
        },
      }),
    });
    assert.equal(same.code, 0);
    assert.equal(same.stderr, "");
    assert.match(same.stdout, /^git: the repository matches the snapshot \(branch main @ 0123456789ab\)$/m);
  }, GIT);
});

Deno.test("an injected write failure exits 3 and rolls back; the progress line is cleared", async () => {
  await withSetup(
    variedTree(),
    [...previousTree(), { path: "keep.txt", kind: "file", content: "x" }],
    async (built, root) => {
      const before = await listing(root);
      const fs = await faultyFs({ fail: (c) => c.op === "createExclusive" && c.n === 3 });
      const r = await exec([built.path, root], { deps: deps({ fs }), terminal: true });
      assert.equal(r.code, 3);
      assert.match(
        r.stderr,
        /error\[extraction-failed\] .*rolled back: the previous \.agentmod is in place again/,
      );
      assert.match(r.stderr, /restore failed and was rolled back\n$/);
      // The progress line was drawn and cleared before the problems were printed.
      // deno-lint-ignore no-control-regex -- the progress line is drawn with an ANSI erase sequence
      assert.match(r.stderr, /^\r\x1b\[2Krestoring: \d+ members, .*\r\x1b\[2Kerror\[extraction-failed\]/s);
      assert.equal(r.stdout, "git: the snapshot records no git state; nothing to compare\n");
      assert.deepEqual(await listing(root), before);
      const json = await exec([built.path, root, "--json"], {
        deps: deps({ fs: await faultyFs({ fail: (c) => c.op === "symlink" }) }),
      });
      assert.equal(json.code, 3);
      assert.equal(JSON.parse(json.stdout).outcome, "rolled-back");
    },
  );
});

Deno.test("a signal during extraction rolls back; listening starts after the checks and stops at the end", async () => {
  await withSetup(variedTree(), previousTree(), async (built, root) => {
    const before = await listing(root);
    const events: string[] = [];
    let handler: (() => void) | null = null;
    const fs = await faultyFs({
      observe: (c) => {
        if (c.op === "rename" && c.n === 1) events.push("backup");
        if (c.op === "createExclusive" && c.n === 2) handler?.();
      },
    });
    const r = await exec([built.path, root], {
      deps: deps({
        fs,
        onSignal: (h) => {
          events.push("listen");
          handler = h;
          return () => {
            events.push("stop");
            handler = null;
          };
        },
      }),
    });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /error\[extraction-failed\] .*Restore was interrupted/);
    assert.deepEqual(events, ["listen", "backup", "stop"]);
    assert.deepEqual(await listing(root), before);
  });
});

Deno.test("restore under umask 077 applies the recorded perms exactly (R12)", async () => {
  await withSetup(variedTree(), [], async (built, root) => {
    const out = await new Deno.Command("sh", {
      args: [
        "-c",
        'umask 077 && exec deno run -A "$0" restore "$1" "$2"',
        `${REPO}/cli.ts`,
        built.path,
        root,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const expected = withoutExcluded(agentmodLines(await listing(built.source)), built.excluded);
    assert.deepEqual(withoutAddedLayout(await listing(root), expected), expected);
    // The layout directories that did not exist follow the umask (0755 & ~077).
    assert.equal((await Deno.lstat(`${root}/.agentmod/snapshots`)).mode! & 0o777, 0o700);
  });
});

Deno.test("SIGTERM to a real restore process during extraction rolls back and exits 3", async () => {
  const many: TreeEntry[] = [];
  for (let d = 0; d < 30; d++) {
    many.push({ path: `.agentmod/d${d}`, kind: "dir" });
    for (let f = 0; f < 100; f++) {
      many.push({ path: `.agentmod/d${d}/f${f}.md`, kind: "file", content: `file ${d} ${f}\n`.repeat(40) });
    }
  }
  await withSetup(minimalTree(...many), previousTree(), async (built, root) => {
    const before = await listing(root);
    const child = new Deno.Command("deno", {
      args: ["run", "-A", `${REPO}/cli.ts`, "restore", built.path, root],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const backup = `${root}/.agentmod.backup-`;
    let signalled = false;
    for (let i = 0; i < 6000 && !signalled; i++) {
      for (const e of Deno.readDirSync(root)) {
        if (`${root}/${e.name}`.startsWith(backup)) {
          child.kill("SIGTERM");
          signalled = true;
        }
      }
      if (!signalled) await new Promise((r) => setTimeout(r, 2));
    }
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(signalled, "the backup never appeared");
    assert.equal(out.code, 3, stderr);
    assert.match(stderr, /Restore was interrupted.*rolled back/);
    assert.deepEqual(await listing(root), before);
  });
});
