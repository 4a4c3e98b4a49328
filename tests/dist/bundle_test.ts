/**
 * The one-file bundle (`deno task bundle` → `dist/handoff.js`), built once into a temporary
 * directory by the real bundle step (`scripts/bundle.ts`): it imports nothing but Node built-ins,
 * runs with an empty `DENO_DIR` and `--cached-only` (no npm resolution at run time), and export,
 * validate, snapshot, restore and deploy through it give exactly what `cli.ts` gives, each command
 * under its own narrow permissions. Skipped when this Deno has no `bundle` subcommand.
 */

import assert from "node:assert/strict";
import { bundle, bundleAvailable } from "../../scripts/bundle.ts";
import { VERSION } from "../../lib/version.ts";
import { copyTree, writeTree } from "../helpers/fs.ts";
import { assertOk, CLI, deno, fileSha256, ROOT, type Run, treeListing } from "./_run.ts";

const AVAILABLE = await bundleAvailable();
const WORK = await Deno.realPath(await Deno.makeTempDir({ prefix: "handoff-bundle-test-" }));
addEventListener("unload", () => Deno.removeSync(WORK, { recursive: true }));
const BUNDLE = `${WORK}/handoff.js`;
/** A Deno cache directory with nothing in it: whatever the bundle needed from npm is missing. */
const EMPTY_DENO_DIR = `${WORK}/empty-deno-dir`;
await Deno.mkdir(EMPTY_DENO_DIR);
if (AVAILABLE) await bundle(BUNDLE);

const EPOCH = "1781181045";

/** Runs the bundle offline: empty cache, `--cached-only`, no prompt, only `permissions`. */
function viaBundle(permissions: readonly string[], args: readonly string[], cwd: string): Promise<Run> {
  return deno(["run", "--cached-only", "--no-prompt", ...permissions, BUNDLE, ...args], {
    cwd,
    env: { DENO_DIR: EMPTY_DENO_DIR, SOURCE_DATE_EPOCH: EPOCH },
  });
}

/** Runs `cli.ts` with the shared cache, same permissions. */
function viaCli(permissions: readonly string[], args: readonly string[], cwd: string): Promise<Run> {
  return deno(["run", "--no-prompt", ...permissions, CLI, ...args], {
    cwd,
    env: { SOURCE_DATE_EPOCH: EPOCH },
  });
}

/** Import specifiers of the bundle: static `import … from "x"` / `export … from "x"` and `import("x")`. */
function importSpecifiers(code: string): string[] {
  const found: string[] = [];
  for (const m of code.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s*"([^"]+)"/gm)) {
    found.push(m[1] as string);
  }
  for (const m of code.matchAll(/^\s*import\s*"([^"]+)"/gm)) found.push(m[1] as string);
  for (const m of code.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) found.push(m[1] as string);
  return found;
}

/** A project with an agent environment: settings, a skill, a link, and a credential that stays home. */
async function agentProject(root: string, extraFiles = 0): Promise<void> {
  const files: Record<string, string> = {
    ".agentmod/agentmod.toml": "schema_version = 1\n",
    ".agentmod/claude/settings.json": '{"theme": "dark"}\n',
    ".agentmod/claude/.credentials.json": '{"token": "never packed"}\n',
    ".agentmod/skills/review/SKILL.md": "# Review\n\nRead the diff twice.\n",
  };
  for (let i = 0; i < extraFiles; i++) {
    files[`.agentmod/notes/n${String(i).padStart(4, "0")}.md`] = `note ${i}\n`;
  }
  await writeTree(root, files);
  await Deno.symlink("review/SKILL.md", `${root}/.agentmod/skills/current.md`);
}

Deno.test({
  name: "the bundle imports only Node built-ins and runs with an empty Deno cache and --cached-only",
  ignore: !AVAILABLE,
  async fn() {
    const code = await Deno.readTextFile(BUNDLE);
    const specifiers = importSpecifiers(code);
    assert.ok(specifiers.length > 0, "the scan finds the lazy node: imports");
    assert.deepEqual(specifiers.filter((s) => !s.startsWith("node:")), []);
    assert.ok(!code.includes("npm:"), "no npm: specifier left");
    assert.ok(!code.includes("createRequire(import.meta.url)"), "the http fix of scripts/bundle.ts applied");

    const version = await viaBundle([], ["--version"], WORK);
    assertOk(version, "bundle --version");
    assert.equal(version.stdout, `handoff ${VERSION}\n`);
    // The same conditions stop cli.ts, whose npm imports must be resolved from the cache.
    const control = await deno(["run", "--cached-only", "--no-prompt", CLI, "--version"], {
      cwd: WORK,
      env: { DENO_DIR: EMPTY_DENO_DIR },
    });
    assert.notEqual(control.code, 0, "cli.ts cannot start without its npm packages");
  },
});

Deno.test({
  name: "export, validate, snapshot, restore and deploy through the bundle match cli.ts byte for byte",
  ignore: !AVAILABLE,
  async fn() {
    const dir = `${WORK}/e2e`;
    await copyTree(`${ROOT}fixtures/projects/sim-only`, `${dir}/sim-only`);
    await Deno.mkdir(`${dir}/out`);

    // export: read the project and the output directory, write only the output directory.
    const exportPerms = ["--allow-read=sim-only,out", "--allow-write=out"];
    const fromBundle = await viaBundle(exportPerms, ["export", "sim-only", "-o", "out/b.anpkg"], dir);
    assertOk(fromBundle, "bundle export");
    assert.equal(fromBundle.stdout, `${dir}/out/b.anpkg\n`);
    assertOk(await viaCli(exportPerms, ["export", "sim-only", "-o", "out/c.anpkg"], dir), "cli export");
    assert.equal(await fileSha256(`${dir}/out/b.anpkg`), await fileSha256(`${dir}/out/c.anpkg`));

    // validate: read access to the package only.
    const validated = await viaBundle(
      ["--allow-read=out/b.anpkg"],
      ["validate", "out/b.anpkg", "--json"],
      dir,
    );
    assertOk(validated, "bundle validate");
    const report = JSON.parse(validated.stdout);
    assert.equal(report.valid, true);
    assert.equal(report.format, "anpkg");

    // snapshot: the same bytes as cli.ts (fixed time through SOURCE_DATE_EPOCH).
    await agentProject(`${dir}/proj`);
    const snapPerms = ["--allow-read=proj,out", "--allow-write=out", "--allow-env=SOURCE_DATE_EPOCH"];
    assertOk(
      await viaBundle(snapPerms, ["snapshot", "proj", "-o", "out/b.amod", "-q"], dir),
      "bundle snapshot",
    );
    assertOk(await viaCli(snapPerms, ["snapshot", "proj", "-o", "out/c.amod", "-q"], dir), "cli snapshot");
    assert.equal(await fileSha256(`${dir}/out/b.amod`), await fileSha256(`${dir}/out/c.amod`));
    const snapValid = await viaBundle(["--allow-read=out/b.amod"], ["validate", "out/b.amod"], dir);
    assertOk(snapValid, "bundle validate .amod");
    assert.match(snapValid.stdout, /^valid: out\/b\.amod$/m);

    // restore: into a fresh directory; the result equals what cli.ts restores. The snapshot holds
    // a symbolic link, which Deno creates only with unscoped read and write grants.
    for (const [target, run] of [["t-bundle", viaBundle], ["t-cli", viaCli]] as const) {
      await Deno.mkdir(`${dir}/${target}`);
      const r = await run(["--allow-read", "--allow-write"], ["restore", "out/b.amod", target, "-q"], dir);
      assertOk(r, `${target} restore`);
      assert.match(r.stdout, /^restored: out\/b\.amod$/m);
    }
    const restored = await treeListing(`${dir}/t-bundle/.agentmod`);
    assert.deepEqual(restored, await treeListing(`${dir}/t-cli/.agentmod`));
    assert.ok(restored.includes("skills/current.md -> review/SKILL.md"), restored.join("\n"));
    assert.ok(!restored.some((l) => l.includes(".credentials.json")), "the credential stayed home");

    // deploy and status on the field machine, the bundle's documented use.
    const deployed = await viaBundle(
      ["--allow-read", "--allow-write"],
      ["deploy", "out/b.anpkg", "--to", "install", "-q"],
      dir,
    );
    assertOk(deployed, "bundle deploy");
    assert.match(deployed.stdout, /^deployed: release [0-9a-f]{12} is current in install$/m);
    const status = await viaBundle(["--allow-read=install"], ["status", "--to", "install"], dir);
    assertOk(status, "bundle status");
    assert.match(status.stdout, /verified/);
  },
});

Deno.test({
  name: "a snapshot big enough for read-ahead (600 files) completes through the bundle, same bytes as cli.ts",
  ignore: !AVAILABLE,
  async fn() {
    // cli.ts reads such plans in a worker that loads lib/amod/snapshot.ts; inlined in the bundle
    // that module is the whole CLI, so the bundle must read on the main thread instead of hanging.
    const dir = `${WORK}/large`;
    await agentProject(`${dir}/proj`, 600);
    const perms = ["--allow-read", "--allow-write=.", "--allow-env=SOURCE_DATE_EPOCH"];
    const b = await deno(
      ["run", "--cached-only", "--no-prompt", ...perms, BUNDLE, "snapshot", "proj", "-o", "b.amod", "-q"],
      { cwd: dir, env: { DENO_DIR: EMPTY_DENO_DIR, SOURCE_DATE_EPOCH: EPOCH }, timeoutMs: 30_000 },
    );
    assertOk(b, "bundle snapshot of 600 files");
    assert.match(b.stdout, /^payload: 60[0-9] files, /m);
    assertOk(
      await viaCli(perms, ["snapshot", "proj", "-o", "c.amod", "-q"], dir),
      "cli snapshot of 600 files",
    );
    assert.equal(await fileSha256(`${dir}/b.amod`), await fileSha256(`${dir}/c.amod`));
  },
});
