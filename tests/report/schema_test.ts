import assert from "node:assert/strict";
import { Validator } from "npm:@cfworker/json-schema@4.1.6";
import { main } from "../../lib/cli/main.ts";
import { memoryIo } from "../../lib/cli/io.ts";
import { copyProject, repoPath, tempDir, writeTree } from "../helpers/fs.ts";

const schema = JSON.parse(await Deno.readTextFile(repoPath("schemas/report.schema.json")));
const validator = new Validator(schema, "7", false);

async function json(argv: string[]): Promise<{ code: number; value: Record<string, unknown> }> {
  const io = memoryIo();
  const code = await main(argv, io);
  assert.ok(io.stdout().endsWith("}\n"), `${argv.join(" ")}: ${io.stdout()} ${io.stderr()}`);
  return { code, value: JSON.parse(io.stdout()) };
}

function assertValid(value: unknown, what: string): void {
  const r = validator.validate(value);
  assert.ok(r.valid, `${what}: ${JSON.stringify(r.errors.slice(0, 3))}`);
}

Deno.test("every JSON output of every command validates against schemas/report.schema.json", async () => {
  const dir = await tempDir();
  const project = await copyProject(repoPath("fixtures/projects/multi-provider"));
  try {
    const pkg = `${dir.path}/m.anpkg`;
    const seen = new Set<string>();
    const check = async (argv: string[], expectCode: number) => {
      const r = await json([...argv, "--json"]);
      assert.equal(r.code, expectCode, argv.join(" "));
      assertValid(r.value, argv.join(" "));
      seen.add(`${r.value.format}/${r.value.operation}`);
      return r.value;
    };
    await check(["export", project.path, "-o", pkg], 0);
    await check(["validate", pkg], 0);
    await check(["inspect", pkg], 0);
    await check(["validate", `${dir.path}/missing.anpkg`], 1);
    const install = `${dir.path}/install`;
    await check(["deploy", pkg, "--to", install], 0);
    await check(["status", "--to", install], 0);
    await check(["rollback", "--to", install], 1);

    const root = `${dir.path}/proj`;
    await writeTree(root, {
      ".agentmod/agentmod.toml": "schema_version = 1\n",
      ".agentmod/claude/settings.json": '{"theme": "dark"}\n',
      ".agentmod/claude/.credentials.json": "{}\n",
    });
    const snap = `${dir.path}/s.amod`;
    const io = memoryIo();
    assert.equal(await main(["snapshot", root, "-o", snap], io), 0, io.stderr());
    await check(["validate", snap], 0);
    await check(["inspect", snap], 0);
    await check(["list", root], 0);
    await Deno.mkdir(`${dir.path}/target`);
    await check(["restore", snap, `${dir.path}/target`, "--dry-run"], 0);
    await check(["restore", snap, `${dir.path}/target`], 0);
    assert.deepEqual([...seen].sort(), [
      "amod/inspect",
      "amod/list",
      "amod/restore",
      "amod/validate",
      "anpkg/deploy",
      "anpkg/export",
      "anpkg/inspect",
      "anpkg/rollback",
      "anpkg/status",
      "anpkg/validate",
    ]);
  } finally {
    await project.cleanup();
    await dir.cleanup();
  }
});

Deno.test("the report schema rejects a problem without its code or with a multi-line message", () => {
  const base = {
    report_version: 1,
    format: "anpkg",
    operation: "validate",
    input: "x",
    input_kind: "archive",
    valid: false,
    errors: 1,
    warnings: 0,
    replay: {
      requested: false,
      ran: false,
      skipped_reason: "not-requested",
      exit_code: null,
      signal: null,
      timed_out: false,
      duration_ms: null,
      stdout: null,
      stderr: null,
      output_truncated: false,
    },
  };
  const ok = { code: "zip-gap", severity: "error", member: null, path: null, message: "one line" };
  assert.equal(validator.validate({ ...base, problems: [ok] }).valid, true);
  const { code: _, ...noCode } = ok;
  assert.equal(validator.validate({ ...base, problems: [noCode] }).valid, false);
  assert.equal(validator.validate({ ...base, problems: [{ ...ok, message: "a\nb" }] }).valid, false);
  const { replay: _replay, ...noReplay } = base;
  assert.equal(validator.validate({ ...noReplay, problems: [] }).valid, false);
});
