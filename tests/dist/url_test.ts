/**
 * `handoff` run from an HTTP URL: the repository (and, separately, the one-file bundle) served by a
 * loopback server with the right content types, and the CLI started in a subprocess from
 * `http://127.0.0.1:<port>/…` in a fresh working directory that holds only the packages, with
 * `--allow-read=<package>` as the only flag — no config, no import map, no lockfile. Remote modules
 * go to a private `DENO_DIR` whose npm cache is the shared one (nothing is downloaded from npm again).
 */

import assert from "node:assert/strict";
import { Validator } from "npm:@cfworker/json-schema@4.1.6";
// Static import: the deflate codec's WebAssembly module can only be loaded in the static graph.
import "../../lib/zip/zlib.ts";
import { main } from "../../lib/cli/main.ts";
import { memoryIo } from "../../lib/cli/io.ts";
import { baseMembers, edit, repack } from "../anpkg/_build.ts";
import { bundle, bundleAvailable } from "../../scripts/bundle.ts";
import { assertNoTrace, deno, ROOT, type Run } from "./_run.ts";
import { serveStatic, type StaticServer } from "./_serve.ts";

const SCHEMA = JSON.parse(await Deno.readTextFile(`${ROOT}schemas/report.schema.json`));
const BUNDLE_AVAILABLE = await bundleAvailable();
const WORK = await Deno.realPath(await Deno.makeTempDir({ prefix: "handoff-url-test-" }));
addEventListener("unload", () => Deno.removeSync(WORK, { recursive: true }));
if (BUNDLE_AVAILABLE) {
  await Deno.mkdir(`${WORK}/served`);
  await bundle(`${WORK}/served/handoff.js`);
}

/** The shared npm cache, linked into a private `DENO_DIR` so remote modules do not pile up in the shared one. */
async function privateDenoDir(): Promise<string> {
  const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .output();
  const npmCache = JSON.parse(new TextDecoder().decode(info.stdout)).npmCache as string;
  const dir = `${WORK}/deno-dir`;
  await Deno.mkdir(dir);
  await Deno.symlink(npmCache, `${dir}/npm`);
  return dir;
}
const DENO_DIR = await privateDenoDir();

/** A fresh working directory with a valid package and one whose member no longer matches its checksum. */
async function packagesDir(name: string): Promise<string> {
  const dir = `${WORK}/${name}`;
  await Deno.mkdir(dir);
  const io = memoryIo();
  assert.equal(await main(["export", `${ROOT}fixtures/projects/sim-only`, "-o", `${dir}/pkg.anpkg`], io), 0);
  const m = await baseMembers();
  edit(m, "providers/sim0.yaml", "name: sim0", "name: sim9");
  await Deno.writeFile(`${dir}/bad.anpkg`, await repack(m, { rehash: false }));
  return dir;
}

/** `deno run --allow-read=<pkg> <url> validate <pkg> [extra]`: no other flag. */
function validateFromUrl(url: string, pkg: string, cwd: string, extra: string[] = []): Promise<Run> {
  return deno(["run", `--allow-read=${pkg}`, url, "validate", pkg, ...extra], { cwd, env: { DENO_DIR } });
}

/** The three validations a CI job runs, through `url`, with their exact outputs. */
async function checkValidations(url: string, cwd: string): Promise<void> {
  const ok = await validateFromUrl(url, "pkg.anpkg", cwd);
  assertNoTrace(ok, "validate");
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, "valid: pkg.anpkg\n");

  const github = await validateFromUrl(url, "bad.anpkg", cwd, ["--format", "github"]);
  assertNoTrace(github, "validate --format github");
  assert.equal(github.code, 1, github.stderr);
  assert.equal(
    github.stdout,
    '::error file=bad.anpkg,title=checksum-mismatch::providers/sim0.yaml: SHA-256 of "providers/sim0.yaml" ' +
      "differs from its checksum line\n" +
      "invalid: bad.anpkg (1 errors, 0 warnings)\n",
  );

  const json = await validateFromUrl(url, "bad.anpkg", cwd, ["--json"]);
  assert.equal(json.code, 1, json.stderr);
  const report = JSON.parse(json.stdout);
  const checked = new Validator(SCHEMA, "7").validate(report);
  assert.ok(checked.valid, JSON.stringify(checked.errors.slice(0, 3)));
  assert.deepEqual(report.problems.map((p: { code: string }) => p.code), ["checksum-mismatch"]);

  // Nothing was written beside the packages (no lockfile, no cache, no output).
  const names = [];
  for await (const e of Deno.readDir(cwd)) names.push(e.name);
  assert.deepEqual(names.sort(), ["bad.anpkg", "pkg.anpkg"]);
}

async function withServer(root: string, fn: (server: StaticServer) => Promise<void>): Promise<void> {
  const server = serveStatic(root);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

Deno.test("cli.ts runs from an http URL with --allow-read of the package as its only flag", async () => {
  const cwd = await packagesDir("source");
  await withServer(ROOT, async (server) => {
    await checkValidations(`${server.origin}/cli.ts`, cwd);
    const fetched = server.requests.map((r) => r.split(" ")[0] as string);
    assert.equal(fetched[0], "/cli.ts");
    assert.ok(server.requests.every((r) => r.endsWith(" 200")), server.requests.join("\n"));
    assert.ok(fetched.includes("/lib/zip/zlib.ts") && fetched.includes("/lib/anpkg/validate.ts"));
    assert.deepEqual(fetched.filter((p) => /deno\.jsonc?$|deno\.lock$|import_map/.test(p)), []);
  });
});

Deno.test({
  name: "the bundle runs from an http URL the same way and fetches nothing but itself",
  ignore: !BUNDLE_AVAILABLE,
  async fn() {
    const cwd = await packagesDir("bundle");
    await withServer(`${WORK}/served`, async (server) => {
      await checkValidations(`${server.origin}/handoff.js`, cwd);
      assert.deepEqual([...new Set(server.requests)], ["/handoff.js 200"]);
    });
  },
});
