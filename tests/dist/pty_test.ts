/**
 * Progress on a terminal: `snapshot`, `validate` (.amod and .anpkg), `export`, `restore` and `deploy` run through
 * `cli.ts` under a pseudo-terminal (`script`) with standard output redirected to a file, so the
 * terminal receives exactly standard error. What it received is replayed on a small line model
 * (carriage return, erase line, newline): the progress line must have been drawn, with members,
 * bytes and rate (deploy: its phase), and nothing of it may be left on the screen. With `--quiet`,
 * and with standard error piped instead of a terminal, not a byte of progress is written.
 * Skipped where `script` (util-linux) is missing.
 */

import assert from "node:assert/strict";
import { copyTree, writeTree } from "../helpers/fs.ts";
import { CLI, deno, ROOT } from "./_run.ts";

async function hasScript(): Promise<boolean> {
  try {
    return (await new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .output())
      .success;
  } catch {
    return false;
  }
}

const HAS_SCRIPT = Deno.build.os === "linux" && await hasScript();
const WORK = await Deno.realPath(await Deno.makeTempDir({ prefix: "handoff-pty-test-" }));
addEventListener("unload", () => Deno.removeSync(WORK, { recursive: true }));

/** Single-quotes a word for `sh -c`. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/**
 * Runs `deno run -A cli.ts <args>` in `cwd` with standard error on a pseudo-terminal and standard
 * output in `<cwd>/stdout.txt`; returns what the terminal received and the exit code.
 */
async function underPty(
  args: readonly string[],
  cwd: string,
): Promise<{ code: number; terminal: string; stdout: string }> {
  const command = [Deno.execPath(), "run", "-A", CLI, ...args].map(shellQuote).join(" ") + " > stdout.txt";
  const out = await new Deno.Command("script", {
    args: ["-qfec", command, "/dev/null"],
    cwd,
    env: { NO_COLOR: "1", TERM: "xterm" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  return {
    code: out.code,
    terminal: new TextDecoder().decode(out.stdout),
    stdout: await Deno.readTextFile(`${cwd}/stdout.txt`),
  };
}

/**
 * What a terminal shows after receiving `text`: `\r` returns to the start of the line, `ESC [2K`
 * erases it, `\n` moves down, other escape sequences change nothing on the line; printed
 * characters overwrite. Trailing blanks are dropped, then trailing empty lines.
 */
function screen(text: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "\r") col = 0;
    else if (c === "\n") {
      row++;
      col = 0;
      lines[row] ??= [];
    } else if (c === "\x1b") {
      // deno-lint-ignore no-control-regex -- a terminal escape sequence, on purpose
      const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(text.slice(i));
      if (m === null) continue;
      if (m[2] === "K" && m[1] === "2") lines[row] = [];
      i += m[0].length - 1;
    } else {
      const line = lines[row] as string[];
      while (line.length < col) line.push(" ");
      line[col++] = c;
    }
  }
  const out = lines.map((l) => l.join("").trimEnd());
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

Deno.test("the screen model erases, overwrites and keeps printed lines", () => {
  assert.deepEqual(screen("\r\x1b[2Kpacking: 1\r\x1b[2Kpacking: 22\r\x1b[2Kdone\r\n"), ["done"]);
  assert.deepEqual(screen("warning: x\r\n\rextracting: 1/3\r               \r"), ["warning: x"]);
  assert.deepEqual(screen("\x1b[31merror\x1b[0m\r\nok\r\n"), ["error", "ok"]);
});

/** One command whose progress is checked: its arguments (fresh per run) and the line it draws. */
interface Case {
  readonly name: string;
  /** Prepares a fresh directory for one run and returns the arguments. */
  setup(dir: string): Promise<string[]>;
  /** A drawn progress line (as it appears between erasures). */
  readonly line: RegExp;
  /** What the command prints on stdout when it succeeds. */
  readonly stdout: RegExp;
}

const RATE = String.raw`[0-9.]+ (B|KiB|MiB|GiB)/s`;
const BYTES = String.raw`[0-9.]+ (B|KiB|MiB|GiB)`;

/** An agent environment of 300 files (a few of them 256 KiB), plus a package, built once. */
const FIXTURE = `${WORK}/fixture`;
{
  const files: Record<string, string> = { ".agentmod/agentmod.toml": "schema_version = 1\n" };
  for (let i = 0; i < 300; i++) {
    const big = i % 60 === 0 ? "x".repeat(256 * 1024) : "";
    files[`.agentmod/notes/n${String(i).padStart(3, "0")}.md`] = `note ${i}\n${big}`;
  }
  await writeTree(`${FIXTURE}/proj`, files);
  const r = await deno(
    ["run", "-A", CLI, "snapshot", "proj", "-o", "snap.amod", "-q"],
    { cwd: FIXTURE, env: { SOURCE_DATE_EPOCH: "1781181045" } },
  );
  assert.equal(r.code, 0, r.stderr);
  const e = await deno([
    "run",
    "-A",
    CLI,
    "export",
    `${ROOT}fixtures/projects/large-plant`,
    "-o",
    "pkg.anpkg",
  ], {
    cwd: FIXTURE,
  });
  assert.equal(e.code, 0, e.stderr);
}

const CASES: Case[] = [
  {
    name: "snapshot",
    setup: async (dir) => {
      await copyTree(`${FIXTURE}/proj`, `${dir}/proj`);
      return ["snapshot", "proj", "-o", "out.amod"];
    },
    line: new RegExp(String.raw`packing: \d+ members, ${BYTES} of ${BYTES}, ${RATE}`),
    stdout: /^snapshot: .*\/out\.amod$/m,
  },
  {
    name: "validate",
    setup: async (dir) => {
      await Deno.copyFile(`${FIXTURE}/snap.amod`, `${dir}/snap.amod`);
      return ["validate", "snap.amod"];
    },
    line: new RegExp(String.raw`validating: ${BYTES} of ${BYTES}, ${RATE}`),
    stdout: /^valid: snap\.amod$/m,
  },
  {
    name: "restore",
    setup: async (dir) => {
      await Deno.copyFile(`${FIXTURE}/snap.amod`, `${dir}/snap.amod`);
      await Deno.mkdir(`${dir}/target`);
      return ["restore", "snap.amod", "target"];
    },
    line: new RegExp(String.raw`restoring: \d+ members, ${BYTES} of ${BYTES}, ${RATE}`),
    stdout: /^restored: snap\.amod$/m,
  },
  {
    name: "validate (.anpkg)",
    setup: async (dir) => {
      await Deno.copyFile(`${FIXTURE}/pkg.anpkg`, `${dir}/pkg.anpkg`);
      return ["validate", "pkg.anpkg"];
    },
    line: new RegExp(String.raw`validating: \d+ members, ${BYTES}, ${RATE}`),
    stdout: /^valid: pkg\.anpkg$/m,
  },
  {
    name: "export",
    setup: async (dir) => {
      await copyTree(`${ROOT}fixtures/projects/large-plant`, `${dir}/large-plant`);
      return ["export", "large-plant", "-o", "out.anpkg"];
    },
    line: new RegExp(String.raw`exporting: \d+ members, ${BYTES}, ${RATE}`),
    stdout: /\/out\.anpkg$/m,
  },
  {
    name: "deploy",
    setup: async (dir) => {
      await Deno.copyFile(`${FIXTURE}/pkg.anpkg`, `${dir}/pkg.anpkg`);
      return ["deploy", "pkg.anpkg", "--to", "install"];
    },
    line: /extracting: \d+\/\d+ members|validating the package|verifying \d+ members on disk/,
    stdout: /^deployed: release [0-9a-f]{12} is current in install$/m,
  },
];

let runs = 0;
async function freshDir(): Promise<string> {
  const dir = `${WORK}/run-${++runs}`;
  await Deno.mkdir(dir);
  return dir;
}

for (const c of CASES) {
  Deno.test({
    name: `${c.name} draws progress on a terminal and clears it; nothing with --quiet or without a terminal`,
    ignore: !HAS_SCRIPT,
    async fn() {
      const [shown, quiet, piped] = await Promise.all([
        (async () => {
          const dir = await freshDir();
          return await underPty(await c.setup(dir), dir);
        })(),
        (async () => {
          const dir = await freshDir();
          return await underPty([...await c.setup(dir), "--quiet"], dir);
        })(),
        (async () => {
          const dir = await freshDir();
          return await deno(["run", "-A", CLI, ...await c.setup(dir)], { cwd: dir });
        })(),
      ]);

      assert.equal(shown.code, 0, shown.terminal);
      assert.match(shown.stdout, c.stdout);
      // deno-lint-ignore no-control-regex -- the progress line's own erase sequence
      const drawn = shown.terminal.split(/\r|\x1b\[2K/);
      assert.ok(
        drawn.some((s) => c.line.test(s)),
        `a progress line was drawn:\n${JSON.stringify(shown.terminal)}`,
      );
      const left = screen(shown.terminal).filter((l) => c.line.test(l) || /^\w+: .*\/s$/.test(l));
      assert.deepEqual(left, [], "nothing of the progress line is left on the screen");

      assert.equal(quiet.code, 0, quiet.terminal);
      assert.match(quiet.stdout, c.stdout);
      assert.ok(
        !/\r(?!\n)/.test(quiet.terminal) && !c.line.test(quiet.terminal),
        JSON.stringify(quiet.terminal),
      );

      assert.equal(piped.code, 0, piped.stderr);
      assert.match(piped.stdout, c.stdout);
      assert.ok(!piped.stderr.includes("\r") && !c.line.test(piped.stderr), JSON.stringify(piped.stderr));
    },
  });
}
