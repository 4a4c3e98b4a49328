/**
 * Benchmarks of `.amod` create (amod.md §4.9; DESIGN.md "Stream, do not slurp"):
 *
 * - `many`: a generated project with many small files (default 100 000), snapshot by the library
 *   versus `zip -r -q` of the same `.agentmod/` tree in the same run; prints both times and the
 *   ratio (target: at most 2).
 * - `big`: one large file (default 1 GiB of mixed text and random bytes), snapshot in a child
 *   process run under `/usr/bin/time -v`; prints the peak resident set size, which must stay flat
 *   (independent of the file size).
 *
 * Usage: `deno run -A scripts/bench/amod_snapshot.ts [many|big|all] [--files N] [--big-mib N]
 * [--read-ahead | --no-read-ahead]` (the last two force the library's read-ahead thread on or off
 * for `big`; by default the library decides).
 * Everything is generated below a temporary directory and removed afterwards.
 *
 * @module
 */

// Loaded statically: the deflate codec's WebAssembly cannot be imported dynamically.
import { createSnapshot } from "../../lib/amod/snapshot.ts";

const CLOCK = (): Date => new Date(1781181045 * 1000);

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(Deno.args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** A deterministic pseudo-random generator (xorshift32), so runs are comparable. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const WORDS = "alpha beta gamma delta config skill prompt session model agent tool hook value"
  .split(" ");

/** Writes `count` small text files (100 B – 4 KiB) in directories of 200 below `.agentmod/`. */
function generateMany(root: string, count: number): number {
  const next = rng(42);
  const enc = new TextEncoder();
  Deno.mkdirSync(`${root}/.agentmod`, { recursive: true });
  Deno.writeTextFileSync(`${root}/.agentmod/agentmod.toml`, "schema_version = 1\n");
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const dir = `${root}/.agentmod/data/d${String(Math.floor(i / 200)).padStart(4, "0")}`;
    if (i % 200 === 0) Deno.mkdirSync(dir, { recursive: true });
    const size = 100 + Math.floor(next() * next() * 4000);
    let text = "";
    while (text.length < size) text += `${WORDS[Math.floor(next() * WORDS.length)]} ${i}\n`;
    const data = enc.encode(text.slice(0, size));
    Deno.writeFileSync(`${dir}/f${String(i).padStart(6, "0")}.md`, data);
    bytes += data.length;
  }
  return bytes;
}

async function timeIt(f: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

async function benchMany(count: number): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "handoff-bench-" });
  try {
    const root = `${base}/many`;
    const bytes = generateMany(root, count);
    console.log(`many: ${count} files, ${(bytes / 1048576).toFixed(1)} MiB of text`);
    // Warm the page cache for both contenders alike.
    await new Deno.Command("tar", { args: ["-cf", "/dev/null", "-C", root, ".agentmod"] }).output();
    const zipSeconds = await timeIt(async () => {
      const out = await new Deno.Command("zip", {
        args: ["-r", "-q", `${base}/zip.zip`, ".agentmod"],
        cwd: root,
      }).output();
      if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    });
    let outcome: Awaited<ReturnType<typeof createSnapshot>> | undefined;
    const oursSeconds = await timeIt(async () => {
      outcome = await createSnapshot({
        root,
        output: `${base}/ours.amod`,
        clock: CLOCK,
        toolVersion: "bench",
        platform: "bench/bench",
        limits: { maxMembers: 0, maxTotalBytes: 0, maxRatio: 200 },
      });
    });
    if (!outcome?.ok) throw new Error(`snapshot failed: ${JSON.stringify(outcome)}`);
    const zipSize = (await Deno.stat(`${base}/zip.zip`)).size;
    const oursSize = (await Deno.stat(`${base}/ours.amod`)).size;
    console.log(`  zip -r -q:          ${zipSeconds.toFixed(2)} s  (${(zipSize / 1048576).toFixed(1)} MiB)`);
    console.log(
      `  handoff snapshot:   ${oursSeconds.toFixed(2)} s  (${(oursSize / 1048576).toFixed(1)} MiB)`,
    );
    console.log(`  ratio (ours / zip): ${(oursSeconds / zipSeconds).toFixed(2)}  (target <= 2)`);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

/** Writes a file of `mib` MiB: compressible text interleaved with random blocks. */
async function generateBig(path: string, mib: number): Promise<void> {
  const next = rng(7);
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const block = new Uint8Array(1024 * 1024);
  const text = new TextEncoder().encode("line of ordinary session text with a number 12345\n");
  for (let i = 0; i < mib; i++) {
    if (i % 2 === 0) {
      for (let j = 0; j < block.length; j++) block[j] = text[j % text.length] as number;
    } else {
      for (let j = 0; j < block.length; j += 4) {
        const v = (next() * 0x100000000) >>> 0;
        block[j] = v & 0xff;
        block[j + 1] = (v >>> 8) & 0xff;
        block[j + 2] = (v >>> 16) & 0xff;
        block[j + 3] = v >>> 24;
      }
    }
    let at = 0;
    while (at < block.length) at += await file.write(block.subarray(at));
  }
}

async function benchBig(mib: number, readAhead: boolean | null): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "handoff-bench-" });
  try {
    const root = `${base}/big`;
    await Deno.mkdir(`${root}/.agentmod`, { recursive: true });
    await Deno.writeTextFile(`${root}/.agentmod/agentmod.toml`, "schema_version = 1\n");
    await generateBig(`${root}/.agentmod/session.log`, mib);
    console.log(`big: one file of ${mib} MiB`);
    const child = `${base}/child.ts`;
    const snapshotModule = new URL("../../lib/amod/snapshot.ts", import.meta.url).href;
    await Deno.writeTextFile(
      child,
      `import { createSnapshot } from ${JSON.stringify(snapshotModule)};\n` +
        `const out = await createSnapshot({ root: ${JSON.stringify(root)}, output: ${
          JSON.stringify(`${base}/big.amod`)
        }, clock: () => new Date(1781181045000), toolVersion: "bench", platform: "bench/bench", ` +
        `limits: { maxMembers: 0, maxTotalBytes: 0, maxRatio: 200 }${
          readAhead === null ? "" : `, readAhead: ${readAhead}`
        } });\n` +
        `if (!out.ok) { console.error(JSON.stringify(out)); Deno.exit(1); }\n`,
    );
    const t = performance.now();
    const out = await new Deno.Command("/usr/bin/time", {
      args: ["-v", Deno.execPath(), "run", "-A", child],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const seconds = (performance.now() - t) / 1000;
    const err = new TextDecoder().decode(out.stderr);
    if (!out.success) throw new Error(err);
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1];
    console.log(`  handoff snapshot: ${seconds.toFixed(2)} s (${(mib / seconds).toFixed(0)} MiB/s)`);
    console.log(
      `  peak RSS:         ${rss === undefined ? "unknown" : `${(Number(rss) / 1024).toFixed(0)} MiB`}`,
    );
    // Validate the snapshot (whole process, read permission only) against openssl hashing the
    // same bytes, alternately, best of three each; and the validator's peak RSS.
    const amod = `${base}/big.amod`;
    const cli = new URL("../../cli.ts", import.meta.url).pathname;
    const validateArgs = ["run", `--allow-read=${amod}`, cli, "validate", amod];
    // openssl hashes the 1 GiB source file (the payload validate decodes and hashes) and, for
    // reference, the .amod file itself (smaller: its deflated form).
    const payload = `${root}/.agentmod/session.log`;
    const ours: number[] = [];
    const sslPayload: number[] = [];
    const sslArchive: number[] = [];
    const openssl = (file: string) =>
      timeIt(async () => {
        await new Deno.Command("openssl", { args: ["dgst", "-sha256", file], stdout: "null" }).output();
      });
    for (let i = 0; i < 3; i++) {
      ours.push(
        await timeIt(async () => {
          const v = await new Deno.Command(Deno.execPath(), { args: validateArgs, stdout: "null" }).output();
          if (!v.success) throw new Error(new TextDecoder().decode(v.stderr));
        }),
      );
      sslPayload.push(await openssl(payload));
      sslArchive.push(await openssl(amod));
    }
    const o = Math.min(...ours);
    const p = Math.min(...sslPayload);
    const a = Math.min(...sslArchive);
    const payloadMB = (await Deno.stat(payload)).size / 1e6;
    const archiveMB = (await Deno.stat(amod)).size / 1e6;
    console.log(
      `  validate:         ${o.toFixed(2)} s (${(payloadMB / o).toFixed(0)} MB/s of payload, ` +
        `${(archiveMB / o).toFixed(0)} MB/s of archive)`,
    );
    console.log(
      `  openssl dgst -sha256: payload ${p.toFixed(2)} s -> ratio ${(p / o).toFixed(2)}; ` +
        `archive ${a.toFixed(2)} s -> ratio ${(a / o).toFixed(2)} (target >= 0.8)`,
    );
    const vt = await new Deno.Command("/usr/bin/time", {
      args: ["-v", Deno.execPath(), ...validateArgs],
      stdout: "null",
      stderr: "piped",
    }).output();
    const vrss = /Maximum resident set size \(kbytes\): (\d+)/.exec(new TextDecoder().decode(vt.stderr))?.[1];
    console.log(
      `  validate peak RSS: ${vrss === undefined ? "unknown" : `${(Number(vrss) / 1024).toFixed(0)} MiB`}`,
    );
    const zipSeconds = await timeIt(async () => {
      const z = await new Deno.Command("zip", {
        args: ["-r", "-q", `${base}/big.zip`, ".agentmod"],
        cwd: root,
      })
        .output();
      if (!z.success) throw new Error(new TextDecoder().decode(z.stderr));
    });
    console.log(
      `  zip -r -q:        ${zipSeconds.toFixed(2)} s  (ratio ${(seconds / zipSeconds).toFixed(2)})`,
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

if (import.meta.main) {
  const which = Deno.args[0] ?? "all";
  if (which === "many" || which === "all") await benchMany(arg("files", 100_000));
  const readAhead = Deno.args.includes("--no-read-ahead")
    ? false
    : Deno.args.includes("--read-ahead")
    ? true
    : null;
  if (which === "big" || which === "all") await benchBig(arg("big-mib", 1024), readAhead);
}
