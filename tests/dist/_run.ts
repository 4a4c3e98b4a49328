/**
 * Runs `deno` in a subprocess for the distribution tests, and the checks every run shares: no
 * stack trace and no uncaught error on standard error.
 *
 * @module
 */

import assert from "node:assert/strict";

/** The repository root, with a trailing slash. */
export const ROOT: string = new URL("../../", import.meta.url).pathname;
/** `cli.ts` of this checkout. */
export const CLI: string = `${ROOT}cli.ts`;

/** The outcome of one subprocess. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link deno}. */
export interface RunOptions {
  readonly cwd: string;
  /** Added to the inherited environment (with `NO_COLOR=1`). */
  readonly env?: Record<string, string>;
  /** Killed after this many milliseconds (default 60 000); the test then fails. */
  readonly timeoutMs?: number;
}

const decoder = new TextDecoder();

/** Runs `deno <args>` with standard input closed and both output streams captured. */
export async function deno(args: readonly string[], options: RunOptions): Promise<Run> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const signal = AbortSignal.timeout(timeoutMs);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).output();
  const run = { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
  assert.ok(!signal.aborted, `deno ${args.join(" ")} did not finish within ${timeoutMs} ms\n${run.stderr}`);
  return run;
}

/** Fails when standard error shows a stack trace or an uncaught error. */
export function assertNoTrace(run: Run, what: string): void {
  assert.doesNotMatch(run.stderr, /^\s+at /m, `${what}: a stack trace on stderr:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /Uncaught|Stack backtrace|panicked/, `${what}: ${run.stderr}`);
}

/** Fails unless the run exited 0; shows both streams otherwise. */
export function assertOk(run: Run, what: string): void {
  assertNoTrace(run, what);
  assert.equal(run.code, 0, `${what}: exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
}

/** SHA-256 of a file, hex. */
export async function fileSha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Every path below `dir` with its kind and content digest (or link target), sorted. */
export async function treeListing(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for await (const e of Deno.readDir(rel === "" ? dir : `${dir}/${rel}`)) {
      const r = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isSymlink) out.push(`${r} -> ${await Deno.readLink(`${dir}/${r}`)}`);
      else if (e.isDirectory) {
        out.push(`${r}/`);
        await walk(r);
      } else out.push(`${r} ${await fileSha256(`${dir}/${r}`)}`);
    }
  };
  await walk("");
  return out.sort();
}
