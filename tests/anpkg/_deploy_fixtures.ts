/**
 * Shared helpers of the deploy tests: distinct packages built from our sim-only fixture, an
 * independent checker of the install-directory invariant (it unzips the packages with Info-ZIP's
 * `unzip` and compares bytes, so it does not trust the code under test), and a runner for the
 * fault-injection child process.
 *
 * @module
 */

import { buildPackage } from "../../lib/anpkg/export.ts";
import { sha256Hex } from "../../lib/digest.ts";
import { copyTree, repoPath } from "../helpers/fs.ts";

/** A package file written for a test. */
export interface TestPackage {
  readonly path: string;
  readonly sha256: string;
  readonly id: string;
  /** Member name → bytes, as Info-ZIP's `unzip` extracts them. */
  readonly members: ReadonlyMap<string, Uint8Array>;
}

async function unzipMembers(path: string): Promise<Map<string, Uint8Array>> {
  const dir = await Deno.makeTempDir({ prefix: "handoff-unzip-" });
  try {
    const out = await new Deno.Command("unzip", { args: ["-q", path, "-d", dir] }).output();
    if (!out.success) throw new Error(`unzip failed: ${new TextDecoder().decode(out.stderr)}`);
    const members = new Map<string, Uint8Array>();
    const walk = async (d: string, prefix: string) => {
      for await (const e of Deno.readDir(d)) {
        if (e.isDirectory) await walk(`${d}/${e.name}`, `${prefix}${e.name}/`);
        else members.set(`${prefix}${e.name}`, await Deno.readFile(`${d}/${e.name}`));
      }
    };
    await walk(dir, "");
    return members;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Writes `count` distinct valid packages into `dir` (`p0.anpkg`, …): our sim-only project with a
 * different display name each.
 */
export async function makePackages(dir: string, count: number): Promise<TestPackage[]> {
  const out: TestPackage[] = [];
  for (let i = 0; i < count; i++) {
    const project = `${dir}/src${i}/sim-only`;
    await copyTree(repoPath("fixtures/projects/sim-only"), project);
    const profile = `${project}/machine-profile.yaml`;
    const text = await Deno.readTextFile(profile);
    await Deno.writeTextFile(profile, text.replace("Climate chamber (simulated)", `Climate chamber ${i}`));
    const built = await buildPackage(project);
    if (built.bytes === null) {
      throw new Error(`fixture ${i} does not export: ${JSON.stringify(built.problems)}`);
    }
    const path = `${dir}/p${i}.anpkg`;
    await Deno.writeFile(path, built.bytes);
    const sha256 = await sha256Hex(built.bytes);
    out.push({ path, sha256, id: sha256.slice(0, 12), members: await unzipMembers(path) });
  }
  return out;
}

async function filesUnder(root: string): Promise<Map<string, Uint8Array> | string> {
  const files = new Map<string, Uint8Array>();
  const walk = async (d: string, prefix: string): Promise<string | null> => {
    for await (const e of Deno.readDir(d)) {
      if (e.isSymlink) return `symlink ${prefix}${e.name}`;
      if (e.isDirectory) {
        const bad = await walk(`${d}/${e.name}`, `${prefix}${e.name}/`);
        if (bad) return bad;
      } else files.set(`${prefix}${e.name}`, await Deno.readFile(`${d}/${e.name}`));
    }
    return null;
  };
  const bad = await walk(root, "");
  return bad ?? files;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The invariant: `current` is absent (allowed only with `allowAbsent`) or a relative link
 * `releases/<id>` to a release holding exactly the members of the package with that id, byte for
 * byte, plus `.release.json` naming that package. Returns the violations (empty when it holds)
 * and the current id.
 */
export async function checkInstall(
  installDir: string,
  packages: readonly TestPackage[],
  allowAbsent: boolean,
): Promise<{ violations: string[]; current: string | null }> {
  const violations: string[] = [];
  let info: Deno.FileInfo | null = null;
  try {
    info = await Deno.lstat(`${installDir}/current`);
  } catch {
    info = null;
  }
  if (info === null) {
    if (!allowAbsent) violations.push("current is absent");
    return { violations, current: null };
  }
  if (!info.isSymlink) return { violations: ["current is not a symlink"], current: null };
  const target = await Deno.readLink(`${installDir}/current`);
  const m = /^releases\/([0-9a-f]{12})$/.exec(target);
  if (!m) return { violations: [`current points at ${target}`], current: null };
  const id = m[1] as string;
  const pkg = packages.find((p) => p.id === id);
  if (!pkg) return { violations: [`current names unknown release ${id}`], current: id };
  const files = await filesUnder(`${installDir}/releases/${id}`).catch((e) => `unreadable: ${e}`);
  if (typeof files === "string") return { violations: [`release ${id}: ${files}`], current: id };
  const meta = files.get(".release.json");
  if (!meta) violations.push(`release ${id} lacks .release.json`);
  else {
    const parsed = JSON.parse(new TextDecoder().decode(meta));
    if (parsed.package_sha256 !== pkg.sha256) violations.push(`release ${id} metadata names another package`);
  }
  for (const [name, bytes] of pkg.members) {
    const got = files.get(name);
    if (!got) violations.push(`release ${id} lacks ${name}`);
    else if (!sameBytes(got, bytes)) violations.push(`release ${id}: ${name} differs`);
  }
  for (const name of files.keys()) {
    if (name !== ".release.json" && !pkg.members.has(name)) {
      violations.push(`release ${id} has extra ${name}`);
    }
  }
  return { violations, current: id };
}

/** Names in the install directory left by interrupted runs. */
export async function leftovers(installDir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(installDir)) {
    if (/^(\.staging-|\.trash-|current\.tmp-|previous\.tmp-)/.test(e.name)) names.push(e.name);
  }
  return names.sort();
}

const CHILD = new URL("./_deploy_child.ts", import.meta.url).pathname;

/** A job for the child process (see _deploy_child.ts). */
export interface ChildJob {
  readonly mode: "deploy" | "rollback";
  readonly installDir: string;
  readonly package?: string;
  readonly keep?: number;
  readonly toRelease?: string;
  readonly pauseAt: number;
}

/** A running child paused at a step (or finished). */
export interface PausedChild {
  /** The first line the child printed: `paused <i> <step>` or `done <result>`. */
  readonly line: string;
  /** Sends SIGKILL and waits for the child to end. */
  kill(): Promise<void>;
  /** Waits for the child to end on its own. */
  wait(): Promise<Deno.CommandStatus>;
}

/** Starts the child and waits until it pauses at its step or finishes. */
export async function startChild(job: ChildJob): Promise<PausedChild> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", CHILD, JSON.stringify(job)],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
  }
  const stderr = child.stderr.pipeTo(new WritableStream()).catch(() => {});
  const finish = async () => {
    const status = await child.status;
    await reader.cancel().catch(() => {});
    await stderr;
    return status;
  };
  return {
    line: text.split("\n")[0] ?? "",
    async kill() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already ended
      }
      await finish();
    },
    wait: finish,
  };
}
