/**
 * The `.anpkg` commands through `cli.ts` in subprocesses, each with exactly the permissions it
 * needs (export: read and write; validate and inspect: read of the package only): stdout, stderr
 * and exit codes (anpkg.md §6.1–§6.3), JSON reports checked against `schemas/report.schema.json`.
 */

import assert from "node:assert/strict";
import { Validator } from "npm:@cfworker/json-schema@4.1.6";
import { VERSION } from "../../lib/version.ts";
import {
  baseMembers,
  basePackage,
  baseProject,
  edit,
  extractTo,
  makeProject,
  projectWith,
  repack,
} from "../anpkg/_build.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CLI = `${ROOT}cli.ts`;
const SCHEMA = JSON.parse(await Deno.readTextFile(`${ROOT}schemas/report.schema.json`));
const dec = new TextDecoder();

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `deno run <permissions> cli.ts <args>` from the repository root. */
async function cli(permissions: readonly string[], args: readonly string[]): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...permissions, CLI, ...args],
    cwd: ROOT,
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const run = { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  assert.doesNotMatch(run.stderr, /^\s+at /m, `no stack trace:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /Uncaught|error: (Uncaught|Module)/, run.stderr);
  return run;
}

const exportCli = (args: readonly string[]) => cli(["--allow-read", "--allow-write"], ["export", ...args]);
const readOnly = (path: string, command: string, args: readonly string[] = []) =>
  cli([`--allow-read=${path}`], [command, path, ...args]);

function assertSchemaValid(report: unknown): void {
  const r = new Validator(SCHEMA, "7").validate(report);
  assert.ok(r.valid, JSON.stringify(r.errors.slice(0, 5)));
}

/** A scratch directory with the base package (or other bytes) as `rig.anpkg`. */
async function withPackage(
  bytes: Uint8Array | null,
  fn: (pkg: string, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "handoff-cli-" }));
  try {
    const pkg = `${dir}/rig.anpkg`;
    await Deno.writeFile(pkg, bytes ?? await basePackage());
    await fn(pkg, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const PROBLEM_LINE = /^(error|warning)\[[a-z0-9]+(-[a-z0-9]+)*\] \S.*: \S.*$/;

// ── export ──

Deno.test("cli export prints the absolute package path on stdout and nothing on stderr", async () => {
  const project = await makeProject(baseProject());
  try {
    const out = `${project.tmp}/dist/rig.anpkg`;
    const r = await exportCli([project.path, "-o", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${out}\n`);
    assert.equal(r.stderr, "");
    assert.deepEqual(await Deno.readFile(out), await basePackage());
  } finally {
    await project.cleanup();
  }
});

Deno.test("cli export writes warnings to stderr and still exits 0", async () => {
  const project = await makeProject(projectWith({ "workbench.json": "{" }));
  try {
    const r = await exportCli([project.path, "-o", `${project.tmp}/rig.anpkg`]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${project.tmp}/rig.anpkg\n`);
    const lines = r.stderr.split("\n").slice(0, -1);
    assert.equal(lines.length, 1);
    assert.match(
      lines[0] as string,
      /^warning\[sidecar-invalid\] workbench\.json: workbench\.json is ignored: /,
    );
  } finally {
    await project.cleanup();
  }
});

Deno.test("cli export of an invalid project exits 1, writes nothing and explains on stderr", async () => {
  const project = await makeProject(projectWith({ "behaviors/main.xml": null }));
  try {
    const out = `${project.tmp}/rig.anpkg`;
    const r = await exportCli([project.path, "-o", out]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    const lines = r.stderr.split("\n").slice(0, -1);
    assert.match(lines[0] as string, /^error\[behavior-not-found\] config\/anolis-runtime\.manual\.yaml/);
    assert.equal(lines[1], "export failed: nothing written (1 error)");
    assert.equal(lines.length, 2);
    assert.equal(await Deno.stat(out).then(() => true, () => false), false);
  } finally {
    await project.cleanup();
  }
});

Deno.test("cli export --json prints the export report, valid against the report schema", async () => {
  const project = await makeProject(baseProject());
  try {
    const out = `${project.tmp}/rig.anpkg`;
    const r = await exportCli([project.path, "-o", out, "--json"]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "");
    const report = JSON.parse(r.stdout);
    assertSchemaValid(report);
    assert.deepEqual(Object.keys(report), [
      "report_version",
      "format",
      "operation",
      "input",
      "input_kind",
      "valid",
      "written",
      "errors",
      "warnings",
      "problems",
      "output",
      "size",
      "sha256",
    ]);
    assert.equal(report.operation, "export");
    assert.equal(report.input, project.path);
    assert.equal(report.output, out);
    assert.equal(report.size, (await basePackage()).length);
    const failed = await exportCli([`${project.tmp}/missing`, "--json"]);
    assert.equal(failed.code, 1);
    const failedReport = JSON.parse(failed.stdout);
    assertSchemaValid(failedReport);
    assert.deepEqual(
      [failedReport.written, failedReport.output, failedReport.size, failedReport.sha256],
      [false, null, null, null],
    );
    assert.equal(failedReport.problems[0].code, "project-not-found");
  } finally {
    await project.cleanup();
  }
});

Deno.test("cli export with --data-root and to a file whose parent is a regular file (exit 3)", async () => {
  const project = await makeProject(projectWith({ "behaviors/main.xml": null }));
  try {
    await Deno.mkdir(`${project.tmp}/data/behaviors`, { recursive: true });
    await Deno.writeTextFile(`${project.tmp}/data/behaviors/main.xml`, "<root/>\n");
    const ok = await exportCli([
      project.path,
      "-o",
      `${project.tmp}/rig.anpkg`,
      "--data-root",
      `${project.tmp}/data`,
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    await Deno.writeTextFile(`${project.tmp}/blocker`, "x");
    const blocked = await exportCli([
      project.path,
      "-o",
      `${project.tmp}/blocker/rig.anpkg`,
      "--data-root",
      `${project.tmp}/data`,
    ]);
    assert.equal(blocked.code, 3);
    assert.equal(blocked.stdout, "");
    assert.match(blocked.stderr, /^handoff export: I\/O error: .+\n$/);
    const noRoot = await exportCli([project.path, "--data-root", `${project.tmp}/none`]);
    assert.equal(noRoot.code, 2);
  } finally {
    await project.cleanup();
  }
});

Deno.test("cli export without -o writes <project name>.anpkg in the working directory", async () => {
  const project = await makeProject(baseProject(), "bench-7");
  try {
    await Deno.mkdir(`${project.tmp}/work`);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--allow-read", "--allow-write", CLI, "export", "../bench-7"],
      cwd: `${project.tmp}/work`,
      stdin: "null",
    }).output();
    assert.equal(out.code, 0, dec.decode(out.stderr));
    assert.equal(dec.decode(out.stdout), `${project.tmp}/work/bench-7.anpkg\n`);
    assert.equal((await Deno.stat(`${project.tmp}/work/bench-7.anpkg`)).isFile, true);
  } finally {
    await project.cleanup();
  }
});

// ── validate ──

Deno.test("cli validate of an input that cannot be read exits 3 (io-error)", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "handoff-cli-" }));
  try {
    await Deno.symlink(`${dir}/b`, `${dir}/a`);
    await Deno.symlink(`${dir}/a`, `${dir}/b`);
    const r = await cli([`--allow-read=${dir}`], ["validate", `${dir}/a`]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, new RegExp(`^error\\[io-error\\] ${dir}/a: `));
    assert.equal(r.stdout, `invalid: ${dir}/a (1 errors, 0 warnings)\n`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli validate of a valid package: exit 0, one stdout line, nothing on stderr", async () => {
  await withPackage(null, async (pkg) => {
    const r = await readOnly(pkg, "validate");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `valid: ${pkg}\n`);
    assert.equal(r.stderr, "");
  });
});

Deno.test("cli validate of an invalid package: problem lines on stderr, the count on stdout, exit 1", async () => {
  const m = await baseMembers();
  edit(m, "providers/sim0.yaml", "name: sim0", "name: sim9");
  edit(m, "runtime/anolis-runtime.yaml", "command: anolis-provider-sim", "command: ../x/anolis-provider-sim");
  await withPackage(await repack(m, { rehash: false }), async (pkg) => {
    const r = await readOnly(pkg, "validate");
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `invalid: ${pkg} (2 errors, 1 warnings)\n`);
    const lines = r.stderr.split("\n").slice(0, -1);
    assert.deepEqual(lines.slice(0, 2), [
      'error[checksum-mismatch] providers/sim0.yaml: SHA-256 of "providers/sim0.yaml" differs from its checksum line',
      'error[checksum-mismatch] runtime/anolis-runtime.yaml: SHA-256 of "runtime/anolis-runtime.yaml" differs from its checksum line',
    ]);
    assert.match(
      lines[2] as string,
      /^warning\[provider-command-unresolvable\] runtime\/anolis-runtime\.yaml/,
    );
    for (const line of lines) assert.match(line, PROBLEM_LINE);
  });
});

Deno.test("cli validate --json: the report of §6.3, valid against the report schema", async () => {
  const m = await baseMembers();
  edit(m, "runtime/anolis-runtime.yaml", "- providers/sim0.yaml", "- /abs.yaml");
  for (const bytes of [await basePackage(), await repack(m)]) {
    await withPackage(bytes, async (pkg) => {
      const r = await readOnly(pkg, "validate", ["--json"]);
      assert.equal(r.stderr, "");
      const report = JSON.parse(r.stdout);
      assertSchemaValid(report);
      assert.equal(r.stdout, JSON.stringify(report, null, 2) + "\n");
      assert.deepEqual(Object.keys(report), [
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
      ]);
      assert.equal(report.input, pkg);
      assert.equal(report.input_kind, "archive");
      assert.equal(r.code, report.valid ? 0 : 1);
      assert.deepEqual(report.replay.skipped_reason, "not-requested");
      if (!report.valid) {
        assert.deepEqual(report.problems, [{
          code: "path-absolute",
          severity: "error",
          member: "runtime/anolis-runtime.yaml",
          path: "$.providers[0].args[1]",
          message: report.problems[0].message,
        }]);
      }
    });
  }
});

Deno.test("cli validate --format github prints annotations and the verdict on stdout", async () => {
  const m = await baseMembers();
  edit(m, "providers/sim0.yaml", "name: sim0", "name: sim9");
  await withPackage(await repack(m, { rehash: false }), async (pkg) => {
    const r = await readOnly(pkg, "validate", ["--format", "github"]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "");
    assert.equal(
      r.stdout,
      `::error file=${pkg},title=checksum-mismatch::providers/sim0.yaml: SHA-256 of "providers/sim0.yaml" differs from its checksum line\n` +
        `invalid: ${pkg} (1 errors, 0 warnings)\n`,
    );
  });
});

Deno.test("cli validate of an extracted directory needs only read access to it", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "handoff-cli-" }));
  try {
    await extractTo(await baseMembers(), `${dir}/pkg`);
    const r = await readOnly(`${dir}/pkg`, "validate", ["--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assertSchemaValid(report);
    assert.equal(report.input_kind, "directory");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli validate of a non-zip file and of a missing path exits 1 with the stage-A code", async () => {
  await withPackage(new TextEncoder().encode("hello, not a zip\n"), async (pkg, dir) => {
    const r = await readOnly(pkg, "validate");
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `invalid: ${pkg} (1 errors, 0 warnings)\n`);
    assert.match(r.stderr, new RegExp(`^error\\[zip-no-end-record\\] ${pkg}: .+\\n$`));
    const missing = await readOnly(`${dir}/missing.anpkg`, "validate", ["--json"]);
    assert.equal(missing.code, 1);
    const report = JSON.parse(missing.stdout);
    assertSchemaValid(report);
    assert.deepEqual(report.problems.map((p: { code: string }) => p.code), ["input-not-found"]);
  });
});

Deno.test("cli validate applies the limit flags", async () => {
  await withPackage(null, async (pkg) => {
    const members = await readOnly(pkg, "validate", ["--max-members", "3"]);
    assert.equal(members.code, 1);
    assert.match(members.stderr, /^error\[limit-members\] /);
    const bytes = await readOnly(pkg, "validate", ["--max-total-bytes", "1K"]);
    assert.equal(bytes.code, 1);
    assert.match(bytes.stderr, /^error\[limit-total-bytes\] /);
    const off = await readOnly(pkg, "validate", [
      "--max-members",
      "0",
      "--max-total-bytes",
      "0",
      "--max-ratio",
      "0",
    ]);
    assert.equal(off.code, 0);
  });
});

// ── inspect ──

Deno.test("cli inspect --json describes the package and matches the report schema", async () => {
  await withPackage(null, async (pkg) => {
    const r = await readOnly(pkg, "inspect", ["--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assertSchemaValid(report);
    assert.equal(report.operation, "inspect");
    assert.equal(report.archive.canonical, true);
    assert.equal(report.archive.entries, 7);
    assert.equal("replay" in report, false);
    const text = await readOnly(pkg, "inspect");
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^canonical: yes$/m);
    assert.match(text.stdout, new RegExp(`^valid: ${pkg}$`, "m"));
  });
});

Deno.test("cli inspect of a non-zip file exits 1", async () => {
  await withPackage(new TextEncoder().encode("nope"), async (pkg) => {
    const r = await readOnly(pkg, "inspect", ["--json"]);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    assertSchemaValid(report);
    assert.deepEqual(report.problems.map((p: { code: string }) => p.code), ["zip-no-end-record"]);
  });
});

// ── help, version, usage errors ──

for (const command of ["export", "validate", "inspect"]) {
  Deno.test(`cli ${command} --help prints usage on stdout and exits 0`, async () => {
    const r = await cli([], [command, "--help"]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, new RegExp(`\\nUsage:\\n  handoff ${command} `));
    for (const flag of ["--max-members", "--max-total-bytes", "--max-ratio", "--json", "--help"]) {
      assert.ok(r.stdout.includes(flag), `${command} --help mentions ${flag}`);
    }
  });
}

Deno.test("cli --version prints the version", async () => {
  const r = await cli([], ["--version"]);
  assert.deepEqual(r, { code: 0, stdout: `handoff ${VERSION}\n`, stderr: "" });
});

const USAGE: [string, string[]][] = [
  ["no command", []],
  ["an unknown command", ["frobnicate"]],
  ["validate without a package", ["validate"]],
  ["validate with two packages", ["validate", "a.anpkg", "b.anpkg"]],
  ["validate with an unknown option", ["validate", "a.anpkg", "--frob"]],
  ["validate with a bad --max-members", ["validate", "a.anpkg", "--max-members", "-1"]],
  ["validate with a suffixed --max-ratio", ["validate", "a.anpkg", "--max-ratio", "1K"]],
  ["validate with a bad --max-total-bytes", ["validate", "a.anpkg", "--max-total-bytes", "1T"]],
  ["validate with --format xml", ["validate", "a.anpkg", "--format", "xml"]],
  ["validate with a value for --json", ["validate", "a.anpkg", "--json=yes"]],
  ["validate with a missing option value", ["validate", "a.anpkg", "--max-members"]],
  ["validate with a zero --replay-timeout", ["validate", "a.anpkg", "--replay-timeout", "0"]],
  ["export without a project", ["export"]],
  ["export to an existing directory", ["export", "fixtures/projects/sim-only", "-o", "lib"]],
  ["inspect with an unknown option", ["inspect", "a.anpkg", "--runtime-bin", "x"]],
];

for (const [label, args] of USAGE) {
  Deno.test(`cli with ${label} is a usage error (exit 2, one line on stderr)`, async () => {
    const r = await cli(["--allow-read"], args);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "");
    const last = r.stderr.trimEnd().split("\n").pop() as string;
    assert.match(last, /^handoff( [a-z]+)?: \S/);
  });
}
