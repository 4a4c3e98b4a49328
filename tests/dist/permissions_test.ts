/**
 * The permission table of the README ("Minimal Deno permissions"), run row by row: `cli.ts` in a subprocess with
 * `--no-prompt` and exactly the row's minimal flags succeeds (with and without the optional ones,
 * whose effect is checked); with any one flag removed, or one path removed from a flag's list, it
 * exits 3 with one line on stderr naming the missing permission, prints nothing on stdout and
 * changes nothing. Every run works on its own copy of the fixtures it names.
 */

import assert from "node:assert/strict";
// Static import: the deflate codec's WebAssembly module can only be loaded in the static graph.
import "../../lib/zip/zlib.ts";
import { main } from "../../lib/cli/main.ts";
import { memoryIo } from "../../lib/cli/io.ts";
import { copyTree, writeTree } from "../helpers/fs.ts";
import { assertNoTrace, CLI, deno, ROOT, type Run, treeListing } from "./_run.ts";

const DOC = `${ROOT}README.md`;
const EPOCH = "1781181045";
const STAMP = "20260611-123045";

/** One row of the table: the command line with placeholders, its minimal and optional flags. */
interface Row {
  readonly command: string;
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

/** The rows between the `permissions:start` and `permissions:end` markers. */
function tableRows(markdown: string): Row[] {
  const start = markdown.indexOf("<!-- permissions:start -->");
  const end = markdown.indexOf("<!-- permissions:end -->");
  assert.ok(start >= 0 && end > start, "the permission table markers");
  const rows: Row[] = [];
  for (const line of markdown.slice(start, end).split("\n")) {
    if (!line.startsWith("| `handoff ")) continue;
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    const code = (cell: string | undefined): string => /^`([^`]*)`$/.exec(cell ?? "")?.[1] ?? "";
    const words = (cell: string | undefined): string[] => code(cell).split(/\s+/).filter((w) => w !== "");
    rows.push({ command: code(cells[0]), required: words(cells[1]), optional: words(cells[2]) });
  }
  return rows;
}

/** What a successful run of a row must show; `minimal` is the run without the optional flags. */
interface Expectation {
  ok(run: Run, dir: string): void | Promise<void>;
  minimal?(run: Run, dir: string): void;
}

const gitRecorded = (r: Run) => assert.match(r.stdout, /^git: branch main @ [0-9a-f]{12}, clean$/m);
const gitOmitted = (r: Run) =>
  assert.match(r.stdout, /^git: metadata omitted \(git could not be started: .*--allow-run.*\)$/m);
const gitCompared = (r: Run) => assert.match(r.stdout, /^git: the repository matches the snapshot/m);
const gitNotCompared = (r: Run) =>
  assert.match(r.stderr, /^warning\[git-target-unavailable\] .*--allow-run/m);
const emptyDir = async (path: string) => assert.deepEqual(await treeListing(path), [], `${path} is empty`);

/** The checks of every row, by its command line; the table and this list must name the same rows. */
const EXPECT: Record<string, Expectation> = {
  "handoff export <project> -o <out>/<name>.anpkg": {
    ok: (r, dir) => assert.equal(r.stdout, `${dir}/out/new.anpkg\n`),
  },
  "handoff validate <pkg.anpkg>": { ok: (r) => assert.equal(r.stdout, "valid: pkg.anpkg\n") },
  "handoff validate <extracted-dir>": { ok: (r) => assert.equal(r.stdout, "valid: extracted\n") },
  "handoff validate <pkg.anpkg> --runtime-bin <bin>": {
    ok: async (r, dir) => {
      assert.equal(r.stdout, "valid: pkg.anpkg\n");
      assert.ok(await Deno.readTextFile(`${dir}/bin/ran`), "the runtime ran");
      await emptyDir(`${dir}/tmp`);
    },
  },
  "handoff inspect <pkg.anpkg>": { ok: (r) => assert.match(r.stdout, /^package: pkg\.anpkg \(archive\)$/m) },
  "handoff validate <snap.amod>": { ok: (r) => assert.match(r.stdout, /^valid: snap\.amod$/m) },
  "handoff validate <tree>": { ok: (r) => assert.match(r.stdout, /^valid: tree$/m) },
  "handoff inspect <snap.amod>": {
    ok: (r) => assert.match(r.stdout, /^snapshot: snap\.amod \(\.amod archive\)$/m),
  },
  "handoff list <root>": {
    ok: (r) => assert.match(r.stdout, /^no snapshots in .*root\/\.agentmod\/snapshots\/$/im),
  },
  "handoff snapshot <root>": {
    ok: (r) => {
      assert.match(
        r.stdout,
        new RegExp(`^snapshot: .*/root/\\.agentmod/snapshots/root-${STAMP}\\.amod$`, "m"),
      );
      gitRecorded(r);
    },
    minimal: (r) => {
      assert.match(r.stdout, /^snapshot: .*\/root\/\.agentmod\/snapshots\/root-\d{8}-\d{6}\.amod$/m);
      assert.doesNotMatch(r.stdout, new RegExp(STAMP), "SOURCE_DATE_EPOCH is read only when granted");
      gitOmitted(r);
    },
  },
  "handoff snapshot <root> -o <out>/<name>.amod": {
    ok: (r) => {
      assert.match(r.stdout, /^snapshot: .*\/out\/new\.amod$/m);
      gitRecorded(r);
    },
    minimal: gitOmitted,
  },
  "handoff snapshot <root> --for-git": {
    ok: (r) => {
      assert.match(r.stdout, /^tree package: .*\/root\/\.agentmod-handoff$/m);
      gitRecorded(r);
    },
    minimal: gitOmitted,
  },
  "handoff snapshot <linked-root> --for-git": {
    ok: async (r, dir) => {
      assert.match(r.stdout, /^tree package: .*\/linked-root\/\.agentmod-handoff$/m);
      gitRecorded(r);
      const link = `${dir}/linked-root/.agentmod-handoff/payload/.agentmod/skills/current.md`;
      assert.equal(await Deno.readLink(link), "review/SKILL.md");
    },
    minimal: gitOmitted,
  },
  "handoff restore <snap.amod> <root> --dry-run": {
    ok: (r) => {
      assert.match(r.stdout, /^dry run: nothing was changed$/m);
      gitCompared(r);
    },
    minimal: gitNotCompared,
  },
  "handoff restore <snap.amod> <root>": {
    ok: (r) => {
      assert.match(r.stdout, /^restored: snap\.amod$/m);
      assert.match(r.stdout, /^backup: the previous environment is at .*\/root\/\.agentmod\.backup-/m);
      gitCompared(r);
    },
    minimal: gitNotCompared,
  },
  "handoff restore <linked.amod> <linked-root>": {
    ok: async (r, dir) => {
      assert.match(r.stdout, /^restored: linked\.amod$/m);
      gitCompared(r);
      assert.equal(await Deno.readLink(`${dir}/linked-root/.agentmod/skills/current.md`), "review/SKILL.md");
    },
    minimal: gitNotCompared,
  },
  "handoff deploy <pkg.anpkg> --to <install>": {
    ok: (r) => assert.match(r.stdout, /^deployed: release [0-9a-f]{12} is current in install$/m),
  },
  "handoff deploy <pkg.anpkg> --to <install> --runtime-bin <bin>": {
    ok: async (r, dir) => {
      assert.match(r.stdout, /^deployed: release [0-9a-f]{12} is current in install$/m);
      assert.ok(await Deno.readTextFile(`${dir}/bin/ran`), "the runtime ran");
    },
  },
  "handoff rollback --to <install>": {
    ok: (r) => assert.match(r.stdout, /^rolled back: release [0-9a-f]{12} is current in install$/m),
  },
  "handoff status --to <install>": {
    ok: (r) => assert.match(r.stdout, /^current: [0-9a-f]{12} .* verified$/m),
  },
  "handoff serve --projects-root <projects> --port <port>": {
    ok: (r) => assert.match(r.stdout, /^listening on http:\/\/127\.0\.0\.1:\d+\/$/m),
  },
};

// ── fixtures: built once in-process, copied per run ──

const WORK = await Deno.realPath(await Deno.makeTempDir({ prefix: "handoff-permissions-test-" }));
addEventListener("unload", () => Deno.removeSync(WORK, { recursive: true }));
const TEMPLATE = `${WORK}/template`;

/** Placeholders of the table and the template entry (first path segment) each one lives in. */
const PLACES: Record<string, string> = {
  "<project>": "sim-only",
  "<out>": "out",
  "<name>": "new",
  "<pkg.anpkg>": "pkg.anpkg",
  "<extracted-dir>": "extracted",
  "<bin>": "bin/runtime",
  "<snap.amod>": "snap.amod",
  "<linked.amod>": "linked.amod",
  "<tree>": "tree",
  "<root>": "root",
  "<linked-root>": "linked-root",
  "<install>": "install",
  "<projects>": "projects",
};

async function cli(argv: string[]): Promise<void> {
  const io = memoryIo();
  assert.equal(await main(argv, io), 0, `${argv.join(" ")}: ${io.stderr()}`);
}

async function git(cwd: string, ...args: string[]): Promise<void> {
  const r = await new Deno.Command("git", {
    args: ["-c", "user.name=handoff test", "-c", "user.email=test@example.invalid", ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
}

/** A committed project with an agent environment (and a symbolic link in it when `linked`). */
async function agentRepo(root: string, linked: boolean): Promise<void> {
  await writeTree(root, {
    ".agentmod/agentmod.toml": "schema_version = 1\n",
    ".agentmod/claude/settings.json": '{"theme": "dark"}\n',
    ".agentmod/skills/review/SKILL.md": "# Review\n\nRead the diff twice.\n",
    "README.md": "# a project\n",
  });
  if (linked) await Deno.symlink("review/SKILL.md", `${root}/.agentmod/skills/current.md`);
  await git(root, "init", "-q", "-b", "main");
  await git(root, "add", "-A");
  await git(root, "commit", "-q", "-m", "initial");
}

async function buildTemplate(): Promise<void> {
  const t = TEMPLATE;
  await copyTree(`${ROOT}fixtures/projects/sim-only`, `${t}/sim-only`);
  await copyTree(`${ROOT}fixtures/projects/sim-only`, `${t}/projects/sim-only`);
  await Deno.mkdir(`${t}/out`);
  await cli(["export", `${t}/sim-only`, "-o", `${t}/pkg.anpkg`]);
  await cli(["export", `${ROOT}fixtures/projects/multi-provider`, "-o", `${WORK}/other.anpkg`]);
  // The install directory: the package deployed, then another one, so rollback has a target.
  await cli(["deploy", `${t}/pkg.anpkg`, "--to", `${t}/install`, "-q"]);
  const release = (await Deno.readLink(`${t}/install/current`)).replace(/^releases\//, "");
  await cli(["deploy", `${WORK}/other.anpkg`, "--to", `${t}/install`, "-q"]);
  // The extracted package: the members of the release deploy wrote, without its own metadata.
  await copyTree(`${t}/install/releases/${release}`, `${t}/extracted`);
  await Deno.remove(`${t}/extracted/.release.json`);
  await writeTree(t, {
    // Records that it ran, then accepts the configuration the replay names.
    "bin/runtime": `#!/bin/sh\necho "$@" > "$(dirname "$0")/ran"\n[ "$1" = --check-config ] && [ -f "$2" ]\n`,
  });
  await Deno.chmod(`${t}/bin/runtime`, 0o755);
  await agentRepo(`${t}/root`, false);
  await agentRepo(`${t}/linked-root`, true);
  await cli(["snapshot", `${t}/root`, "-o", `${t}/snap.amod`, "-q"]);
  await cli(["snapshot", `${t}/linked-root`, "-o", `${t}/linked.amod`, "-q"]);
  await writeTree(`${WORK}/scratch`, {
    ".agentmod/agentmod.toml": "schema_version = 1\n",
    ".agentmod/notes.md": "notes\n",
  });
  await cli(["snapshot", `${WORK}/scratch`, "--for-git", "-q"]);
  await Deno.rename(`${WORK}/scratch/.agentmod-handoff`, `${t}/tree`);
}

await buildTemplate();

// ── running one variant of a row ──

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A fresh directory with copies of the template entries the row names, and a fresh `<tmp>`. */
async function prepare(row: Row): Promise<{ dir: string; subst: (s: string) => string }> {
  const dir = await Deno.makeTempDir({ dir: WORK, prefix: "run-" });
  await Deno.mkdir(`${dir}/tmp`);
  const text = [row.command, ...row.required, ...row.optional].join(" ");
  for (const [place, rel] of Object.entries(PLACES)) {
    if (!text.includes(place) || place === "<name>") continue;
    const entry = rel.split("/")[0] as string;
    const from = `${TEMPLATE}/${entry}`;
    if ((await Deno.lstat(from)).isDirectory) await copyTree(from, `${dir}/${entry}`);
    else await Deno.copyFile(from, `${dir}/${entry}`);
  }
  const port = String(freePort());
  const subst = (s: string): string => {
    let out = s.replaceAll("<tmp>", `${dir}/tmp`).replaceAll("<port>", port);
    for (const [place, rel] of Object.entries(PLACES)) out = out.replaceAll(place, rel);
    assert.doesNotMatch(out, /<[^>]*>/, `every placeholder of "${s}" is known`);
    return out;
  };
  return { dir, subst };
}

/** Runs `handoff serve`: waits for its address, exports a project over HTTP, stops it with SIGTERM. */
async function runServe(args: string[], dir: string, env: Record<string, string>): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: dir,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    while (!stdout.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += value;
    }
    const address = /^listening on (http:\/\/\S+)$/m.exec(stdout)?.[1];
    if (address !== undefined) {
      const res = await fetch(`${address}api/projects/sim-only/export`, { method: "POST" });
      const body = new Uint8Array(await res.arrayBuffer());
      assert.equal(res.status, 200, "the export route answers");
      assert.deepEqual([...body.subarray(0, 2)], [0x50, 0x4b], "a zip archive");
      child.kill("SIGTERM");
    }
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += value;
    }
    const status = await child.status;
    return { code: status.code, stdout, stderr: await stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the row's command with `flags` (placeholders substituted) in a fresh directory. */
async function runVariant(
  row: Row,
  flags: readonly string[],
): Promise<{ run: Run; dir: string; before: string[] | null }> {
  const { dir, subst } = await prepare(row);
  const argv = row.command.split(/\s+/).slice(1).map(subst);
  const args = ["run", "--no-prompt", ...flags.map(subst), CLI, ...argv];
  const env = { TMPDIR: `${dir}/tmp`, SOURCE_DATE_EPOCH: EPOCH };
  const before = await treeListing(dir);
  const run = argv[0] === "serve" ? await runServe(args, dir, env) : await deno(args, { cwd: dir, env });
  return { run, dir, before };
}

/** The permission kind of a flag (`--allow-read=…` → `read`). */
function kindOf(flag: string): string {
  return /^--allow-(\w+)/.exec(flag)?.[1] ?? flag;
}

/** Every variant with one permission taken away: whole flags, then single paths of path lists. */
function withoutOne(required: readonly string[]): { label: string; flags: string[]; kind: string }[] {
  const out: { label: string; flags: string[]; kind: string }[] = [];
  required.forEach((flag, i) => {
    const rest = required.filter((_, j) => j !== i);
    out.push({ label: `without ${flag}`, flags: rest, kind: kindOf(flag) });
    const m = /^(--allow-(?:read|write))=(.+)$/.exec(flag);
    const paths = m?.[2]?.split(",") ?? [];
    if (paths.length < 2) return;
    paths.forEach((path, k) => {
      const narrowed = `${m?.[1]}=${paths.filter((_, l) => l !== k).join(",")}`;
      out.push({
        label: `${flag} without ${path}`,
        flags: [...rest.slice(0, i), narrowed, ...rest.slice(i)],
        kind: kindOf(flag),
      });
    });
  });
  return out;
}

/** Runs `tasks` with at most `limit` at a time. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

const ROWS = tableRows(await Deno.readTextFile(DOC));

Deno.test("the permission table and this test name the same commands, and every command has a row", () => {
  assert.deepEqual(ROWS.map((r) => r.command).sort(), Object.keys(EXPECT).sort());
  const commands = new Set(ROWS.map((r) => r.command.split(/\s+/)[1]));
  for (
    const c of [
      "export",
      "validate",
      "inspect",
      "snapshot",
      "list",
      "restore",
      "deploy",
      "rollback",
      "status",
      "serve",
    ]
  ) {
    assert.ok(commands.has(c), `a row for ${c}`);
  }
});

for (const row of ROWS) {
  const expect = EXPECT[row.command];
  Deno.test({
    name: `${row.command}: succeeds with ${
      row.required.join(" ")
    }; fails with exit 3 and one line without any of it`,
    ignore: expect === undefined,
    async fn() {
      const e = expect as Expectation;
      const cmd = row.command.split(/\s+/)[1];
      const tasks: (() => Promise<void>)[] = [];
      tasks.push(async () => {
        const { run, dir } = await runVariant(row, [...row.required, ...row.optional]);
        assertNoTrace(run, "all flags");
        assert.equal(run.code, 0, `with all flags: exit ${run.code}\n${run.stdout}\n${run.stderr}`);
        await e.ok(run, dir);
      });
      if (row.optional.length > 0) {
        tasks.push(async () => {
          const { run, dir } = await runVariant(row, row.required);
          assertNoTrace(run, "minimal flags");
          assert.equal(
            run.code,
            0,
            `without the optional flags: exit ${run.code}\n${run.stdout}\n${run.stderr}`,
          );
          e.minimal?.(run, dir);
        });
      }
      for (const v of withoutOne(row.required)) {
        tasks.push(async () => {
          const { run, dir, before } = await runVariant(row, [...v.flags, ...row.optional]);
          const what = `${v.label}: exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
          assertNoTrace(run, v.label);
          assert.equal(run.code, 3, what);
          assert.equal(run.stdout, "", what);
          assert.match(
            run.stderr,
            new RegExp(`^handoff ${cmd}: missing permission: [^\\n]*--allow-${v.kind}\\b[^\\n]*\\n$`),
            what,
          );
          assert.deepEqual(await treeListing(dir), before, `${v.label}: nothing changed`);
        });
      }
      await pool(tasks, 3);
    },
  });
}
