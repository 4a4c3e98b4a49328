/**
 * Builds `dist/handoff.js` (`deno task bundle`): the whole CLI in one self-contained file, with
 * the npm packages and the deflate codec's WebAssembly inlined, so that it runs with
 * `deno run handoff.js …` offline, from any directory and from an HTTP URL, with no npm
 * resolution at run time. `deno run -A scripts/bundle.ts OUT.js` writes it elsewhere.
 *
 * `deno bundle` emits `createRequire(import.meta.url)` for the Node compatibility layer, which
 * throws when the bundle is served over http; it is rewritten to a fixed file URL (the require
 * function is only used for Node built-ins, which resolve the same from any base).
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname;

/** Where `deno task bundle` writes the bundle. */
export const DEFAULT_BUNDLE = `${ROOT}dist/handoff.js`;

/** Whether this Deno has the `bundle` subcommand (Deno 2.4 and later). */
export async function bundleAvailable(): Promise<boolean> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--help"],
    stdout: "null",
    stderr: "null",
  }).output();
  return r.success;
}

/**
 * Bundles `cli.ts` into `output` and applies the http fix. Throws with `deno bundle`'s message
 * when bundling fails. Returns the size of the bundle in bytes.
 */
export async function bundle(output: string = DEFAULT_BUNDLE): Promise<number> {
  const dir = output.slice(0, output.lastIndexOf("/"));
  if (dir !== "") await Deno.mkdir(dir, { recursive: true });
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "deno", "-o", output, `${ROOT}cli.ts`],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    const why = new TextDecoder().decode(r.stderr).trim() || `exit code ${r.code}`;
    throw new Error(`deno bundle failed: ${why}`);
  }
  const text = await Deno.readTextFile(output);
  const fixed = text.replaceAll("createRequire(import.meta.url)", 'createRequire("file:///bundle.js")');
  await Deno.writeTextFile(output, fixed);
  return new TextEncoder().encode(fixed).length;
}

if (import.meta.main) {
  const output = Deno.args[0] ?? DEFAULT_BUNDLE;
  try {
    const size = await bundle(output);
    console.log(`${output} (${(size / 1024).toFixed(0)} KiB)`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    Deno.exit(1);
  }
}
