/**
 * Stage D of .anpkg validation (anpkg.md §3.4): every YAML and JSON member is decoded and parsed
 * once; later stages use the parsed documents.
 *
 * @module
 */

import { loadJson } from "../json.ts";
import { type Problem, problem } from "../report/report.ts";
import { decodeUtf8 } from "../text.ts";
import { loadYaml } from "../yaml/load.ts";
import { YamlBinary, YamlMap, YamlPairs, YamlTimestamp } from "../yaml/types.ts";
import { visitLeaves } from "./leak.ts";

/** A parsed member: the document, or `undefined` when it could not be decoded or parsed. */
export type ParsedDocs = Map<string, unknown>;

/** True for names the format parses as JSON. */
export function isJsonName(name: string): boolean {
  return /\.json$/i.test(name);
}

/** A decoded and parsed document, or why it could not be read. */
export interface ParsedMember {
  readonly doc: unknown;
  readonly ok: boolean;
  readonly problems: Problem[];
}

function failed(
  code: "encoding-invalid" | "json-invalid" | "yaml-invalid" | "yaml-limits-exceeded",
  message: string,
  member: string,
): ParsedMember {
  return { doc: undefined, ok: false, problems: [problem(code, message, { member })] };
}

/**
 * Decodes and parses YAML bytes (§1.2: UTF-8, a BOM tolerated, one YAML 1.1 document). Problems
 * use `operation` for the registry's severity exceptions (`yaml-duplicate-key` is a warning at
 * export, an error in validation); outside export, values other readers read differently are
 * flagged as well.
 */
export function parseYaml(bytes: Uint8Array, member: string, operation: string): ParsedMember {
  const text = decodeUtf8(bytes, { allowBom: true });
  if (text === null) return failed("encoding-invalid", "Not valid UTF-8", member);
  const r = loadYaml(text);
  if (!r.ok) return failed(r.code, r.message, member);
  const problems = r.notes.map((note) =>
    problem(note.code, note.message, { member, path: note.path, operation })
  );
  if (operation !== "export") {
    // A plain timestamp was already noted by the loader (YAML 1.2 reads it as a string): one
    // problem per scalar.
    const noted = new Set(r.notes.filter((n) => n.code === "yaml-version-ambiguous").map((n) => n.path));
    visitLeaves(r.value, (path, leaf) => {
      if (noted.has(path)) return;
      if (leaf instanceof YamlTimestamp || leaf instanceof YamlBinary || leaf instanceof YamlPairs) {
        const message = `${describeUnusual(leaf)} is read differently by other YAML readers`;
        problems.push(problem("yaml-version-ambiguous", message, { member, path }));
      }
    });
  }
  return { doc: r.value, ok: true, problems };
}

/** Decodes and parses JSON bytes (§1.4: UTF-8 without a BOM, NaN and infinities allowed). */
export function parseJson(bytes: Uint8Array, member: string): ParsedMember {
  const text = decodeUtf8(bytes);
  if (text === null) return failed("encoding-invalid", "Not valid UTF-8", member);
  if (text.startsWith("\ufeff")) {
    return failed("json-invalid", "JSON must not start with a byte-order mark", member);
  }
  const r = loadJson(text);
  return r.ok ? { doc: r.value, ok: true, problems: [] } : failed("json-invalid", r.message, member);
}

/** Decodes and parses one member, as JSON when its name ends in `.json`, else as YAML. */
export function parseMember(name: string, bytes: Uint8Array, operation: string): ParsedMember {
  return isJsonName(name) ? parseJson(bytes, name) : parseYaml(bytes, name, operation);
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
