import assert from "node:assert/strict";
import {
  collectGitState,
  compareGitState,
  denoGitRunner,
  type GitRunResult,
  type GitState,
  parsePorcelainStatus,
  redactRemoteUrl,
  shortHead,
} from "../../lib/amod/git.ts";

Deno.test("parsePorcelainStatus counts staged, modified and untracked lines", () => {
  const table: [string, string, boolean][] = [
    ["", "clean", false],
    ["\n", "clean", false],
    ["?? new.txt\n", "1 untracked", true],
    ["M  a\n", "1 staged", true],
    [" M a\n", "1 modified", true],
    ["MM a\n", "1 staged, 1 modified", true],
    ["UU conflict\n", "1 staged, 1 modified", true],
    ["A  a\n D b\n?? c\n?? d\nR  e -> f\n", "2 staged, 1 modified, 2 untracked", true],
    // Short lines are ignored; a final line without LF still counts.
    ["M\n?? x", "1 untracked", true],
    // The output is not trimmed: a leading space is the X column.
    [" M a", "1 modified", true],
  ];
  for (const [output, summary, dirty] of table) {
    const s = parsePorcelainStatus(output);
    assert.equal(s.summary, summary, JSON.stringify(output));
    assert.equal(s.dirty, dirty);
  }
  assert.deepEqual(parsePorcelainStatus("M  a\n M b\nUU c\n?? d\n"), {
    staged: 2,
    modified: 2,
    untracked: 1,
    summary: "2 staged, 2 modified, 1 untracked",
    dirty: true,
  });
});

Deno.test("redactRemoteUrl removes credentials from the authority only", () => {
  const table: [string, string][] = [
    ["https://user:tok@github.com/o/r.git", "https://github.com/o/r.git"],
    ["https://tok@h.example:8443/o/r", "https://h.example:8443/o/r"],
    ["ssh://git@h.example/o/r", "ssh://h.example/o/r"],
    ["https://h.example/a@b/r", "https://h.example/a@b/r"],
    ["git@github.com:o/r.git", "git@github.com:o/r.git"],
    ["/srv/git/r.git", "/srv/git/r.git"],
    ["https://a@b@h.example/r", "https://h.example/r"],
    ["https://user:p@ss@h.example", "https://h.example"],
    // The authority runs to the next "/", so without one a query counts as part of it.
    ["https://h.example?x=a@b", "https://b"],
    ["https://h.example/?x=a@b", "https://h.example/?x=a@b"],
    ["file:///srv/r@x.git", "file:///srv/r@x.git"],
    ["https://", "https://"],
    ["https://@h", "https://h"],
  ];
  for (const [url, want] of table) assert.equal(redactRemoteUrl(url), want, url);
});

type Script = Record<string, GitRunResult>;

function fakeRunner(script: Script, calls: string[][] = []) {
  return (args: readonly string[]): Promise<GitRunResult> => {
    calls.push([...args]);
    const key = args.slice(2).join(" ");
    return Promise.resolve(script[key] ?? { code: 1, stdout: "" });
  };
}

const INSIDE = "rev-parse --is-inside-work-tree";
const BRANCH = "symbolic-ref --short -q HEAD";
const HEAD = "rev-parse --verify -q HEAD";
const STATUS = "-c status.showUntrackedFiles=normal status --porcelain";
const REMOTE = "remote get-url origin";
const SHA = "0123456789abcdef0123456789abcdef01234567";

Deno.test("collectGitState runs the commands of amod.md §4.4 against the root", async () => {
  const calls: string[][] = [];
  const r = await collectGitState(
    "/work/p",
    fakeRunner({
      [INSIDE]: { code: 0, stdout: "true\n" },
      [BRANCH]: { code: 0, stdout: "main\n" },
      [HEAD]: { code: 0, stdout: `${SHA}\n` },
      [STATUS]: { code: 0, stdout: "" },
      [REMOTE]: { code: 0, stdout: "https://user:tok@example.com/org/demo.git\n" },
    }, calls),
  );
  assert.deepEqual(r, {
    ok: true,
    state: {
      branch: "main",
      head: SHA,
      dirty: false,
      status_summary: "clean",
      remote_url: "https://example.com/org/demo.git",
      source_included: false,
    },
  });
  assert.deepEqual(calls.map((c) => c.slice(0, 2)), Array(5).fill(["-C", "/work/p"]));
  assert.deepEqual(calls.map((c) => c.slice(2).join(" ")), [INSIDE, BRANCH, HEAD, STATUS, REMOTE]);
});

Deno.test("collectGitState leaves out detached branch, missing head and remote", async () => {
  const r = await collectGitState(
    "/p",
    fakeRunner({
      [INSIDE]: { code: 0, stdout: " true \n" },
      [BRANCH]: { code: 1, stdout: "" },
      [HEAD]: { code: 1, stdout: "" },
      [STATUS]: { code: 0, stdout: "?? a\n" },
      [REMOTE]: { code: 2, stdout: "" },
    }),
  );
  assert.deepEqual(r, {
    ok: true,
    state: { dirty: true, status_summary: "1 untracked", source_included: false },
  });
});

Deno.test("collectGitState explains why there is no state", async () => {
  const spawn = await collectGitState(
    "/p",
    fakeRunner({ [INSIDE]: { spawnError: "No such file or directory" } }),
  );
  assert.equal(spawn.ok, false);
  assert.equal(!spawn.ok && spawn.reason, "git-not-runnable");
  const outside = await collectGitState("/p", fakeRunner({ [INSIDE]: { code: 128, stdout: "" } }));
  assert.equal(!outside.ok && outside.reason, "not-a-repository");
  const bare = await collectGitState("/p", fakeRunner({ [INSIDE]: { code: 0, stdout: "false\n" } }));
  assert.equal(!bare.ok && bare.reason, "not-a-repository");
  const status = await collectGitState(
    "/p",
    fakeRunner({
      [INSIDE]: { code: 0, stdout: "true" },
      [STATUS]: { code: 128, stdout: "", stderr: "fatal: index file corrupt\nmore\n" },
    }),
  );
  assert.equal(!status.ok && status.reason, "status-failed");
  assert.equal(!status.ok && status.note, "git status failed with exit code 128: fatal: index file corrupt");
  const late = await collectGitState(
    "/p",
    fakeRunner({
      [INSIDE]: { code: 0, stdout: "true" },
      [STATUS]: { code: 0, stdout: "" },
      [REMOTE]: { spawnError: "gone" },
    }),
  );
  assert.equal(!late.ok && late.reason, "git-not-runnable");
});

const RECORDED: GitState = {
  branch: "main",
  head: SHA,
  dirty: false,
  status_summary: "clean",
  remote_url: "https://example.com/org/demo.git",
  source_included: false,
};

Deno.test("compareGitState reports the differences of amod.md §6.4 as warnings", () => {
  assert.deepEqual(compareGitState(undefined, RECORDED), { status: "no-metadata", problems: [] });
  assert.deepEqual(compareGitState(RECORDED, { ...RECORDED, dirty: true, status_summary: "1 modified" }), {
    status: "matches",
    problems: [],
  });
  const unavailable = compareGitState(RECORDED, { unavailable: "the project is not inside a git work tree" });
  assert.equal(unavailable.status, "unavailable");
  assert.deepEqual(unavailable.problems.map((p) => [p.code, p.severity]), [[
    "git-target-unavailable",
    "warning",
  ]]);

  type Patch = { [K in keyof GitState]?: GitState[K] | undefined };
  const table: [Patch, Patch, string[]][] = [
    [{}, { branch: "dev" }, ["git-branch-differs"]],
    [{}, { branch: undefined }, ["git-branch-differs"]],
    [{ branch: undefined }, { branch: undefined }, []],
    [{}, { head: "f".repeat(40) }, ["git-head-differs"]],
    [{}, { head: undefined }, ["git-head-differs"]],
    [{ head: undefined }, { head: "f".repeat(40) }, []],
    [{}, { remote_url: "https://example.com/org/other.git" }, ["git-remote-differs"]],
    [{}, { remote_url: undefined }, ["git-remote-differs"]],
    [{ remote_url: undefined }, { remote_url: "https://x" }, ["git-remote-differs"]],
    [{}, { branch: "dev", head: "f".repeat(40), remote_url: "x" }, [
      "git-branch-differs",
      "git-head-differs",
      "git-remote-differs",
    ]],
  ];
  const drop = (s: GitState, patch: Patch): GitState => {
    const out: Record<string, unknown> = { ...s, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete out[k];
    return out as unknown as GitState;
  };
  for (const [rec, target, want] of table) {
    const r = compareGitState(drop(RECORDED, rec), drop(RECORDED, target));
    assert.deepEqual(r.problems.map((p) => p.code), want, JSON.stringify([rec, target]));
    assert.equal(r.status, want.length === 0 ? "matches" : "differs");
    assert.ok(r.problems.every((p) => p.severity === "warning"));
  }
  const head = compareGitState(
    RECORDED,
    drop(RECORDED, { head: "fedcba9876543210fedcba9876543210fedcba98" }),
  );
  assert.match(head.problems[0]?.message ?? "", /"0123456789ab".*"fedcba987654"/);
  assert.ok(!(head.problems[0]?.message ?? "").includes(SHA));
  assert.equal(shortHead(undefined), "(no commits yet)");
});

// ── against a real git ──

const gitAvailable = await (async () => {
  try {
    return (await new Deno.Command("git", { args: ["--version"], stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
})();

async function git(dir: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args: [
      "-C",
      dir,
      "-c",
      "user.name=Test",
      "-c",
      "user.email=test@example.com",
      "-c",
      "commit.gpgsign=false",
      ...args,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout).trim();
}

async function withRepo(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "handoff-git-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "denoGitRunner: a clean repository with a commit and a credentialed origin (C11)",
  ignore: !gitAvailable,
  fn: () =>
    withRepo(async (dir) => {
      await git(dir, "init", "-q", "-b", "main");
      await Deno.writeTextFile(`${dir}/a.txt`, "a\n");
      await git(dir, "add", "a.txt");
      await git(dir, "commit", "-q", "-m", "first");
      await git(dir, "remote", "add", "origin", "https://user:s3cr3t-tok@host.example/o/r.git");
      const head = await git(dir, "rev-parse", "HEAD");
      const r = await collectGitState(dir, denoGitRunner);
      assert.deepEqual(r, {
        ok: true,
        state: {
          branch: "main",
          head,
          dirty: false,
          status_summary: "clean",
          remote_url: "https://host.example/o/r.git",
          source_included: false,
        },
      });
      assert.ok(!JSON.stringify(r).includes("s3cr3t-tok"));
    }),
});

Deno.test({
  name: "denoGitRunner: one untracked file in a repository without commits (C9)",
  ignore: !gitAvailable,
  fn: () =>
    withRepo(async (dir) => {
      await git(dir, "init", "-q", "-b", "trunk");
      await Deno.writeTextFile(`${dir}/new.txt`, "x\n");
      const r = await collectGitState(dir, denoGitRunner);
      assert.deepEqual(r, {
        ok: true,
        state: { branch: "trunk", dirty: true, status_summary: "1 untracked", source_included: false },
      });
    }),
});

Deno.test({
  name: "denoGitRunner: staged and modified files, detached HEAD, subdirectory root",
  ignore: !gitAvailable,
  fn: () =>
    withRepo(async (dir) => {
      await git(dir, "init", "-q", "-b", "main");
      await Deno.mkdir(`${dir}/project`);
      await Deno.writeTextFile(`${dir}/project/a.txt`, "a\n");
      await Deno.writeTextFile(`${dir}/b.txt`, "b\n");
      await git(dir, "add", ".");
      await git(dir, "commit", "-q", "-m", "first");
      const head = await git(dir, "rev-parse", "HEAD");
      await git(dir, "checkout", "-q", "--detach");
      await Deno.writeTextFile(`${dir}/project/a.txt`, "changed\n");
      await Deno.writeTextFile(`${dir}/c.txt`, "c\n");
      await git(dir, "add", "c.txt");
      // The repository's top level lies above the project root.
      const r = await collectGitState(`${dir}/project`, denoGitRunner);
      assert.deepEqual(r, {
        ok: true,
        state: { head, dirty: true, status_summary: "1 staged, 1 modified", source_included: false },
      });
    }),
});

Deno.test({
  name: "denoGitRunner: outside any repository there is no state (C10)",
  ignore: !gitAvailable,
  fn: () =>
    withRepo(async (dir) => {
      const r = await collectGitState(dir, denoGitRunner);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.reason, "not-a-repository");
      const missing = await collectGitState(`${dir}/does-not-exist`, denoGitRunner);
      assert.equal(!missing.ok && missing.reason, "not-a-repository");
    }),
});

Deno.test("denoGitRunner: without permission to run git the state is absent (C10)", async () => {
  const script = new URL("../../lib/amod/git.ts", import.meta.url).href;
  const code = `import { collectGitState, denoGitRunner } from ${JSON.stringify(script)};\n` +
    `console.log(JSON.stringify(await collectGitState("/", denoGitRunner)));`;
  const dir = await Deno.makeTempDir({ prefix: "handoff-git-perm-" });
  try {
    const file = `${dir}/probe.ts`;
    await Deno.writeTextFile(file, code);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--no-lock",
        `--allow-read=${new URL("../../", import.meta.url).pathname},${dir}`,
        file,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const r = JSON.parse(text);
    assert.equal(r.ok, false);
    assert.equal(r.reason, "git-not-runnable");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
