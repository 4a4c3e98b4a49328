/**
 * Which format a path holds, so that `validate` and `inspect` take either (anpkg.md §3.1,
 * amod.md §5.1): a file named `*.amod`, a ZIP whose central directory holds `manifest.json` and an
 * entry under `payload/`, or a directory holding `manifest.json` and `payload/` is an `.amod`;
 * everything else is read as an `.anpkg`.
 *
 * @module
 */

import type { Format } from "./report/codes.ts";
import { AMOD_LIMITS } from "./zip/limits.ts";
import { readZip } from "./zip/read.ts";
import { fileSource } from "./zip/source.ts";

/** Detects the format of a package path. Unreadable or missing paths are `anpkg` (its reader reports them). */
export async function detectFormat(path: string): Promise<Format> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch {
    return /\.amod$/i.test(path) ? "amod" : "anpkg";
  }
  if (info.isDirectory) {
    const has = async (name: string) => {
      try {
        await Deno.lstat(`${path}/${name}`);
        return true;
      } catch {
        return false;
      }
    };
    return (await has("manifest.json")) && (await has("payload")) ? "amod" : "anpkg";
  }
  if (/\.amod$/i.test(path)) return "amod";
  if (/\.anpkg$/i.test(path) || !info.isFile) return "anpkg";
  let file: Deno.FsFile | null = null;
  try {
    file = await Deno.open(path, { read: true });
    const archive = await readZip(fileSource(file, info.size), { limits: AMOD_LIMITS });
    const names = archive.entries.map((e) => e.name);
    return names.includes("manifest.json") && names.some((n) => n?.startsWith("payload/")) ? "amod" : "anpkg";
  } catch {
    return "anpkg";
  } finally {
    file?.close();
  }
}
