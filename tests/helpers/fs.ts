/** Test helpers for files and directories. */

/** Absolute path of `../shared` beside the repository, or null when it is absent. */
export function sharedDir(): string | null {
  const path = new URL("../../../shared", import.meta.url).pathname;
  try {
    return Deno.statSync(path).isDirectory ? path : null;
  } catch {
    return null;
  }
}

/** Absolute path of a file in the repository. */
export function repoPath(rel: string): string {
  return new URL(`../../${rel}`, import.meta.url).pathname;
}

/** Copies a directory tree (files, directories and symlinks as links). */
export async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    const src = `${from}/${e.name}`;
    const dst = `${to}/${e.name}`;
    if (e.isSymlink) await Deno.symlink(await Deno.readLink(src), dst);
    else if (e.isDirectory) await copyTree(src, dst);
    else await Deno.copyFile(src, dst);
  }
}

/** Copies a project into a fresh temporary directory, keeping its name; returns the copy's path. */
export async function copyProject(src: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const tmp = await Deno.makeTempDir({ prefix: "handoff-test-" });
  const name = src.replace(/\/+$/, "").split("/").pop() as string;
  await copyTree(src, `${tmp}/${name}`);
  return { path: `${tmp}/${name}`, cleanup: () => Deno.remove(tmp, { recursive: true }) };
}

/** A fresh temporary directory removed by the returned function. */
export async function tempDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await Deno.makeTempDir({ prefix: "handoff-test-" });
  return { path, cleanup: () => Deno.remove(path, { recursive: true }) };
}

/** Writes files (relative path → text or bytes) under a root, creating directories. */
export async function writeTree(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(path, content);
    else await Deno.writeFile(path, content);
  }
}
