/**
 * Benchmark of `POST /api/validate` (anpkg.md §6.4): requests per second for a typical package
 * (our multi-provider fixture: 8 members, a behavior tree, ~4 KiB) with 8 concurrent clients
 * over loopback.
 *
 * The server runs as `handoff serve` in its own process, with the minimal permissions the README
 * gives (`--allow-net=127.0.0.1 --allow-read=<projects-root>`), so the load generator does not
 * share its event loop. The run is bounded both by a request count and by a time limit; every
 * response is checked (status 200, `valid: true`).
 *
 * Usage: `deno run -A scripts/bench/serve_validate.ts [--clients 8] [--requests 4000] [--seconds 20]`.
 *
 * @module
 */

import { buildPackage } from "../../lib/anpkg/export.ts";

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(Deno.args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const clients = arg("clients", 8);
const maxRequests = arg("requests", 4000);
const maxSeconds = arg("seconds", 20);
const warmup = 100;

const cli = new URL("../../cli.ts", import.meta.url).pathname;
const fixture = new URL("../../fixtures/projects/multi-provider", import.meta.url).pathname;
const built = await buildPackage(fixture);
if (built.bytes === null) throw new Error("the multi-provider fixture does not export");
const body = built.bytes as Uint8Array<ArrayBuffer>;

const root = await Deno.makeTempDir({ prefix: "handoff-bench-serve-" });
const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--quiet",
    "--allow-net=127.0.0.1",
    `--allow-read=${root}`,
    cli,
    "serve",
    "--projects-root",
    root,
    "--port",
    "0",
  ],
  stdout: "piped",
  stderr: "inherit",
  stdin: "null",
}).spawn();

try {
  const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error("the server ended before listening");
    first += value;
  }
  const m = /^listening on (\S+)\n/.exec(first);
  if (!m) throw new Error(`unexpected server output: ${first}`);
  const url = `${m[1]}api/validate`;

  const once = async (): Promise<number> => {
    const t = performance.now();
    const res = await fetch(url, { method: "POST", body });
    const report = await res.json();
    if (res.status !== 200 || report.valid !== true) throw new Error(`unexpected answer ${res.status}`);
    return performance.now() - t;
  };

  for (let i = 0; i < warmup; i++) await once();

  const latencies: number[] = [];
  let issued = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (issued < maxRequests && performance.now() < deadline) {
      issued++;
      latencies.push(await once());
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(2);
  console.log(
    `package: multi-provider fixture, ${body.length} bytes; ${clients} concurrent clients over loopback`,
  );
  console.log(
    `requests: ${latencies.length} in ${
      seconds.toFixed(2)
    } s (limits: ${maxRequests} requests, ${maxSeconds} s)`,
  );
  console.log(`throughput: ${(latencies.length / seconds).toFixed(0)} requests/s`);
  console.log(`latency ms: p50 ${pct(0.5)}, p95 ${pct(0.95)}, p99 ${pct(0.99)}, max ${pct(1)}`);
} finally {
  try {
    server.kill("SIGTERM");
  } catch {
    // already ended
  }
  await server.status;
  await Deno.remove(root, { recursive: true });
}
