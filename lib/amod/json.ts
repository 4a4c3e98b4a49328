/**
 * `manifest.json` and `inventory.json` (amod.md §1.9–§1.11, §5.4): an encoder that writes JSON
 * byte for byte as Go's `encoding/json` indent mode does, the two renderers, and the strict
 * readers that validation uses, which report problems with JSON paths (`$.git.dirty`,
 * `$.files[3].mode`).
 *
 * @module
 */

import { compareCodePoints, type Problem, problem } from "../report/report.ts";
import { decodeUtf8 } from "../text.ts";
import type { SnapshotForm } from "./exclude.ts";
import type { GitState } from "./git.ts";

/** An object with explicit key order (see {@link ordered}). */
export class OrderedObject {
  /** The members in rendering order. */
  readonly entries: readonly (readonly [string, JsonValue])[];

  /** Wraps the members; prefer {@link ordered}. */
  constructor(entries: readonly (readonly [string, JsonValue])[]) {
    this.entries = entries;
  }
}

/** A plain object: its keys render in property order (integer-like keys first, as JavaScript orders them). */
export interface JsonPlainObject {
  /** Property values; `undefined` ones are skipped. */
  readonly [key: string]: JsonValue | undefined;
}

/**
 * A value the encoder renders. Numbers must be safe integers (the formats have no others);
 * `undefined` properties of plain objects are skipped.
 */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | OrderedObject
  | JsonPlainObject;

/**
 * An object whose keys render exactly in the given order. Use it whenever a key could be
 * integer-like (`"10"`), which plain objects would move to the front.
 *
 * @example
 * ```ts
 * import { encodeJson, ordered } from "./json.ts";
 * console.assert(encodeJson(ordered([["b", 1], ["10", 2]])) === '{\n  "b": 1,\n  "10": 2\n}\n');
 * ```
 */
export function ordered(entries: readonly (readonly [string, JsonValue])[]): OrderedObject {
  return new OrderedObject(entries);
}

// deno-lint-ignore no-control-regex -- the characters Go's encoder escapes
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/;
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/**
 * A JSON string literal as Go's encoder writes it (amod.md §1.9): the short escapes, `\u00XX`
 * (lowercase hex) for other controls, and `<`, `>`, `&`, U+2028, U+2029 escaped; everything else
 * literal. Throws a `TypeError` for a lone surrogate, which must never reach the encoder.
 *
 * @example
 * ```ts
 * import { quoteJsonString } from "./json.ts";
 * console.assert(quoteJsonString("a&b<\u0001") === '"a\\u0026b\\u003c\\u0001"');
 * ```
 */
export function quoteJsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const c = ch.charCodeAt(0);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (c < 0x20 || ch === "<" || ch === ">" || ch === "&" || c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16).padStart(4, "0")}`;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new TypeError("String holds a lone surrogate");
      out += ch + s[i + 1];
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw new TypeError("String holds a lone surrogate");
    } else out += ch;
  }
  return `${out}"`;
}

function encodeValue(v: JsonValue, depth: number): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "number":
      if (!Number.isSafeInteger(v)) throw new RangeError(`Cannot encode the number ${v}`);
      return String(v);
    case "string":
      return quoteJsonString(v);
  }
  const inner = "  ".repeat(depth + 1);
  const close = `\n${"  ".repeat(depth)}`;
  if (Array.isArray(v)) {
    const items = v as readonly JsonValue[];
    if (items.length === 0) return "[]";
    return `[\n${items.map((x) => inner + encodeValue(x, depth + 1)).join(",\n")}${close}]`;
  }
  const entries: (readonly [string, JsonValue])[] = v instanceof OrderedObject
    ? [...v.entries]
    : Object.entries(v as JsonPlainObject).filter((e): e is [string, JsonValue] => e[1] !== undefined);
  if (entries.length === 0) return "{}";
  return `{\n${
    entries.map(([k, x]) => `${inner}${quoteJsonString(k)}: ${encodeValue(x, depth + 1)}`).join(",\n")
  }${close}}`;
}

/**
 * Renders a value as Go's `json.MarshalIndent(v, "", "  ")` does, followed by one LF.
 *
 * @example
 * ```ts
 * import { encodeJson } from "./json.ts";
 * console.assert(encodeJson({ files: null }) === '{\n  "files": null\n}\n');
 * console.assert(encodeJson({ a: [], b: {} }) === '{\n  "a": [],\n  "b": {}\n}\n');
 * ```
 */
export function encodeJson(value: JsonValue): string {
  return `${encodeValue(value, 0)}\n`;
}

/** The manifest (amod.md §1.10), with the document's own field names. */
export interface Manifest {
  /** Format version; 1 for everything this build writes. */
  readonly schema_version: number;
  /** `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly created_at: string;
  /** The writing tool's version string (ours: `handoff/<version>`). */
  readonly agentmod_version: string;
  /** `<os>/<arch>` in Go naming. */
  readonly platform: string;
  /** Present only when git state was collected. */
  readonly git?: GitState;
  /** `true` in tree packages; absent in an `.amod`. */
  readonly for_git?: boolean;
}

/** One inventory entry (amod.md §1.11). */
export interface InventoryEntry {
  /** Full member name, starting with `payload/`. */
  readonly path: string;
  /** Content bytes; for a symlink, the byte length of its target. */
  readonly size: number;
  /** Lowercase hex SHA-256 of the content (of the target for a symlink). */
  readonly sha256: string;
  /** perm as four octal digits, e.g. `"0644"`. */
  readonly mode: string;
  /** Symlinks only: the target, verbatim. */
  readonly symlink_target?: string;
}

/**
 * The inventory `mode` string of a permission: four octal digits with a leading zero.
 *
 * @example
 * ```ts
 * import { formatMode } from "./json.ts";
 * console.assert(formatMode(0o755) === "0755" && formatMode(0o100600) === "0600");
 * ```
 */
export function formatMode(perm: number): string {
  return `0${(perm & 0o777).toString(8).padStart(3, "0")}`;
}

/**
 * Renders `manifest.json`: keys in the order of amod.md §1.10, empty optional git strings
 * omitted, `for_git` written only when true.
 *
 * @example
 * ```ts
 * import { renderManifest } from "./json.ts";
 * const text = renderManifest({ schema_version: 1, created_at: "2026-06-11T12:30:45Z", agentmod_version: "v", platform: "linux/amd64" });
 * console.assert(text.endsWith('"platform": "linux/amd64"\n}\n'));
 * ```
 */
export function renderManifest(m: Manifest): string {
  const top: [string, JsonValue][] = [
    ["schema_version", m.schema_version],
    ["created_at", m.created_at],
    ["agentmod_version", m.agentmod_version],
    ["platform", m.platform],
  ];
  if (m.git !== undefined) {
    const g = m.git;
    const git: [string, JsonValue][] = [];
    if (g.branch !== undefined && g.branch !== "") git.push(["branch", g.branch]);
    if (g.head !== undefined && g.head !== "") git.push(["head", g.head]);
    git.push(["dirty", g.dirty], ["status_summary", g.status_summary]);
    if (g.remote_url !== undefined && g.remote_url !== "") git.push(["remote_url", g.remote_url]);
    git.push(["source_included", g.source_included]);
    top.push(["git", ordered(git)]);
  }
  if (m.for_git === true) top.push(["for_git", true]);
  return encodeJson(ordered(top));
}

/**
 * Renders `inventory.json` (amod.md §1.11): entries sorted by path in code-point order, and
 * `"files": null` when there are none.
 *
 * @example
 * ```ts
 * import { renderInventory } from "./json.ts";
 * console.assert(renderInventory([]) === '{\n  "files": null\n}\n');
 * ```
 */
export function renderInventory(files: readonly InventoryEntry[] | null): string {
  if (files === null || files.length === 0) return encodeJson(ordered([["files", null]]));
  const sorted = [...files].sort((a, b) => compareCodePoints(a.path, b.path));
  return encodeJson(ordered([[
    "files",
    sorted.map((f) => {
      const e: [string, JsonValue][] = [["path", f.path], ["size", f.size], ["sha256", f.sha256], [
        "mode",
        f.mode,
      ]];
      if (f.symlink_target !== undefined) e.push(["symlink_target", f.symlink_target]);
      return ordered(e);
    }),
  ]]));
}

// ── strict reading (amod.md §5.4) ──

const MANIFEST_MEMBER = "manifest.json";
const INVENTORY_MEMBER = "inventory.json";
const MANIFEST_KEYS = ["schema_version", "created_at", "agentmod_version", "platform", "git", "for_git"];
const GIT_KEYS = ["branch", "head", "dirty", "status_summary", "remote_url", "source_included"];
const INVENTORY_KEYS = ["files"];
const ENTRY_KEYS = ["path", "size", "sha256", "mode", "symlink_target"];

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A known key's value; `undefined` when absent or `null` (amod.md §5.4: null means absent). */
function read(o: JsonObject, key: string): unknown {
  return Object.hasOwn(o, key) && o[key] !== null ? o[key] : undefined;
}

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** The JSON path of a key below `base`. */
export function jsonPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/**
 * Folds a key as the reference's case-insensitive key matching does: ASCII letters to lower case,
 * U+017F to `s`, U+212A to `k`.
 */
function foldKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(/\u017f/g, "s").replace(/\u212a/g, "k");
}

function caseVariants(o: JsonObject, known: readonly string[], base: string, member: string): Problem[] {
  const out: Problem[] = [];
  for (const key of Object.keys(o)) {
    if (known.includes(key)) continue;
    const folded = foldKey(key);
    const target = known.find((k) => k === folded);
    if (target === undefined) continue;
    out.push(problem(
      "json-key-case-variant",
      `Key "${key}" is ignored here but other readers may take it for "${target}"`,
      { member, path: jsonPath(base, key) },
    ));
  }
  return out;
}

type Decoded = { ok: true; value: unknown } | { ok: false; why: string };

function decodeJson(bytes: Uint8Array): Decoded {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { ok: false, why: "starts with a byte-order mark" };
  }
  const text = decodeUtf8(bytes);
  if (text === null) return { ok: false, why: "is not valid UTF-8" };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, why: "is not valid JSON" };
  }
}

/** What {@link parseManifest} found. */
export interface ManifestReading {
  /** The typed manifest; `null` when the member is unusable or a required key is missing or mistyped. */
  readonly manifest: Manifest | null;
  /**
   * The known keys as read, in manifest order, for the report's `manifest` field: scalar values
   * as they are, `git` reduced to its known scalar keys, mistyped arrays and objects left out.
   * `null` when the member is not a JSON object.
   */
  readonly known: Readonly<Record<string, unknown>> | null;
  /** Every problem found, on member `manifest.json`. */
  readonly problems: readonly Problem[];
}

const CREATED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const PLATFORM = /^[^\s/]+\/[^\s/]+$/;
const HEAD = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Reads `manifest.json` strictly (amod.md §5.3 phase 2, §5.4) for a snapshot of the given form.
 * Reports `manifest-invalid` (one per bad key, with its JSON path), `schema-version-invalid`,
 * `schema-version-unsupported`, `manifest-field-format`, `for-git-flag-mismatch` and
 * `json-key-case-variant`, all on member `manifest.json`.
 *
 * @example
 * ```ts
 * import { parseManifest } from "./json.ts";
 * const bytes = new TextEncoder().encode('{"schema_version": 2, "created_at": "2026-06-11T12:30:45Z", "agentmod_version": "x", "platform": "a/b"}');
 * const r = parseManifest(bytes, "amod");
 * console.assert(r.problems.length === 1 && r.problems[0]?.code === "schema-version-unsupported");
 * ```
 */
export function parseManifest(bytes: Uint8Array, form: SnapshotForm): ManifestReading {
  const member = MANIFEST_MEMBER;
  const decoded = decodeJson(bytes);
  if (!decoded.ok) {
    return {
      manifest: null,
      known: null,
      problems: [problem("manifest-invalid", `The manifest ${decoded.why}`, { member })],
    };
  }
  const o = decoded.value;
  if (!isObject(o)) {
    return {
      manifest: null,
      known: null,
      problems: [
        problem("manifest-invalid", `The manifest is ${describe(o)}, not an object`, { member, path: "$" }),
      ],
    };
  }
  const problems: Problem[] = caseVariants(o, MANIFEST_KEYS, "$", member);
  let usable = true;
  const invalid = (path: string, message: string): void => {
    usable = false;
    problems.push(problem("manifest-invalid", message, { member, path }));
  };
  const expect = (
    obj: JsonObject,
    base: string,
    key: string,
    type: "string" | "boolean",
    required: boolean,
  ) => {
    const v = read(obj, key);
    const actual: string = typeof v;
    if (v === undefined ? required : actual !== type) {
      invalid(jsonPath(base, key), `Key "${key}" must be a ${type}, found ${describe(v)}`);
    }
  };

  const sv = read(o, "schema_version");
  if (typeof sv !== "number") {
    invalid("$.schema_version", `Key "schema_version" must be a number, found ${describe(sv)}`);
  } else if (!Number.isSafeInteger(sv) || sv < 1) {
    problems.push(problem(
      "schema-version-invalid",
      `Schema version ${JSON.stringify(sv)} is not a positive integer`,
      { member, path: "$.schema_version" },
    ));
  } else if (sv > 1) {
    problems.push(problem(
      "schema-version-unsupported",
      `Schema version ${sv} is newer than the version 1 this build reads`,
      { member, path: "$.schema_version" },
    ));
  }
  expect(o, "$", "created_at", "string", true);
  expect(o, "$", "agentmod_version", "string", true);
  expect(o, "$", "platform", "string", true);
  const git = read(o, "git");
  if (git !== undefined) {
    if (!isObject(git)) invalid("$.git", `Key "git" must be an object, found ${describe(git)}`);
    else {
      problems.push(...caseVariants(git, GIT_KEYS, "$.git", member));
      expect(git, "$.git", "branch", "string", false);
      expect(git, "$.git", "head", "string", false);
      expect(git, "$.git", "dirty", "boolean", true);
      expect(git, "$.git", "status_summary", "string", true);
      expect(git, "$.git", "remote_url", "string", false);
      expect(git, "$.git", "source_included", "boolean", true);
    }
  }
  const forGit = read(o, "for_git");
  if (forGit !== undefined && typeof forGit !== "boolean") {
    invalid("$.for_git", `Key "for_git" must be a boolean, found ${describe(forGit)}`);
  }

  const createdAt = read(o, "created_at");
  if (typeof createdAt === "string" && !CREATED_AT.test(createdAt)) {
    problems.push(problem(
      "manifest-field-format",
      `Creation time "${createdAt}" is not in the form YYYY-MM-DDTHH:MM:SSZ`,
      { member, path: "$.created_at" },
    ));
  }
  const platform = read(o, "platform");
  if (typeof platform === "string" && !PLATFORM.test(platform)) {
    problems.push(problem(
      "manifest-field-format",
      `Platform "${platform}" is not of the form os/arch`,
      { member, path: "$.platform" },
    ));
  }
  const head = isObject(git) ? read(git, "head") : undefined;
  if (typeof head === "string" && !HEAD.test(head)) {
    problems.push(problem(
      "manifest-field-format",
      `Commit id "${head}" is not 40 or 64 lowercase hex digits`,
      { member, path: "$.git.head" },
    ));
  }
  if (form === "amod" && forGit === true) {
    problems.push(problem(
      "for-git-flag-mismatch",
      "The manifest marks a tree package but this is an .amod file",
      { member, path: "$.for_git" },
    ));
  } else if (form === "tree" && forGit !== true && (forGit === undefined || typeof forGit === "boolean")) {
    problems.push(problem(
      "for-git-flag-mismatch",
      'The manifest of a tree package lacks "for_git": true',
      { member, path: "$.for_git" },
    ));
  }

  // Known keys in manifest order; mistyped arrays and objects are left out: they are reported
  // already, and a hostile, deeply nested value must not reach a recursive serializer.
  const known: JsonObject = {};
  for (const key of MANIFEST_KEYS) {
    if (!Object.hasOwn(o, key)) continue;
    const v = o[key];
    if (key === "git" && isObject(v)) known[key] = pickScalars(v, GIT_KEYS);
    else if (isScalar(v)) known[key] = v;
  }
  if (!usable) return { manifest: null, known, problems };

  const g = isObject(git) ? git : undefined;
  const manifest: Manifest = {
    schema_version: sv as number,
    created_at: createdAt as string,
    agentmod_version: read(o, "agentmod_version") as string,
    platform: platform as string,
    ...(g !== undefined ? { git: toGitState(g) } : {}),
    ...(typeof forGit === "boolean" ? { for_git: forGit } : {}),
  };
  return { manifest, known, problems };
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== "object";
}

/** The given keys of an object whose values are scalars, in the given order. */
function pickScalars(o: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (Object.hasOwn(o, k) && isScalar(o[k])) out[k] = o[k];
  return out;
}

function toGitState(g: JsonObject): GitState {
  const branch = read(g, "branch") as string | undefined;
  const head = read(g, "head") as string | undefined;
  const remote = read(g, "remote_url") as string | undefined;
  return {
    ...(branch !== undefined ? { branch } : {}),
    ...(head !== undefined ? { head } : {}),
    dirty: read(g, "dirty") as boolean,
    status_summary: read(g, "status_summary") as string,
    ...(remote !== undefined ? { remote_url: remote } : {}),
    source_included: read(g, "source_included") as boolean,
  };
}

/** A usable inventory. */
export interface Inventory {
  /** Well-formed entries in file order; malformed entries are left out. */
  readonly entries: readonly InventoryEntry[];
  /** The first well-formed entry of each path. */
  readonly byPath: ReadonlyMap<string, InventoryEntry>;
}

/** What {@link parseInventory} found. */
export interface InventoryReading {
  /** `null` when the member is unusable (no inventory comparisons then). */
  readonly inventory: Inventory | null;
  /** Every problem found, on member `inventory.json`. */
  readonly problems: readonly Problem[];
}

const SHA256 = /^[0-9a-f]{64}$/;
const MODE = /^0[0-7]{3}$/;

/** Names the bad fields of one inventory entry, first bad field first. */
function badEntryFields(e: JsonObject): string[] {
  const bad: string[] = [];
  const path = read(e, "path");
  if (typeof path !== "string") bad.push("path");
  const size = read(e, "size");
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) bad.push("size");
  const sha = read(e, "sha256");
  if (typeof sha !== "string" || !SHA256.test(sha)) bad.push("sha256");
  const mode = read(e, "mode");
  if (typeof mode !== "string" || !MODE.test(mode)) bad.push("mode");
  const target = read(e, "symlink_target");
  if (target !== undefined && typeof target !== "string") bad.push("symlink_target");
  return bad;
}

/**
 * Reads `inventory.json` strictly (amod.md §5.3 phase 2, §5.4). Reports `inventory-invalid`
 * (for the member, or once per malformed entry, which is then ignored),
 * `inventory-duplicate-path`, `inventory-path-outside-payload` and `json-key-case-variant`, all on
 * member `inventory.json`.
 *
 * @example
 * ```ts
 * import { parseInventory } from "./json.ts";
 * const r = parseInventory(new TextEncoder().encode('{"files": null}'));
 * console.assert(r.inventory?.entries.length === 0 && r.problems.length === 0);
 * ```
 */
export function parseInventory(bytes: Uint8Array): InventoryReading {
  const member = INVENTORY_MEMBER;
  const decoded = decodeJson(bytes);
  if (!decoded.ok) {
    return {
      inventory: null,
      problems: [problem("inventory-invalid", `The inventory ${decoded.why}`, { member })],
    };
  }
  const o = decoded.value;
  if (!isObject(o)) {
    return {
      inventory: null,
      problems: [
        problem("inventory-invalid", `The inventory is ${describe(o)}, not an object`, { member, path: "$" }),
      ],
    };
  }
  const problems: Problem[] = caseVariants(o, INVENTORY_KEYS, "$", member);
  if (!Object.hasOwn(o, "files")) {
    problems.push(
      problem("inventory-invalid", 'The inventory has no "files" key', { member, path: "$.files" }),
    );
    return { inventory: null, problems };
  }
  const files = o["files"];
  if (files !== null && !Array.isArray(files)) {
    problems.push(problem(
      "inventory-invalid",
      `Key "files" must be an array or null, found ${describe(files)}`,
      { member, path: "$.files" },
    ));
    return { inventory: null, problems };
  }
  const entries: InventoryEntry[] = [];
  const byPath = new Map<string, InventoryEntry>();
  (files ?? []).forEach((raw: unknown, i: number) => {
    const base = jsonPath("$.files", i);
    if (!isObject(raw)) {
      problems.push(problem("inventory-invalid", `Entry ${i} is ${describe(raw)}, not an object`, {
        member,
        path: base,
      }));
      return;
    }
    problems.push(...caseVariants(raw, ENTRY_KEYS, base, member));
    const bad = badEntryFields(raw);
    if (bad.length > 0) {
      problems.push(problem(
        "inventory-invalid",
        `Entry ${i} has missing or malformed ${bad.map((k) => `"${k}"`).join(", ")}`,
        { member, path: jsonPath(base, bad[0] as string) },
      ));
      return;
    }
    const target = read(raw, "symlink_target") as string | undefined;
    const entry: InventoryEntry = {
      path: raw["path"] as string,
      size: raw["size"] as number,
      sha256: raw["sha256"] as string,
      mode: raw["mode"] as string,
      ...(target !== undefined ? { symlink_target: target } : {}),
    };
    entries.push(entry);
    if (byPath.has(entry.path)) {
      problems.push(problem(
        "inventory-duplicate-path",
        `Path "${entry.path}" is listed more than once`,
        { member, path: jsonPath(base, "path") },
      ));
    } else byPath.set(entry.path, entry);
    if (!entry.path.startsWith("payload/")) {
      problems.push(problem(
        "inventory-path-outside-payload",
        `Path "${entry.path}" does not start with "payload/"`,
        { member, path: jsonPath(base, "path") },
      ));
    }
  });
  return { inventory: { entries, byPath }, problems };
}
