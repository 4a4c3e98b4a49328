/**
 * Test-only child process for the fault-injection tests of deploy and rollback: runs one
 * operation through the library with a step hook that, at the chosen step, prints
 * `paused <index> <step>` on stdout and then waits forever, so the parent can SIGKILL it at that
 * exact point. Never used by the product; the CLI has no such hook.
 *
 * Usage: `deno run -A tests/anpkg/_deploy_child.ts '<json>'` with
 * `{"mode": "deploy" | "rollback", "installDir", "package"?, "keep"?, "toRelease"?, "pauseAt"}`;
 * `pauseAt` -1 runs to the end and prints `done <result>`.
 *
 * @module
 */

// The deflate codec's WebAssembly must be part of the static module graph (see cli.ts).
import "../../lib/zip/zlib.ts";
import { deployPackage, type DeployStep, rollbackRelease } from "../../lib/anpkg/deploy.ts";

interface Job {
  readonly mode: "deploy" | "rollback";
  readonly installDir: string;
  readonly package?: string;
  readonly keep?: number;
  readonly toRelease?: string;
  readonly pauseAt: number;
}

const job = JSON.parse(Deno.args[0] ?? "{}") as Job;
const enc = new TextEncoder();
let index = 0;

async function onStep(s: DeployStep): Promise<void> {
  const i = index++;
  if (i !== job.pauseAt) return;
  Deno.stdout.writeSync(enc.encode(`paused ${i} ${s.step}\n`));
  // Wait for the parent's SIGKILL; the timer keeps the event loop alive.
  await new Promise(() => setInterval(() => {}, 60_000));
}

if (job.mode === "deploy") {
  const r = await deployPackage(job.package as string, {
    installDir: job.installDir,
    onStep,
    ...(job.keep !== undefined ? { keep: job.keep } : {}),
  });
  Deno.stdout.writeSync(enc.encode(`done ${r.deploy.result}\n`));
} else {
  const r = await rollbackRelease({
    installDir: job.installDir,
    onStep,
    ...(job.toRelease !== undefined ? { toRelease: job.toRelease } : {}),
  });
  Deno.stdout.writeSync(enc.encode(`done ${r.rollback.result}\n`));
}
