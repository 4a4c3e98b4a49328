/**
 * Cold-start timings in one run, hyperfine-style: whole `deno run` processes (warm Deno cache,
 * new process each time) of `cli.ts --version`, `validate` of a typical package through `cli.ts`
 * and through the one-file bundle, with an empty script as Deno's own floor. The commands run
 * round-robin after warm-up runs, so that the noise of a shared machine falls on all of them
 * alike; only the ratios printed together are meaningful.
 *
 *   deno run -A scripts/bench/startup.ts [--runs N] [--warmup N]
 *
 * @module
 */

import { bundle } from "../bundle.ts";
import { type Cmd, DENO, median, repo, runOnce } from "./_lib.ts";

function intFlag(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(Deno.args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a whole number above 0`);
  return v;
}

const RUNS = intFlag("runs", 30);
const WARMUP = intFlag("warmup", 3);

const work = await Deno.makeTempDir({ prefix: "handoff-startup-" });
try {
  const bundled = `${work}/handoff.js`;
  await bundle(bundled);
  const empty = `${work}/empty.js`;
  await Deno.writeTextFile(empty, "");
  // A typical package: the multi-provider example project (four providers, a behavior tree).
  const exported = await new Deno.Command(DENO, {
    args: [
      "run",
      "-A",
      repo("cli.ts"),
      "export",
      repo("fixtures/projects/multi-provider"),
      "-o",
      "pkg.anpkg",
    ],
    cwd: work,
    stdout: "null",
  }).output();
  if (!exported.success) throw new Error("export of the example package failed");
  const size = (await Deno.stat(`${work}/pkg.anpkg`)).size;

  const run = (label: string, ...args: string[]): Cmd => ({
    label,
    cmd: DENO,
    args: ["run", "--no-prompt", ...args],
    cwd: work,
  });
  const cmds: Cmd[] = [
    run("deno run empty.js", empty),
    run("deno run cli.ts --version", repo("cli.ts"), "--version"),
    run("deno run handoff.js --version", bundled, "--version"),
    run(
      "deno run cli.ts validate pkg.anpkg",
      "--allow-read=pkg.anpkg",
      repo("cli.ts"),
      "validate",
      "pkg.anpkg",
    ),
    run("deno run handoff.js validate pkg.anpkg", "--allow-read=pkg.anpkg", bundled, "validate", "pkg.anpkg"),
  ];

  for (let i = 0; i < WARMUP; i++) for (const c of cmds) await runOnce(c);
  const times = new Map<string, number[]>(cmds.map((c) => [c.label, []]));
  for (let i = 0; i < RUNS; i++) for (const c of cmds) times.get(c.label)?.push(await runOnce(c));

  const stats = (xs: readonly number[]) => {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(xs.length - 1, 1));
    return { median: median(xs), mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
  };
  const med = (label: string) => median(times.get(label) ?? []);

  console.log(
    `Deno ${Deno.version.deno}, ${RUNS} runs each after ${WARMUP} warm-up, round-robin; package ${size} bytes`,
  );
  console.log("");
  const width = Math.max(...cmds.map((c) => c.label.length));
  console.log(`${"command".padEnd(width)}  median ms  mean ± σ ms     min … max ms`);
  for (const c of cmds) {
    const s = stats(times.get(c.label) ?? []);
    console.log(
      `${c.label.padEnd(width)}  ${s.median.toFixed(1).padStart(9)}  ${
        `${s.mean.toFixed(1)} ± ${s.sd.toFixed(1)}`.padEnd(13)
      }  ${s.min.toFixed(1)} … ${s.max.toFixed(1)}`,
    );
  }
  console.log("");
  const ratio = (a: string, b: string) => console.log(`${a} / ${b}: ${(med(a) / med(b)).toFixed(2)}`);
  ratio("deno run cli.ts --version", "deno run empty.js");
  ratio("deno run handoff.js --version", "deno run cli.ts --version");
  ratio("deno run cli.ts validate pkg.anpkg", "deno run cli.ts --version");
  ratio("deno run handoff.js validate pkg.anpkg", "deno run cli.ts validate pkg.anpkg");
} finally {
  await Deno.remove(work, { recursive: true });
}
