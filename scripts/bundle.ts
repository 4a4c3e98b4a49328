/**
 * Builds `dist/handoff.js`: the whole CLI in one self-contained file (no npm resolution at run
 * time), runnable with `deno run dist/handoff.js …` offline and from an HTTP URL.
 *
 * `deno bundle` emits `createRequire(import.meta.url)` for the Node compatibility layer, which
 * throws when the bundle is served over http; it is rewritten to a fixed file URL.
 *
 * @module
 */

const root = new URL("..", import.meta.url).pathname;
const out = `${root}dist/handoff.js`;
await Deno.mkdir(`${root}dist`, { recursive: true });
const r = await new Deno.Command(Deno.execPath(), {
  args: ["bundle", "--quiet", "--platform", "deno", "-o", out, `${root}cli.ts`],
  cwd: root,
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (!r.success) Deno.exit(r.code || 1);
const text = await Deno.readTextFile(out);
const fixed = text.replaceAll("createRequire(import.meta.url)", 'createRequire("file:///bundle.js")');
await Deno.writeTextFile(out, fixed);
console.log(`${out} (${(fixed.length / 1024).toFixed(0)} KiB)`);
