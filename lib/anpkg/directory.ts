/**
 * The directory form of a package (anpkg.md §3.2 "Directory form"): an extracted package
 * checked in place. Regular files are members; links are followed only when they resolve
 * inside the root; the name rules and limits apply as for archives.
 *
 * @module
 */

import { concatBytes } from "../bytes.ts";
import { AdaptiveSha256 } from "../digest.ts";
import { checkAnpkgMemberNames } from "../names.ts";
import { type Problem, problem } from "../report/report.ts";
import type { ZipLimits } from "../zip/limits.ts";
import { isInside } from "./project.ts";
import {
  ancestorDirs,
  keepsContent,
  type MemberRecord,
  type MemberSet,
  type MemberStreamer,
  NO_STREAM,
} from "./members.ts";

interface Found {
  readonly name: string;
  readonly real: string;
  readonly size: number;
  readonly mode: number | null;
}

/** Reads bytes of a file in large chunks into a sink; returns how many. */
export async function readFileChunks(
  path: string,
  sink: (chunk: Uint8Array) => Promise<void>,
): Promise<number> {
  const file = await Deno.open(path, { read: true });
  try {
    return await readOpenFileChunks(file, sink);
  } finally {
    file.close();
  }
}

/**
 * Reads an open file from its current position to its end in large chunks (each a fresh buffer,
 * so the sink may keep it) into a sink; returns how many bytes. The caller closes the file.
 */
export async function readOpenFileChunks(
  file: Deno.FsFile,
  sink: (chunk: Uint8Array) => Promise<void>,
): Promise<number> {
  let total = 0;
  while (true) {
    const buf = new Uint8Array(4 * 1024 * 1024);
    let filled = 0;
    while (filled < buf.length) {
      const n = await file.read(buf.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    if (filled === 0) break;
    total += filled;
    await sink(buf.subarray(0, filled));
    if (filled < buf.length) break;
  }
  return total;
}

/** Walks an extracted package and reads it into a member set. */
export async function readDirectoryMembers(
  root: string,
  limits: ZipLimits,
  onProgress?: (members: number, bytes: number) => void,
): Promise<MemberSet> {
  const problems: Problem[] = [];
  const realRoot = await Deno.realPath(root);
  const files: Found[] = [];
  const dirs = new Set<string>();
  const names: { name: string | null; kind: "file" | "directory" | "symlink" | "other"; hasData: boolean }[] =
    [];
  const visited = new Set<string>([realRoot]);
  let fatal = false;

  const walk = async (dirReal: string, prefix: string): Promise<void> => {
    const entries: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(dirReal)) entries.push(e);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (fatal) return;
      const name = prefix + e.name;
      if (e.name.includes("\ufffd")) {
        problems.push(problem("name-not-utf8", `The name "${name}" is not valid UTF-8`, { member: name }));
        continue;
      }
      const path = `${dirReal}/${e.name}`;
      let info = await Deno.lstat(path);
      let real = path;
      if (info.isSymlink) {
        let target: string | null = null;
        try {
          target = await Deno.realPath(path);
        } catch {
          target = null;
        }
        if (target === null || !isInside(realRoot, target)) {
          problems.push(
            problem("symlink-escapes-root", "The link resolves outside the package root and is not read", {
              member: name,
            }),
          );
          continue;
        }
        problems.push(problem("symlink-in-package", "The link was followed (it resolves inside the root)", {
          member: name,
        }));
        real = target;
        info = await Deno.stat(target);
      }
      if (info.isDirectory) {
        names.push({ name: name + "/", kind: "directory", hasData: false });
        dirs.add(name);
        if (visited.has(real)) continue;
        visited.add(real);
        await walk(real, name + "/");
      } else if (info.isFile) {
        names.push({ name, kind: "file", hasData: info.size > 0 });
        files.push({ name, real, size: info.size, mode: info.mode === null ? null : info.mode & 0o7777 });
        if (limits.maxMembers > 0 && files.length > limits.maxMembers) {
          problems.push(problem("limit-members", `More than ${limits.maxMembers} members (--max-members)`));
          fatal = true;
        }
      } else {
        names.push({ name, kind: "other", hasData: false });
      }
    }
  };
  await walk(realRoot, "");
  if (fatal) {
    return {
      inputKind: "directory",
      members: new Map(),
      entries: 0,
      dirs,
      problems,
      fatal: true,
      stream: NO_STREAM,
    };
  }
  problems.push(...checkAnpkgMemberNames(names));

  const total = files.reduce((n, f) => n + f.size, 0);
  const overTotal = limits.maxTotalBytes > 0 && total > limits.maxTotalBytes;
  if (overTotal) {
    problems.push(
      problem(
        "limit-total-bytes",
        `Members hold ${total} bytes, above ${limits.maxTotalBytes} (--max-total-bytes)`,
      ),
    );
  }
  const members = new Map<string, MemberRecord>();
  for (const f of files) {
    for (const d of ancestorDirs(f.name)) dirs.add(d);
    let sha256: string | null = null;
    let content: Uint8Array | null = null;
    if (!overTotal) {
      const keep = keepsContent(f.name);
      const chunks: Uint8Array[] = [];
      const hash = new AdaptiveSha256();
      const size = await readFileChunks(f.real, async (c) => {
        await hash.update(c);
        if (keep) chunks.push(c);
        onProgress?.(0, c.length);
      });
      onProgress?.(1, 0);
      sha256 = await hash.hex();
      content = keep ? concatBytes(chunks, size) : null;
    }
    members.set(f.name, {
      name: f.name,
      size: f.size,
      sha256,
      content,
      compressedSize: null,
      method: null,
      crc32: null,
      mode: f.mode,
    });
  }
  const realOf = new Map(files.map((f) => [f.name, f.real]));
  const stream: MemberStreamer = async (name, sink) => {
    const real = realOf.get(name);
    if (real === undefined) throw new Error(`No member "${name}"`);
    await readFileChunks(real, sink);
  };
  return { inputKind: "directory", members, entries: members.size, dirs, problems, fatal: false, stream };
}
