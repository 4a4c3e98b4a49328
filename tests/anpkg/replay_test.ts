/**
 * Runtime replay (anpkg.md §5, §8 item 8) with stub runtimes written as shell scripts: argv and
 * working directory, the three detail forms of `replay-failed`, the timeout, scrubbing of the
 * temporary path, unusable `--runtime-bin` (exit 2), skipping after static errors, removal of the
 * temporary directory in every case, and replay of a directory-form package.
 */

import assert from "node:assert/strict";
import { resolveRuntimeBin } from "../../lib/anpkg/replay.ts";
import { validatePackage, type ValidateReport } from "../../lib/anpkg/validate.ts";
import { memoryIo } from "../../lib/cli/io.ts";
import { main } from "../../lib/cli/main.ts";
import { baseMembers, basePackage, edit, extractTo, located, repack } from "./_build.ts";

const EXPECTED_MEMBERS = [
  "./machine-profile.yaml",
  "./meta/checksums.sha256",
  "./meta/provenance.json",
  "./providers/bus0.yaml",
  "./providers/sim0.yaml",
  "./runtime/anolis-runtime.yaml",
  "./runtime/behaviors/main.xml",
];

/** A scratch directory holding the package, the stub runtime and the stub's records. */
interface Scratch {
  readonly dir: string;
  readonly pkg: string;
  /** Writes an executable stub whose body runs after recording argv, cwd and the file list. */
  stub(body: string, name?: string): Promise<string>;
  /** What the last stub run recorded, or null when no stub ran. */
  record(): Promise<{ argv: string[]; cwd: string; files: string[] } | null>;
  cleanup(): Promise<void>;
}

async function scratch(pkgBytes?: Uint8Array): Promise<Scratch> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "handoff-test-replay-" }));
  const pkg = `${dir}/rig.anpkg`;
  await Deno.writeFile(pkg, pkgBytes ?? await basePackage());
  const rec = `${dir}/record`;
  return {
    dir,
    pkg,
    async stub(body, name = "runtime.sh") {
      const path = `${dir}/${name}`;
      await Deno.writeTextFile(
        path,
        `#!/bin/sh\nprintf '%s\\n' "$@" > '${rec}.argv'\npwd > '${rec}.cwd'\nfind . | sort > '${rec}.files'\n${body}\n`,
      );
      await Deno.chmod(path, 0o755);
      return path;
    },
    async record() {
      try {
        const argv = (await Deno.readTextFile(`${rec}.argv`)).split("\n").slice(0, -1);
        const cwd = (await Deno.readTextFile(`${rec}.cwd`)).trim();
        const files = (await Deno.readTextFile(`${rec}.files`)).split("\n").filter((l) =>
          l !== "" && l !== "."
        );
        return { argv, cwd, files };
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return null;
        throw err;
      }
    },
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

async function replay(
  input: string,
  bin: string,
  timeoutSeconds = 10,
  maxOutputBytes?: number,
): Promise<ValidateReport> {
  const r = await resolveRuntimeBin(bin);
  if ("error" in r) throw new Error(r.error);
  const options = maxOutputBytes === undefined
    ? { runtimeBin: r.path, timeoutSeconds }
    : { runtimeBin: r.path, timeoutSeconds, maxOutputBytes };
  return await validatePackage(input, { replay: options });
}

async function assertGone(path: string): Promise<void> {
  assert.equal(await Deno.stat(path).then(() => true, () => false), false, `${path} was removed`);
}

/** The stub's working directory was a fresh handoff-replay-* directory that no longer exists. */
async function assertTempRemoved(s: Scratch): Promise<void> {
  const rec = await s.record();
  assert.ok(rec, "the stub ran");
  assert.match(rec.cwd.slice(rec.cwd.lastIndexOf("/") + 1), /^handoff-replay-/);
  await assertGone(rec.cwd);
}

Deno.test("replay with a runtime that exits 0: valid, reference argv, cwd holding exactly the members", async () => {
  const s = await scratch();
  try {
    const bin = await s.stub("exit 0");
    const r = await replay(s.pkg, bin);
    assert.deepEqual(located(r.problems), []);
    assert.equal(r.valid, true);
    const rec = await s.record();
    assert.deepEqual(rec?.argv, ["--check-config", "runtime/anolis-runtime.yaml"]);
    assert.deepEqual(
      rec?.files,
      ["./meta", "./providers", "./runtime", "./runtime/behaviors", ...EXPECTED_MEMBERS].sort(),
    );
    assert.deepEqual({ ...r.replay, duration_ms: 0 }, {
      requested: true,
      ran: true,
      skipped_reason: null,
      exit_code: 0,
      signal: null,
      timed_out: false,
      duration_ms: 0,
      stdout: "",
      stderr: "",
      output_truncated: false,
    });
    assert.equal(typeof r.replay.duration_ms, "number");
    await assertTempRemoved(s);
  } finally {
    await s.cleanup();
  }
});

Deno.test("replay writes members 0644 in directories 0700, with stdin closed", async () => {
  const s = await scratch();
  try {
    const bin = await s.stub(
      "stat -c '%a %n' . runtime runtime/anolis-runtime.yaml; read line; echo \"read:$?:$line\"",
    );
    const r = await replay(s.pkg, bin);
    assert.equal(r.valid, true);
    assert.deepEqual(r.replay.stdout?.split("\n"), [
      "700 .",
      "700 runtime",
      "644 runtime/anolis-runtime.yaml",
      "read:1:",
      "",
    ]);
  } finally {
    await s.cleanup();
  }
});

const FAILURES: [string, string, string][] = [
  ["stderr", "echo '  config rejected: port  ' >&2; echo ignored; exit 4", "config rejected: port"],
  ["stdout only", "echo '  bad provider  '; exit 4", "bad provider"],
  ["silent", "exit 4", "exit 4"],
  ["blank output", "echo '   '; echo ' ' >&2; exit 4", "exit 4"],
];

for (const [label, body, detail] of FAILURES) {
  Deno.test(`replay with a runtime that exits 4 (${label}) reports replay-failed with detail "${detail}"`, async () => {
    const s = await scratch();
    try {
      const r = await replay(s.pkg, await s.stub(body));
      assert.deepEqual(located(r.problems), ["replay-failed - -"]);
      assert.equal(r.problems[0]?.message, `The runtime's --check-config failed: ${detail}`);
      assert.equal(r.replay.exit_code, 4);
      assert.equal(r.valid, false);
      await assertTempRemoved(s);
    } finally {
      await s.cleanup();
    }
  });
}

Deno.test("replay with a runtime killed by a signal reports the signal name", async () => {
  const s = await scratch();
  try {
    const r = await replay(s.pkg, await s.stub("kill -TERM $$"));
    assert.deepEqual(r.problems.map((p) => p.message), [
      "The runtime's --check-config failed: signal SIGTERM",
    ]);
    assert.equal(r.replay.exit_code, null);
    assert.equal(r.replay.signal, "SIGTERM");
    await assertTempRemoved(s);
  } finally {
    await s.cleanup();
  }
});

Deno.test("replay with a runtime that sleeps past --replay-timeout reports replay-timeout quickly", async () => {
  const s = await scratch();
  try {
    const bin = await s.stub("echo started; sleep 30; echo done");
    const started = performance.now();
    const r = await replay(s.pkg, bin, 1);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 10_000, `took ${Math.round(elapsed)} ms`);
    assert.deepEqual(r.problems.map((p) => p.code), ["replay-timeout"]);
    assert.equal(r.replay.timed_out, true);
    assert.equal(r.replay.signal, "SIGKILL");
    assert.equal(r.replay.stdout, "started\n");
    await assertTempRemoved(s);
  } finally {
    await s.cleanup();
  }
});

Deno.test("replay output naming the temporary root shows <package> instead", async () => {
  const s = await scratch();
  try {
    const ok = await replay(s.pkg, await s.stub('pwd; echo "$(pwd)/runtime" >&2; exit 0'));
    assert.equal(ok.replay.stdout, "<package>\n");
    assert.equal(ok.replay.stderr, "<package>/runtime\n");
    const failed = await replay(
      s.pkg,
      await s.stub('echo "cannot read $(pwd)/providers/sim0.yaml" >&2; exit 1'),
    );
    assert.equal(
      failed.problems[0]?.message,
      "The runtime's --check-config failed: cannot read <package>/providers/sim0.yaml",
    );
    assert.doesNotMatch(JSON.stringify(failed), /handoff-replay-[^t]/);
  } finally {
    await s.cleanup();
  }
});

Deno.test("replay output is bounded and the report says it was truncated", async () => {
  const s = await scratch();
  try {
    const r = await replay(s.pkg, await s.stub("printf 'abcdefghijklmnop'; printf 'xy' >&2"), 10, 8);
    assert.equal(r.replay.stdout, "abcdefgh");
    assert.equal(r.replay.stderr, "xy");
    assert.equal(r.replay.output_truncated, true);
    assert.equal(r.valid, true);
  } finally {
    await s.cleanup();
  }
});

Deno.test("replay passes the normalized form of runtime_profiles.manual", async () => {
  const m = await baseMembers();
  edit(
    m,
    "machine-profile.yaml",
    "manual: runtime/anolis-runtime.yaml",
    "manual: ./runtime//anolis-runtime.yaml",
  );
  const s = await scratch(await repack(m));
  try {
    const r = await replay(s.pkg, await s.stub("exit 0"));
    assert.deepEqual(r.problems, []);
    assert.deepEqual((await s.record())?.argv, ["--check-config", "runtime/anolis-runtime.yaml"]);
  } finally {
    await s.cleanup();
  }
});

Deno.test("replay is skipped after static errors and the runtime never runs", async () => {
  const m = await baseMembers();
  const s = await scratch(
    await repack(edit(m, "runtime/anolis-runtime.yaml", "- providers/sim0.yaml", "- /abs.yaml")),
  );
  try {
    const r = await replay(s.pkg, await s.stub("exit 0"));
    assert.deepEqual(r.problems.map((p) => p.code), ["path-absolute"]);
    assert.deepEqual(r.replay, {
      requested: true,
      ran: false,
      skipped_reason: "static-errors",
      exit_code: null,
      signal: null,
      timed_out: false,
      duration_ms: null,
      stdout: null,
      stderr: null,
      output_truncated: false,
    });
    assert.equal(await s.record(), null);
  } finally {
    await s.cleanup();
  }
});

Deno.test("replay of a non-zip input is skipped without running the runtime", async () => {
  const s = await scratch(new TextEncoder().encode("not a zip"));
  try {
    const r = await replay(s.pkg, await s.stub("exit 0"));
    assert.deepEqual(r.problems.map((p) => p.code), ["zip-no-end-record"]);
    assert.equal(r.replay.skipped_reason, "static-errors");
    assert.equal(await s.record(), null);
  } finally {
    await s.cleanup();
  }
});

Deno.test("replay runs after warnings only", async () => {
  const m = await baseMembers();
  const s = await scratch(
    await repack(
      edit(
        m,
        "runtime/anolis-runtime.yaml",
        "command: anolis-provider-sim",
        "command: ../x/anolis-provider-sim",
      ),
    ),
  );
  try {
    const r = await replay(s.pkg, await s.stub("exit 0"));
    assert.deepEqual(r.problems.map((p) => p.code), ["provider-command-unresolvable"]);
    assert.equal(r.replay.ran, true);
  } finally {
    await s.cleanup();
  }
});

Deno.test("replay of a directory-form package runs in a private copy, not in the user's directory", async () => {
  const s = await scratch();
  try {
    const root = `${s.dir}/extracted`;
    await extractTo(await baseMembers(), root);
    const r = await replay(root, await s.stub("touch written-by-runtime; exit 0"));
    assert.deepEqual(r.problems.map((p) => p.code), []);
    assert.equal(r.input_kind, "directory");
    const rec = await s.record();
    assert.notEqual(rec?.cwd, root);
    assert.deepEqual(
      rec?.files.filter((f) => !["./meta", "./providers", "./runtime", "./runtime/behaviors"].includes(f)),
      EXPECTED_MEMBERS,
    );
    await assertGone(`${root}/written-by-runtime`);
    await assertTempRemoved(s);
  } finally {
    await s.cleanup();
  }
});

Deno.test("a runtime that cannot be started is replay-spawn-failed (exit 3) and the temporary root is removed", async () => {
  const s = await scratch();
  try {
    const bin = `${s.dir}/broken.sh`;
    await Deno.writeTextFile(bin, "#!/nonexistent/interpreter\n");
    await Deno.chmod(bin, 0o755);
    const before = await replayDirs();
    const r = await replay(s.pkg, bin);
    assert.deepEqual(r.problems.map((p) => p.code), ["replay-spawn-failed"]);
    assert.equal(r.replay.ran, false);
    assert.equal(
      r.problems[0]?.message,
      "The runtime could not be started: No such file or directory (os error 2)",
    );
    assert.deepEqual((await replayDirs()).filter((d) => !before.includes(d)), []);
    const io = memoryIo();
    assert.equal(await main(["validate", s.pkg, "--runtime-bin", bin], io), 3);
    assert.match(io.stderr(), /^error\[replay-spawn-failed\] /m);
  } finally {
    await s.cleanup();
  }
});

/** `handoff-replay-*` directories (not this file's scratch directories) in the temporary directory. */
async function replayDirs(): Promise<string[]> {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  const out: string[] = [];
  for await (const e of Deno.readDir(tmp)) {
    if (e.name.startsWith("handoff-replay-") && !e.name.startsWith("handoff-test-replay-")) out.push(e.name);
  }
  return out;
}

Deno.test("an unusable --runtime-bin is a usage error (exit 2) reported before validation", async () => {
  const s = await scratch();
  try {
    const plain = `${s.dir}/not-executable.sh`;
    await Deno.writeTextFile(plain, "#!/bin/sh\nexit 0\n");
    await Deno.chmod(plain, 0o644);
    await Deno.mkdir(`${s.dir}/a-directory`);
    for (const bin of [plain, `${s.dir}/a-directory`, `${s.dir}/missing`]) {
      const io = memoryIo();
      assert.equal(await main(["validate", s.pkg, "--runtime-bin", bin], io), 2, bin);
      assert.equal(io.stdout(), "", "nothing validated");
      assert.match(
        io.stderr(),
        /^handoff validate: Runtime binary ".*" (is not executable|is not a regular file|does not exist) \(see/,
      );
    }
    for (const timeout of ["0", "-1", "abc", "1e3"]) {
      const io = memoryIo();
      assert.equal(
        await main(["validate", s.pkg, "--runtime-bin", plain, "--replay-timeout", timeout], io),
        2,
        timeout,
      );
    }
  } finally {
    await s.cleanup();
  }
});

Deno.test("the CLI runs the replay through a symlinked --runtime-bin and reports it in JSON", async () => {
  const s = await scratch();
  try {
    const bin = await s.stub("exit 0");
    await Deno.symlink(bin, `${s.dir}/link-to-runtime`);
    const io = memoryIo();
    assert.equal(
      await main([
        "validate",
        s.pkg,
        "--runtime-bin",
        `${s.dir}/link-to-runtime`,
        "--replay-timeout",
        "2.5",
        "--json",
      ], io),
      0,
    );
    const report = JSON.parse(io.stdout());
    assert.equal(report.replay.ran, true);
    assert.equal(report.replay.exit_code, 0);
    assert.equal((await s.record())?.argv.length, 2);
  } finally {
    await s.cleanup();
  }
});

Deno.test({
  name:
    "resolveRuntimeBin leaves a missing read permission to the caller instead of calling the binary missing",
  permissions: { read: false },
  fn: async () => {
    const { resolveRuntimeBin } = await import("../../lib/anpkg/replay.ts");
    await assert.rejects(() => resolveRuntimeBin("/bin/sh"), Deno.errors.NotCapable);
  },
});
