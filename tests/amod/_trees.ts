/**
 * Test helpers for create: materialize source trees (the shared fixture's `input-tree.json` or
 * small hand-written trees), read back the `.amod` files create writes with our strict reader, and
 * run the external checks every written snapshot must pass (the fixture's reference checker and
 * our own `validateSnapshot`).
 *
 * @module
 */

import { decodeEntry } from "../../lib/zip/decode.ts";
import type { ZipLimits } from "../../lib/zip/limits.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import { readZip } from "../../lib/zip/read.ts";
import { bytesSource } from "../../lib/zip/source.ts";
import type { GitState } from "../../lib/amod/git.ts";
import { validateSnapshot } from "../../lib/amod/verify.ts";
import { FIXTURE_EXISTS, readFixtureInput } from "./fixture.ts";

/** One entry of a source tree to materialize. Paths are relative to the project root. */
export type TreeEntry =
  | { readonly path: string; readonly kind: "dir"; readonly perm?: number }
  | {
    readonly path: string;
    readonly kind: "file";
    readonly perm?: number;
    readonly content?: string | Uint8Array;
  }
  | { readonly path: string; readonly kind: "symlink"; readonly target: string }
  | { readonly path: string; readonly kind: "fifo" | "socket" };

/** The fixture's inputs, as create options take them. */
export const FIXTURE_CLOCK = (): Date => new Date(1781181045 * 1000);
/** The fixture's tool version. */
export const FIXTURE_VERSION = "test-version";
/** The fixture's platform. */
export const FIXTURE_PLATFORM = "testos/testarch";

/** The instant of the fixture clock, in seconds. */
export const FIXTURE_SECONDS = 1781181045;

/** Common create options for tests: fixture clock, version and platform. */
export const TEST_OPTIONS = {
  clock: FIXTURE_CLOCK,
  toolVersion: FIXTURE_VERSION,
  platform: FIXTURE_PLATFORM,
} as const;

/** The path of the reference checker, relative to the repository root. */
export const CHECKER = new URL("../../../shared/fixtures/amod/make_example.py", import.meta.url);

/** True when the reference checker is present. */
export const CHECKER_EXISTS: boolean = (() => {
  try {
    return Deno.statSync(CHECKER).isFile;
  } catch {
    return false;
  }
})();

/** True when the shared fixture is present. */
export { FIXTURE_EXISTS };

/**
 * Creates the entries below `root`, in order. Directory perms are applied last, deepest first, so
 * that restrictive modes cannot block the creation of their contents.
 */
export async function materialize(root: string, entries: readonly TreeEntry[]): Promise<void> {
  const dirs: { path: string; perm: number }[] = [];
  for (const e of entries) {
    const path = `${root}/${e.path}`;
    switch (e.kind) {
      case "dir":
        await Deno.mkdir(path, { recursive: true });
        dirs.push({ path, perm: e.perm ?? 0o755 });
        break;
      case "file": {
        await Deno.mkdir(parent(path), { recursive: true });
        const c = e.content ?? "";
        await Deno.writeFile(path, typeof c === "string" ? new TextEncoder().encode(c) : c);
        await Deno.chmod(path, e.perm ?? 0o644);
        break;
      }
      case "symlink":
        await Deno.mkdir(parent(path), { recursive: true });
        await Deno.symlink(e.target, path);
        break;
      case "fifo":
        await Deno.mkdir(parent(path), { recursive: true });
        await run("mkfifo", [path]);
        break;
      case "socket":
        await Deno.mkdir(parent(path), { recursive: true });
        await run("python3", [
          "-c",
          "import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])",
          path,
        ]);
        break;
    }
  }
  dirs.sort((a, b) => b.path.split("/").length - a.path.split("/").length);
  for (const d of dirs) await Deno.chmod(d.path, d.perm);
}

function parent(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/** Runs a program and throws when it fails. */
export async function run(program: string, args: readonly string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(program, {
    args: [...args],
    stdout: "piped",
    stderr: "piped",
    ...(cwd !== undefined ? { cwd } : {}),
  }).output();
  if (!out.success) {
    throw new Error(`${program} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** A fresh project root `<tmp>/<name>` (the name becomes the project name). */
export async function makeProject(entries: readonly TreeEntry[], name = "demo-project"): Promise<string> {
  const base = await Deno.makeTempDir({ prefix: "handoff-create-" });
  const root = `${base}/${name}`;
  await Deno.mkdir(root);
  await materialize(root, entries);
  return root;
}

/** Removes a project made by {@link makeProject} (its temporary parent included). */
export async function removeProject(root: string): Promise<void> {
  await Deno.remove(parent(root), { recursive: true });
}

/** A minimal valid `.agentmod` tree with the marker and the given extra entries. */
export function minimalTree(...extra: TreeEntry[]): TreeEntry[] {
  return [
    { path: ".agentmod", kind: "dir" },
    { path: ".agentmod/agentmod.toml", kind: "file", content: "schema_version = 1\n" },
    ...extra,
  ];
}

/** The fixture's source tree and git state. */
export async function fixtureTree(): Promise<{ entries: TreeEntry[]; git: GitState; projectName: string }> {
  const input = await readFixtureInput();
  const entries: TreeEntry[] = input.tree.map((e): TreeEntry => {
    const perm = e.perm === null ? undefined : parseInt(e.perm, 8);
    if (e.kind === "dir") return { path: e.path, kind: "dir", ...(perm !== undefined ? { perm } : {}) };
    if (e.kind === "symlink") return { path: e.path, kind: "symlink", target: e.content_or_target ?? "" };
    return {
      path: e.path,
      kind: "file",
      content: e.content_or_target ?? "",
      ...(perm !== undefined ? { perm } : {}),
    };
  });
  return { entries, git: input.git as unknown as GitState, projectName: input.project_dir_name };
}

/** One member of a written archive, as our reader sees it. */
export interface ReadMember {
  readonly name: string;
  readonly kind: string;
  readonly perm: number;
  readonly unixMode: number;
  readonly method: number;
  readonly flags: number;
  readonly size: number;
  readonly compressedSize: number;
  readonly versionMadeBy: number;
  readonly externalAttributes: number;
  readonly dosTime: number;
  readonly dosDate: number;
  readonly content: Uint8Array;
}

/** Reads every member of an archive (contents decoded), asserting clean framing. */
export async function readArchive(
  path: string,
  limits: ZipLimits = AMOD_LIMITS,
): Promise<ReadMember[]> {
  const bytes = await Deno.readFile(path);
  const source = bytesSource(bytes);
  const archive = await readZip(source, { limits, requireUnixHost: true });
  if (archive.problems.length > 0) {
    throw new Error(`Container problems: ${archive.problems.map((p) => `${p.code} ${p.member}`).join(", ")}`);
  }
  const out: ReadMember[] = [];
  for (const e of archive.entries) {
    const chunks: Uint8Array[] = [];
    const outcome = await decodeEntry(source, e, (c) => void chunks.push(c.slice()));
    if (outcome.status !== "ok") throw new Error(`Cannot decode "${e.displayName}": ${outcome.status}`);
    let n = 0;
    for (const c of chunks) n += c.length;
    const content = new Uint8Array(n);
    let at = 0;
    for (const c of chunks) {
      content.set(c, at);
      at += c.length;
    }
    out.push({
      name: e.name ?? e.displayName,
      kind: e.kind,
      perm: (e.unixMode ?? 0) & 0o777,
      unixMode: e.unixMode ?? 0,
      method: e.method,
      flags: e.flags,
      size: e.uncompressedSize,
      compressedSize: e.compressedSize,
      versionMadeBy: e.versionMadeBy,
      externalAttributes: e.externalAttributes,
      dosTime: e.dosTime,
      dosDate: e.dosDate,
      content,
    });
  }
  return out;
}

/** The text of a member. */
export function memberText(members: readonly ReadMember[], name: string): string {
  const m = members.find((x) => x.name === name);
  if (m === undefined) throw new Error(`No member "${name}"`);
  return new TextDecoder().decode(m.content);
}

/**
 * Runs the fixture's reference checker (`make_example.py --check FILE`) and returns its exit code
 * and output; `null` when the checker or python3 is unavailable.
 */
export async function referenceCheck(path: string): Promise<{ code: number; output: string } | null> {
  if (!CHECKER_EXISTS) return null;
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("python3", {
      args: [CHECKER.pathname, "--check", path],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch {
    return null;
  }
  const d = new TextDecoder();
  return { code: out.code, output: d.decode(out.stdout) + d.decode(out.stderr) };
}

/**
 * Checks the §7.2 invariant for a written snapshot: the reference checker passes it (when
 * present; it reads `.amod` files only) and our validator finds no error with the same limits.
 * Returns a description of what failed, or `null`.
 */
export async function externalCheck(path: string, limits: ZipLimits = AMOD_LIMITS): Promise<string | null> {
  const ref = (await Deno.stat(path)).isFile ? await referenceCheck(path) : null;
  if (ref !== null && ref.code !== 0) return `make_example.py --check: ${ref.output}`;
  const report = await validateSnapshot(path, { limits });
  if (!report.valid) {
    return `validateSnapshot: ${report.problems.map((p) => `${p.code} ${p.member}`).join(", ")}`;
  }
  return null;
}
