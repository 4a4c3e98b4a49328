/**
 * `meta/provenance.json` (anpkg.md §2.7): its content and its byte-exact serialization
 * (sorted keys, two-space indentation, ASCII-only escapes with lowercase hex).
 *
 * @module
 */

import { compareCodePoints } from "../report/report.ts";

/** The provenance record of an export. */
export interface Provenance {
  readonly exported_at: string;
  readonly exported_variant: "manual";
  readonly omitted_variants: readonly string[];
  readonly package_format_version: 1;
  readonly redaction_policy: {
    readonly deploy_time_env_var: "INFLUXDB_TOKEN";
    readonly telemetry_influxdb_token_removed: boolean;
  };
  readonly schema_versions: { readonly "machine-profile": 1; readonly "runtime-config": 1 };
  readonly source_project: string;
}

/** Builds the provenance record. */
export function buildProvenance(
  exportedAt: string,
  omittedVariants: readonly string[],
  redactionApplied: boolean,
  sourceProject: string,
): Provenance {
  return {
    exported_at: exportedAt,
    exported_variant: "manual",
    omitted_variants: [...omittedVariants].sort(compareCodePoints),
    package_format_version: 1,
    redaction_policy: {
      deploy_time_env_var: "INFLUXDB_TOKEN",
      telemetry_influxdb_token_removed: redactionApplied,
    },
    schema_versions: { "machine-profile": 1, "runtime-config": 1 },
    source_project: sourceProject,
  };
}

/** A JSON value as this serializer understands it. */
export type SortedJson = string | number | boolean | null | readonly SortedJson[] | {
  readonly [key: string]: SortedJson;
};

/** Escapes a string the way the reference's JSON writer does (ASCII only, lowercase `\u` hex). */
export function asciiJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i] as string;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c >= 0x20 && c <= 0x7e) out += ch;
    else out += "\\u" + c.toString(16).padStart(4, "0");
  }
  return out + '"';
}

function render(value: SortedJson, depth: number): string {
  if (value === null) return "null";
  if (typeof value === "string") return asciiJsonString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const pad = "  ".repeat(depth + 1);
  const end = "  ".repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return "[\n" + value.map((v) => pad + render(v, depth + 1)).join(",\n") + "\n" + end + "]";
  }
  const obj = value as { readonly [key: string]: SortedJson };
  const keys = Object.keys(obj).sort(compareCodePoints);
  if (keys.length === 0) return "{}";
  return "{\n" + keys.map((k) => `${pad}${asciiJsonString(k)}: ${render(obj[k] as SortedJson, depth + 1)}`)
    .join(",\n") +
    "\n" + end + "}";
}

/**
 * Serializes with sorted keys, two-space indentation and one final LF (anpkg.md §2.7).
 *
 * @example
 * ```ts
 * import { renderSortedJson } from "./provenance.ts";
 * console.assert(renderSortedJson({ b: [], a: "é" }) === '{\n  "a": "\\u00e9",\n  "b": []\n}\n');
 * ```
 */
export function renderSortedJson(value: SortedJson): string {
  return render(value, 0) + "\n";
}

/** The bytes of `meta/provenance.json`. */
export function renderProvenance(p: Provenance): string {
  return renderSortedJson(p as unknown as SortedJson);
}
