/**
 * Benchmark helpers: whole-process timings of commands run alternately with a reference tool in
 * the same run (the machine is shared and noisy, so only ratios measured together mean anything),
 * and peak resident memory from `/usr/bin/time -v`.
 *
 * @module
 */

/** One measured command. */
export interface Cmd {
  readonly label: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd?: string;
}

/** Runs a command once; returns wall milliseconds (throws when it fails). */
export async function runOnce(c: Cmd): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(c.cmd, {
    args: [...c.args],
    stdout: "null",
    stderr: "piped",
    ...(c.cwd ? { cwd: c.cwd } : {}),
  }).output();
  const ms = performance.now() - t0;
  if (!out.success) {
    throw new Error(`${c.label} failed (${out.code}): ${new TextDecoder().decode(out.stderr).slice(0, 400)}`);
  }
  return ms;
}

/** The median of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Runs commands alternately `runs` times after one warm-up each; returns median wall ms per label. */
export async function alternate(cmds: readonly Cmd[], runs: number): Promise<Map<string, number>> {
  for (const c of cmds) await runOnce(c);
  const times = new Map<string, number[]>(cmds.map((c) => [c.label, []]));
  for (let i = 0; i < runs; i++) {
    for (const c of cmds) times.get(c.label)?.push(await runOnce(c));
  }
  return new Map([...times].map(([k, v]) => [k, median(v)]));
}

/** Peak RSS in MiB and wall seconds of one run, from GNU time. */
export async function peakRss(c: Cmd): Promise<{ rssMiB: number; seconds: number }> {
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-v", c.cmd, ...c.args],
    stdout: "null",
    stderr: "piped",
    ...(c.cwd ? { cwd: c.cwd } : {}),
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${c.label} failed: ${text.slice(-400)}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1] ?? NaN);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(text);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  return { rssMiB: kb / 1024, seconds };
}

/** The Deno executable running this script. */
export const DENO = Deno.execPath();

/** Absolute path of a repository file. */
export function repo(rel: string): string {
  return new URL(`../../${rel}`, import.meta.url).pathname;
}

/** Prints a result line: `name: ours X ms, reference Y ms, ratio R (target T)`. */
export function report(name: string, ours: number, ref: number, unit: string, target: string): void {
  const ratio = ours / ref;
  console.log(
    `${name}: ours ${ours.toFixed(1)} ${unit}, reference ${ref.toFixed(1)} ${unit}, ratio ${
      ratio.toFixed(3)
    } (target ${target})`,
  );
}
