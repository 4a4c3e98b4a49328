/**
 * Reading a canonical project directory (anpkg.md §1): confined paths, YAML and JSON files with
 * the reading rules of §1.2, and the problems a read can raise.
 *
 * @module
 */

import { type Problem, problem } from "../report/report.ts";
import { YamlBinary, YamlMap, YamlPairs, YamlSet, YamlTimestamp } from "../yaml/types.ts";
import { isAbsoluteLike } from "./refs.ts";
import { type ParsedMember, parseJson, parseYaml } from "./documents.ts";

/** A file found inside the project (or data root), resolved through symlinks. */
export interface ConfinedFile {
  /** The path as written in the project (relative). */
  readonly rel: string;
  /** The resolved absolute path. */
  readonly real: string;
}

/** Why a path could not be used. */
export type ConfinedFailure = "absolute" | "escapes" | "missing" | "not-file";

/** True when `child` is `root` or lies below it (both absolute, resolved). */
export function isInside(root: string, child: string): boolean {
  return child === root || child.startsWith(root.endsWith("/") ? root : root + "/");
}

/**
 * Resolves a project-relative path that export copies content from (§1.2 "Confinement"): it must
 * be relative and, after resolving symlinks, a regular file inside one of `roots`.
 */
export async function resolveConfined(
  rel: string,
  base: string,
  roots: readonly string[],
): Promise<ConfinedFile | ConfinedFailure> {
  if (isAbsoluteLike(rel)) return "absolute";
  let real: string;
  try {
    real = await Deno.realPath(`${base}/${rel}`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) return "missing";
    throw err;
  }
  if (!roots.some((r) => isInside(r, real))) return "escapes";
  const info = await Deno.stat(real);
  if (!info.isFile) return "not-file";
  return { rel, real };
}

/** A parsed project YAML file. */
export type LoadedYaml = ParsedMember;

/**
 * Reads and parses a project YAML file (§1.2): UTF-8 (BOM tolerated), one YAML 1.1 document.
 * `member` names the file in problems (its project-relative path).
 */
export async function loadProjectYaml(path: string, member: string): Promise<LoadedYaml> {
  // Every project file is YAML to the reference, whatever its name (a `.json` one included).
  return parseYaml(await Deno.readFile(path), member, "export");
}

/**
 * Values export cannot write unambiguously (§2.12 "Values outside the plain subset"):
 * timestamps, `!!binary`, `!!omap`, `!!pairs`, boolean or null mapping keys, non-string set members.
 */
export function unsupportedValues(doc: unknown, member: string): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, path: string): void => {
    if (v instanceof YamlMap) {
      if (seen.has(v)) return;
      seen.add(v);
      for (const [k, child] of v.entries()) {
        if (typeof k === "boolean" || k === null) {
          out.push(
            problem(
              "yaml-unsupported-value",
              "A boolean or null mapping key cannot be exported; quote the key",
              {
                member,
                path: `${path}.${String(k)}`,
              },
            ),
          );
        }
        walk(child, `${path}.${typeof k === "string" ? k : String(k)}`);
      }
    } else if (Array.isArray(v)) {
      if (seen.has(v)) return;
      seen.add(v);
      v.forEach((c, i) => walk(c, `${path}[${i}]`));
    } else if (v instanceof YamlSet) {
      if (v.members.some((m) => typeof m !== "string")) {
        out.push(
          problem("yaml-unsupported-value", "A set with members that are not strings cannot be exported", {
            member,
            path,
          }),
        );
      }
    } else if (v instanceof YamlTimestamp || v instanceof YamlBinary || v instanceof YamlPairs) {
      const what = v instanceof YamlTimestamp
        ? "A date or timestamp cannot be exported unambiguously; quote it"
        : v instanceof YamlBinary
        ? "A binary value cannot be exported"
        : "An ordered-pairs value cannot be exported";
      out.push(problem("yaml-unsupported-value", what, { member, path }));
    }
  };
  walk(doc, "$");
  return out;
}

/** Reads `workbench.json` (§1.4): its `meta.created` value, or why it is unusable. */
export async function readSidecar(
  projectDir: string,
): Promise<{ created: unknown; present: boolean; problems: Problem[] }> {
  const member = "workbench.json";
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(`${projectDir}/${member}`);
    if (!info.isFile) throw new Deno.errors.NotFound();
    bytes = await Deno.readFile(`${projectDir}/${member}`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { created: undefined, present: false, problems: [] };
    throw err;
  }
  const invalid = (why: string) => ({
    created: undefined,
    present: false,
    problems: [problem("sidecar-invalid", `workbench.json is ignored: ${why}`, { member })],
  });
  const r = parseJson(bytes, member);
  if (!r.ok) return invalid(r.problems[0]?.message ?? "it does not parse");
  const root = r.doc;
  if (!(root instanceof YamlMap)) return invalid("its root is not an object");
  const meta = root.get("meta");
  return { created: meta instanceof YamlMap ? meta.get("created") : undefined, present: true, problems: [] };
}
