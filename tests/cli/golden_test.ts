/**
 * Golden outputs of the CLI: stdout, stderr and exit code of typical commands on our fixtures,
 * compared with `tests/cli/golden/<name>.txt`. Refresh them deliberately with
 * `deno task golden` (which sets HANDOFF_UPDATE_GOLDEN=1), never silently.
 */

import assert from "node:assert/strict";
import { copyTree, repoPath } from "../helpers/fs.ts";

const CLI = repoPath("cli.ts");
const GOLDEN = repoPath("tests/cli/golden");
const UPDATE = Deno.env.get("HANDOFF_UPDATE_GOLDEN") === "1";
const WORK = await Deno.realPath(await Deno.makeTempDir({ prefix: "handoff-golden-" }));
addEventListener("unload", () => Deno.removeSync(WORK, { recursive: true }));

// The working directory every command runs in: our fixture projects, one export, one snapshot.
await copyTree(repoPath("fixtures/projects/sim-only"), `${WORK}/sim-only`);
await copyTree(repoPath("fixtures/projects/multi-provider"), `${WORK}/multi-provider`);
await Deno.mkdir(`${WORK}/env/.agentmod/claude`, { recursive: true });
await Deno.writeTextFile(`${WORK}/env/.agentmod/agentmod.toml`, "schema_version = 1\n");
await Deno.writeTextFile(`${WORK}/env/.agentmod/claude/settings.json`, '{"theme": "dark"}\n');
await Deno.writeTextFile(`${WORK}/env/.agentmod/claude/.credentials.json`, "{}\n");
await Deno.writeTextFile(`${WORK}/env/.agentmod/notes.md`, "deploy notes\napi_key = see vault\n");

async function run(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd: WORK,
    env: { NO_COLOR: "1", SOURCE_DATE_EPOCH: "1781181045" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b).replaceAll(WORK, "<work>");
  return `$ handoff ${args.join(" ")}\nexit: ${out.code}\n--- stdout\n${text(out.stdout)}--- stderr\n${
    text(out.stderr)
  }`;
}

const CASES: [string, string[]][] = [
  ["help", ["--help"]],
  ["validate-help", ["validate", "--help"]],
  ["export", ["export", "multi-provider", "-o", "out/multi-provider.anpkg"]],
  ["validate-anpkg", ["validate", "out/multi-provider.anpkg"]],
  ["inspect-anpkg", ["inspect", "out/multi-provider.anpkg"]],
  ["validate-missing", ["validate", "nothing-here.anpkg"]],
  ["validate-usage", ["validate", "a", "b"]],
  ["snapshot", ["snapshot", "env", "-o", "out/env.amod"]],
  ["validate-amod", ["validate", "out/env.amod"]],
  ["inspect-amod", ["inspect", "out/env.amod"]],
];

// The cases run in order: later ones read what earlier ones wrote.
Deno.test("CLI golden outputs (refresh with `deno task golden`)", async () => {
  for (const [name, args] of CASES) {
    const actual = await run(args);
    const file = `${GOLDEN}/${name}.txt`;
    if (UPDATE) {
      await Deno.writeTextFile(file, actual);
      continue;
    }
    const expected = await Deno.readTextFile(file).catch(() => null);
    assert.ok(expected !== null, `missing golden file ${name}.txt: run \`deno task golden\``);
    assert.equal(actual, expected, `golden output of "${name}" changed: review, then \`deno task golden\``);
  }
});
