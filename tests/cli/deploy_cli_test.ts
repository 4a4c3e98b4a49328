import assert from "node:assert/strict";
import { parseDeployLog } from "../../lib/anpkg/install_dir.ts";
import { repoPath, tempDir } from "../helpers/fs.ts";
import {
  checkInstall,
  leftovers,
  makePackages,
  startChild,
  type TestPackage,
} from "../anpkg/_deploy_fixtures.ts";

const CLI = repoPath("cli.ts");

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cli.ts` in a child process with the given Deno permission flags. */
async function cli(args: string[], perms: string[] = ["-A"]): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...perms, CLI, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function setup(count: number) {
  const t = await tempDir();
  const pkgs = await makePackages(t.path, count);
  return { root: t.path, install: `${t.path}/install`, pkgs, cleanup: t.cleanup };
}

function at(pkgs: TestPackage[], i: number): TestPackage {
  const p = pkgs[i];
  if (!p) throw new Error(`no package ${i}`);
  return p;
}

Deno.test("deploy prints the release, says so when it is already current, and exits 0", async () => {
  const s = await setup(2);
  try {
    const [a, b] = [at(s.pkgs, 0), at(s.pkgs, 1)];
    const r1 = await cli(["deploy", a.path, "--to", s.install]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(r1.stdout, `deployed: release ${a.id} is current in ${s.install}\nprevious: none\n`);
    assert.equal(r1.stderr, "");
    const r2 = await cli(["deploy", a.path, "--to", s.install]);
    assert.equal(r2.code, 0);
    assert.equal(r2.stdout, `unchanged: release ${a.id} is already current in ${s.install}\n`);
    const r3 = await cli(["deploy", b.path, "--to", s.install, "--json"]);
    assert.equal(r3.code, 0);
    const json = JSON.parse(r3.stdout);
    assert.deepEqual(Object.keys(json), [
      "report_version",
      "format",
      "operation",
      "input",
      "input_kind",
      "valid",
      "errors",
      "warnings",
      "problems",
      "replay",
      "deploy",
    ]);
    assert.equal(json.operation, "deploy");
    assert.equal(json.deploy.result, "deployed");
    assert.equal(json.deploy.previous, a.id);
    assert.equal(parseDeployLog(await Deno.readTextFile(`${s.install}/deploy.log`)).length, 3);
  } finally {
    await s.cleanup();
  }
});

Deno.test("deploy of an invalid package exits 1 with the problems and changes nothing", async () => {
  const s = await setup(0);
  try {
    const bad = `${s.root}/bad.anpkg`;
    await Deno.writeTextFile(bad, "garbage");
    const r = await cli(["deploy", bad, "--to", s.install]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^error\[zip-no-end-record\] /);
    assert.match(
      r.stderr,
      /deploy refused: the package is invalid \(1 error, 0 warnings\); nothing was changed\n$/,
    );
    assert.equal(await Deno.stat(s.install).catch(() => null), null);
  } finally {
    await s.cleanup();
  }
});

Deno.test("deploy, rollback and status usage errors exit 2", async () => {
  const s = await setup(1);
  try {
    const p = at(s.pkgs, 0).path;
    const cases: [string[], RegExp][] = [
      [["deploy", p], /Missing --to/],
      [["deploy", "--to", s.install], /Missing the package file/],
      [["deploy", p, "--to", s.install, "--keep", "-1"], /--keep needs a whole number/],
      [["deploy", p, "--to", s.install, "--keep", "two"], /--keep needs a whole number/],
      [["deploy", p, "--to", s.install, "--runtime-bin", `${s.root}/no-such-runtime`], /does not exist/],
      [["deploy", p, "--to", s.install, "--replay-timeout", "5"], /needs --runtime-bin/],
      [["deploy", p, "--to", s.install, "--max-members", "x"], /--max-members/],
      [["rollback"], /Missing --to/],
      [["rollback", "--to", s.install, "--to-release", "../../etc"], /--to-release needs/],
      [["rollback", s.install], /Unexpected argument/],
      [["status"], /Missing --to/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
    }
    assert.equal(await Deno.stat(s.install).catch(() => null), null);
  } finally {
    await s.cleanup();
  }
});

Deno.test("a deploy while another holds the lock exits 3 with one line, and the holder completes", async () => {
  const s = await setup(2);
  try {
    const [a, b] = [at(s.pkgs, 0), at(s.pkgs, 1)];
    const holder = await startChild({ mode: "deploy", installDir: s.install, package: a.path, pauseAt: 2 });
    assert.match(holder.line, /^paused 2 /);
    const r = await cli(["deploy", b.path, "--to", s.install]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0] as string,
      /^error\[deploy-locked\] .*is locked by process \d+ running a deploy or rollback/,
    );
    const rb = await cli(["rollback", "--to", s.install]);
    assert.equal(rb.code, 3);
    await holder.kill();
    // The kernel released the dead holder's lock: no stale-lock handling is needed.
    const again = await cli(["deploy", b.path, "--to", s.install]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual((await checkInstall(s.install, s.pkgs, false)).violations, []);
    assert.deepEqual(await leftovers(s.install), []);
  } finally {
    await s.cleanup();
  }
});

Deno.test("racing deploys: each exits 0 or 3, and the install directory stays consistent", async () => {
  const s = await setup(4);
  try {
    await cli(["deploy", at(s.pkgs, 0).path, "--to", s.install]);
    const runs = await Promise.all(
      s.pkgs.map((p) => cli(["deploy", p.path, "--to", s.install, "--keep", "1"])),
    );
    for (const r of runs) assert.ok(r.code === 0 || r.code === 3, `${r.code}: ${r.stderr}`);
    const won = runs.filter((r) => r.code === 0).length;
    assert.ok(won >= 1);
    for (const r of runs.filter((x) => x.code === 3)) assert.match(r.stderr, /deploy-locked/);
    const log = parseDeployLog(await Deno.readTextFile(`${s.install}/deploy.log`));
    assert.equal(log.length, 1 + won, "only runs that held the lock log");
    assert.deepEqual((await checkInstall(s.install, s.pkgs, false)).violations, []);
    assert.deepEqual(await leftovers(s.install), []);
  } finally {
    await s.cleanup();
  }
});

Deno.test("SIGKILL of the real CLI at random moments never leaves current incomplete", async () => {
  const s = await setup(3);
  try {
    await cli(["deploy", at(s.pkgs, 0).path, "--to", s.install]);
    // Deterministic spread of kill delays over the whole run (start-up, validation, writes, switch).
    const probe = performance.now();
    await cli(["deploy", at(s.pkgs, 1).path, "--to", `${s.root}/probe`]);
    const span = performance.now() - probe;
    for (let i = 0; i < 12; i++) {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          "-A",
          CLI,
          "deploy",
          at(s.pkgs, 1 + (i % 2)).path,
          "--to",
          s.install,
          "--keep",
          "1",
        ],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      await new Promise((r) => setTimeout(r, (span * (i + 1)) / 12));
      try {
        child.kill("SIGKILL");
      } catch {
        // finished before the kill
      }
      await child.status;
      assert.deepEqual((await checkInstall(s.install, s.pkgs, false)).violations, [], `kill ${i}`);
    }
    const last = await cli(["deploy", at(s.pkgs, 0).path, "--to", s.install]);
    assert.equal(last.code, 0, last.stderr);
    assert.deepEqual(await leftovers(s.install), []);
  } finally {
    await s.cleanup();
  }
});

Deno.test("rollback and status through the CLI, with the JSON shapes", async () => {
  const s = await setup(2);
  try {
    const [a, b] = [at(s.pkgs, 0), at(s.pkgs, 1)];
    await cli(["deploy", a.path, "--to", s.install]);
    await cli(["deploy", b.path, "--to", s.install]);
    const rb = await cli(["rollback", "--to", s.install]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.equal(rb.stdout, `rolled back: release ${a.id} is current in ${s.install}\nprevious: ${b.id}\n`);
    const missing = await cli(["rollback", "--to", s.install, "--to-release", "0123456789ab"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error\[release-not-found\]/);
    const json = JSON.parse(
      (await cli(["rollback", "--to", s.install, "--to-release", b.id, "--json"])).stdout,
    );
    assert.equal(json.operation, "rollback");
    assert.equal(json.input_kind, "directory");
    assert.deepEqual(json.rollback.result, "rolled-back");

    const st = await cli(["status", "--to", s.install]);
    assert.equal(st.code, 0, st.stderr);
    assert.match(
      st.stdout,
      new RegExp(`^install dir: ${s.install}\ncurrent: ${b.id} — sim-only from p1\\.anpkg`),
    );
    assert.match(st.stdout, /releases: 2 kept\n/);
    assert.match(st.stdout, /leftovers: none\n/);
    assert.match(st.stdout, /last action: \S+ rollback rolled-back /);
    const sj = JSON.parse((await cli(["status", "--to", s.install, "--json"])).stdout);
    assert.deepEqual(Object.keys(sj), [
      "report_version",
      "format",
      "operation",
      "input",
      "current",
      "previous",
      "releases",
      "leftovers",
      "last_action",
      "valid",
      "errors",
      "warnings",
      "problems",
    ]);
    assert.equal(sj.current, b.id);
    await Deno.writeTextFile(`${s.install}/releases/${b.id}/machine-profile.yaml`, "x: 1\n");
    const damaged = await cli(["status", "--to", s.install]);
    assert.equal(damaged.code, 1);
    assert.match(damaged.stderr, /^error\[release-invalid\] releases\//);
    assert.match(damaged.stdout, /DAMAGED/);
  } finally {
    await s.cleanup();
  }
});

Deno.test("deploy and rollback need unscoped read and write (symbolic links); status only reads", async () => {
  const s = await setup(2);
  try {
    const [a, b] = [at(s.pkgs, 0), at(s.pkgs, 1)];
    await Deno.mkdir(s.install);
    const scoped = [`--allow-read=${a.path},${b.path},${s.install}`, `--allow-write=${s.install}`];
    const refused = await cli(["deploy", a.path, "--to", s.install], scoped);
    assert.equal(refused.code, 3);
    assert.equal(
      refused.stderr,
      "handoff deploy: missing permission: deploy creates symbolic links, which Deno allows only with unscoped " +
        "--allow-read and --allow-write (narrow them with --deny-read and --deny-write)\n",
    );
    assert.deepEqual([...Deno.readDirSync(s.install)], [], "checked before anything is written");
    const narrowed = ["--allow-read", "--allow-write", `--deny-write=${s.root}/src0,${a.path}`];
    assert.equal((await cli(["deploy", a.path, "--to", s.install], narrowed)).code, 0);
    const r = await cli(["deploy", b.path, "--to", s.install], narrowed);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await cli(["rollback", "--to", s.install], narrowed)).code, 0);
    assert.equal((await cli(["rollback", "--to", s.install], scoped)).code, 3);
    const st = await cli(["status", "--to", s.install], [`--allow-read=${s.install}`]);
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, new RegExp(`current: ${a.id}`));
  } finally {
    await s.cleanup();
  }
});

Deno.test("deploy --runtime-bin replays the runtime first and refuses when it fails", async () => {
  const s = await setup(1);
  try {
    const p = at(s.pkgs, 0);
    const ok = `${s.root}/runtime-ok.sh`;
    const bad = `${s.root}/runtime-bad.sh`;
    await Deno.writeTextFile(ok, '#!/bin/sh\n[ "$1" = --check-config ] && [ -f "$2" ] && exit 0\nexit 9\n');
    await Deno.writeTextFile(bad, "#!/bin/sh\necho 'provider sim0 cannot start' >&2\nexit 4\n");
    await Deno.chmod(ok, 0o755);
    await Deno.chmod(bad, 0o755);
    const refused = await cli(["deploy", p.path, "--to", s.install, "--runtime-bin", bad, "--json"]);
    assert.equal(refused.code, 1);
    const report = JSON.parse(refused.stdout);
    assert.deepEqual(report.problems.map((x: { code: string }) => x.code), ["replay-failed"]);
    assert.equal(report.replay.exit_code, 4);
    assert.equal(await Deno.stat(s.install).catch(() => null), null);
    const good = await cli(["deploy", p.path, "--to", s.install, "--runtime-bin", ok, "--json"]);
    assert.equal(good.code, 0, good.stdout);
    assert.equal(JSON.parse(good.stdout).replay.ran, true);
    assert.deepEqual((await checkInstall(s.install, s.pkgs, false)).violations, []);
  } finally {
    await s.cleanup();
  }
});
