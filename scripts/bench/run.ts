/**
 * Runs the benchmarks one after another (`deno task bench [name…]`); each prints its own ratios
 * against a reference tool measured in the same run. Names: `anpkg` (validate, 1 GiB validate,
 * export), `amod` (100 000 files, 1 GiB), `serve` (requests per second), `startup` (cold starts).
 * Without names, all of them (several minutes; the 1 GiB cases need about 3 GB of free disk).
 *
 * @module
 */

const SCRIPTS: Record<string, string[]> = {
  anpkg: ["anpkg.ts"],
  amod: ["amod_snapshot.ts", "all"],
  serve: ["serve_validate.ts"],
  startup: ["startup.ts"],
};

const wanted = Deno.args.length > 0 ? Deno.args : Object.keys(SCRIPTS);
for (const name of wanted) {
  const script = SCRIPTS[name];
  if (!script) {
    console.error(`unknown benchmark "${name}" (known: ${Object.keys(SCRIPTS).join(", ")})`);
    Deno.exit(2);
  }
  const [file, ...args] = script;
  console.log(`\n## ${name}`);
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(file as string, import.meta.url).pathname, ...args],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!r.success) Deno.exit(r.code || 1);
}
