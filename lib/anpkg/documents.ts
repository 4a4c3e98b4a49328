/**
 * Stage D of .anpkg validation (anpkg.md §3.4): every YAML and JSON member is decoded and parsed
 * once; later stages use the parsed documents.
 *
 * @module
 */

import { loadJson } from "../json.ts";
import { type Problem, problem } from "../report/report.ts";
import { decodeUtf8Strict } from "../text.ts";
import { loadYaml } from "../yaml/load.ts";
import { YamlBinary, YamlMap, YamlPairs, YamlTimestamp } from "../yaml/types.ts";
import { visitLeaves } from "./leak.ts";

/** A parsed member: the document, or `undefined` when it could not be decoded or parsed. */
export type ParsedDocs = Map<string, unknown>;

/** True for names the format parses as JSON. */
export function isJsonName(name: string): boolean {
  return /\.json$/i.test(name);
}

/**
 * Decodes and parses one member. Problems use `operation` for the severity exceptions of the
 * registry (`yaml-duplicate-key` is a warning at export, an error in validation).
 */
export function parseMember(
  name: string,
  bytes: Uint8Array,
  operation: string,
): { doc: unknown; ok: boolean; problems: Problem[] } {
  const problems: Problem[] = [];
  const member = name;
  const text = decodeUtf8Strict(bytes);
  if (text === null) {
    return {
      doc: undefined,
      ok: false,
      problems: [problem("encoding-invalid", "Not valid UTF-8", { member })],
    };
  }
  if (isJsonName(name)) {
    if (text.startsWith("\ufeff")) {
      return {
        doc: undefined,
        ok: false,
        problems: [problem("json-invalid", "JSON must not start with a byte-order mark", { member })],
      };
    }
    const r = loadJson(text);
    if (!r.ok) {
      return { doc: undefined, ok: false, problems: [problem("json-invalid", r.message, { member })] };
    }
    return { doc: r.value, ok: true, problems };
  }
  const r = loadYaml(text.startsWith("\ufeff") ? text.slice(1) : text);
  if (!r.ok) return { doc: undefined, ok: false, problems: [problem(r.code, r.message, { member })] };
  for (const note of r.notes) {
    problems.push(problem(note.code, note.message, { member, path: note.path, operation }));
  }
  if (operation !== "export") {
    // Values outside the plain subset are read, but other readers may see them differently.
    // A plain timestamp was already noted by the loader (YAML 1.2 reads it as a string): one
    // problem per scalar.
    const noted = new Set(r.notes.filter((n) => n.code === "yaml-version-ambiguous").map((n) => n.path));
    visitLeaves(r.value, (path, leaf) => {
      if (noted.has(path)) return;
      if (leaf instanceof YamlTimestamp || leaf instanceof YamlBinary || leaf instanceof YamlPairs) {
        problems.push(
          problem(
            "yaml-version-ambiguous",
            `${describeUnusual(leaf)} is read differently by other YAML readers`,
            {
              member,
              path,
            },
          ),
        );
      }
    });
  }
  return { doc: r.value, ok: true, problems };
}

function describeUnusual(v: unknown): string {
  if (v instanceof YamlTimestamp) return "A timestamp";
  if (v instanceof YamlBinary) return "A binary value";
  return "An ordered-pairs value";
}

/** A mapping, treating an empty YAML document (null) as an empty mapping where asked. */
export function asMapping(doc: unknown, emptyIsMapping = false): YamlMap | null {
  if (doc instanceof YamlMap) return doc;
  if (emptyIsMapping && doc === null) return new YamlMap();
  return null;
}
