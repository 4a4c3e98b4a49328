/**
 * Schema checks of package documents (anpkg.md §7): the machine profile and runtime
 * configuration (`schema-invalid`) and the bundled provider schemas (`provider-schema-invalid`).
 *
 * The checks run a small JSON Schema evaluator of our own directly over the YAML value model
 * instead of a general-purpose validator over JSON: §7.1 needs values that match no JSON type
 * (timestamps, binary data, sets), exact integers beyond 2^53, mapping keys that are numbers, and
 * one-line messages in our own words. The evaluator knows exactly the keywords our schema files
 * use (Draft-07 and Draft 2020-12 agree on all of them) plus two annotations of ours:
 * `x-handoff-message` (the message of a failed `anyOf`, `oneOf` or `not`) and `x-handoff-unique`
 * (uniqueness of a field across the items of an array, optionally by I2C-address value — the rule
 * of §7.4 that no JSON Schema keyword expresses).
 *
 * The schema files are embedded as JSON modules, so checking needs no file-system permission.
 *
 * @module
 */

import machineProfileSchema from "../../schemas/anpkg/machine-profile.schema.json" with { type: "json" };
import runtimeConfigSchema from "../../schemas/anpkg/runtime-config.schema.json" with { type: "json" };
import simProviderFile from "../../schemas/providers/sim.config-schema.json" with { type: "json" };
import breadProviderFile from "../../schemas/providers/bread.config-schema.json" with { type: "json" };
import ezoProviderFile from "../../schemas/providers/ezo.config-schema.json" with { type: "json" };
import { compareCodePoints } from "../report/report.ts";
import {
  keyText,
  YamlBinary,
  YamlMap,
  YamlPairs,
  YamlSet,
  YamlTimestamp,
  type YamlValue,
} from "../yaml/types.ts";

/** The documents that have a schema: the two package documents and the three provider kinds. */
export type SchemaKind =
  | "machine-profile"
  | "runtime-config"
  | "provider-sim"
  | "provider-bread"
  | "provider-ezo";

/** One schema violation: where it is (a key path, anpkg.md §0) and what is wrong, in one line. */
export interface SchemaViolation {
  /** Key path of the offending value, or of the missing or unknown key (`$.providers[0].args`). */
  readonly path: string;
  /** One line of English: sentence case, no trailing period, values quoted. */
  readonly message: string;
}

/** A JSON Schema as our files write it: a boolean or an object of keywords. */
export type Schema = boolean | { readonly [keyword: string]: unknown };

const SCHEMAS: Readonly<Record<SchemaKind, Schema>> = {
  "machine-profile": machineProfileSchema as Schema,
  "runtime-config": runtimeConfigSchema as Schema,
  "provider-sim": simProviderFile.schema as Schema,
  "provider-bread": breadProviderFile.schema as Schema,
  "provider-ezo": ezoProviderFile.schema as Schema,
};

/**
 * The schema a kind is checked against (the `schema` member for provider kinds).
 *
 * @example
 * ```ts
 * import { schemaFor } from "./schema.ts";
 * const s = schemaFor("machine-profile");
 * console.assert(typeof s === "object" && s.type === "object");
 * ```
 */
export function schemaFor(kind: SchemaKind): Schema {
  return SCHEMAS[kind];
}

/**
 * Checks a parsed document against the bundled schema of its kind and returns every violation,
 * sorted by key path and then message (code-point order); an empty list means valid.
 *
 * @example
 * ```ts
 * import { checkAgainstSchema } from "./schema.ts";
 * import { YamlMap } from "../yaml/types.ts";
 * const runtime = new YamlMap([["providers", []]]);
 * const v = checkAgainstSchema("runtime-config", runtime);
 * console.assert(v.length === 1 && v[0]?.path === "$.providers");
 * ```
 */
export function checkAgainstSchema(kind: SchemaKind, value: YamlValue): SchemaViolation[] {
  return checkValue(SCHEMAS[kind], value);
}

/**
 * Checks a YAML value against any schema written with the keywords this evaluator knows
 * ({@link SUPPORTED_KEYWORDS}); `$ref` values are JSON pointers into `schema` itself.
 * Violations are sorted by key path, then message, without repeats.
 *
 * @example
 * ```ts
 * import { checkValue } from "./schema.ts";
 * const v = checkValue({ type: "integer", minimum: 1 }, 8080.0);
 * console.assert(v.length === 0);
 * ```
 */
export function checkValue(schema: Schema, value: YamlValue): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  evaluate(schema, value, "$", { root: schema, out }, null);
  out.sort((a, b) => compareCodePoints(a.path, b.path) || compareCodePoints(a.message, b.message));
  return out.filter((v, i) => i === 0 || v.path !== out[i - 1]?.path || v.message !== out[i - 1]?.message);
}

/** Every keyword the evaluator reads or knowingly ignores; anything else in a schema is a mistake. */
export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  // assertions and applicators
  "$ref",
  "type",
  "const",
  "enum",
  "not",
  "anyOf",
  "oneOf",
  "allOf",
  "if",
  "then",
  "else",
  "required",
  "dependentRequired",
  "minProperties",
  "propertyNames",
  "properties",
  "additionalProperties",
  "items",
  "minItems",
  "contains",
  "uniqueItems",
  "minimum",
  "maximum",
  "minLength",
  "pattern",
  // ours
  "x-handoff-message",
  "x-handoff-unique",
  // annotations and containers
  "$schema",
  "$id",
  "title",
  "description",
  "definitions",
  "$defs",
]);

// ───────────────────────────── evaluation ─────────────────────────────

type SchemaObject = { readonly [keyword: string]: unknown };

interface Context {
  readonly root: Schema;
  readonly out: SchemaViolation[];
}

/** How the value was reached: as a mapping value (under `key`), as a key name, or otherwise. */
type Via = { readonly key: string } | "key-name" | null;

/** The JSON types of §7.1; `null` stands for a value of none of them (timestamp, binary, set). */
type JsonType = "null" | "boolean" | "integer" | "number" | "string" | "array" | "object";

/** A value in the evaluator's view: YAML values plus the items of `!!omap`/`!!pairs`. */
type Value = YamlValue | PairItem;

/** One pair of a `!!omap`/`!!pairs` node: the reference reads it as a tuple, which is no JSON type. */
class PairItem {
  constructor(readonly pair: readonly [YamlValue, YamlValue]) {}
}

function evaluate(schema: Schema, value: Value, path: string, ctx: Context, via: Via): void {
  if (schema === true) return;
  if (schema === false) {
    report(
      ctx,
      path,
      typeof via === "object" && via !== null
        ? `Key ${quote(via.key)} is not allowed here`
        : "Value is not allowed here",
    );
    return;
  }
  const s = schema;
  if (typeof s.$ref === "string") evaluate(resolveRef(ctx.root, s.$ref), value, path, ctx, via);

  const kind = jsonType(value);
  if (s.type !== undefined) {
    const allowed = typeof s.type === "string" ? [s.type] : s.type as string[];
    if (!allowed.some((t) => typeMatches(t, kind))) {
      report(ctx, path, `Expected ${alternatives(allowed.map(typeName))}, found ${describeKind(value)}`);
    }
  }
  if ("const" in s && !sameValue(value, s.const)) {
    report(ctx, path, `Expected ${showJson(s.const)}, found ${showValue(value)}`);
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => sameValue(value, e))) {
    const list = s.enum.map(showJson);
    const expected = list.length === 1 ? list[0] : `one of ${list.join(", ")}`;
    report(ctx, path, `Expected ${expected}, found ${showValue(value)}`);
  }
  if (s.not !== undefined && passes(ctx, s.not as Schema, value)) {
    report(ctx, path, customMessage(s, value) ?? notMessage(s.not as Schema, value));
  }
  if (Array.isArray(s.anyOf)) anyOf(ctx, s, s.anyOf as Schema[], value, path, via);
  if (Array.isArray(s.oneOf)) oneOf(ctx, s, s.oneOf as Schema[], value, path, via);
  if (Array.isArray(s.allOf)) { for (const sub of s.allOf as Schema[]) evaluate(sub, value, path, ctx, via); }
  if (s.if !== undefined) {
    const branch = passes(ctx, s.if as Schema, value) ? s.then : s.else;
    if (branch !== undefined) evaluate(branch as Schema, value, path, ctx, via);
  }

  if (kind === "object") evaluateObject(s, value as YamlMap, path, ctx);
  else if (kind === "array") evaluateArray(s, value as Value[] | YamlPairs, path, ctx);
  else if (kind === "string") evaluateString(s, value as string, path, ctx, via);
  else if (kind === "integer" || kind === "number") evaluateNumber(s, value as bigint | number, path, ctx);
}

function evaluateObject(s: SchemaObject, map: YamlMap, path: string, ctx: Context): void {
  const { entries, texts } = view(map);
  if (Array.isArray(s.required)) {
    for (const key of s.required as string[]) {
      if (!texts.has(key)) report(ctx, childPath(path, key), `Missing required key ${quote(key)}`);
    }
  }
  if (isObject(s.dependentRequired)) {
    for (const [key, needs] of Object.entries(s.dependentRequired)) {
      if (!texts.has(key)) continue;
      for (const need of needs as string[]) {
        if (!texts.has(need)) {
          report(
            ctx,
            childPath(path, need),
            `Missing key ${quote(need)}, required when ${quote(key)} is present`,
          );
        }
      }
    }
  }
  if (typeof s.minProperties === "number" && entries.length < s.minProperties) {
    report(ctx, path, `Expected at least ${count(s.minProperties, "key")}, found ${entries.length}`);
  }
  const properties = isObject(s.properties) ? s.properties : null;
  const additional = s.additionalProperties as Schema | undefined;
  for (const [text, item] of entries) {
    const at = childPath(path, text);
    if (s.propertyNames !== undefined) evaluate(s.propertyNames as Schema, text, at, ctx, "key-name");
    const own = properties !== null && Object.hasOwn(properties, text)
      ? properties[text] as Schema
      : undefined;
    if (own !== undefined) evaluate(own, item, at, ctx, { key: text });
    else if (additional === false) report(ctx, at, `Unknown key ${quote(text)}`);
    else if (additional !== undefined) evaluate(additional, item, at, ctx, { key: text });
  }
}

function evaluateArray(s: SchemaObject, array: Value[] | YamlPairs, path: string, ctx: Context): void {
  const items: Value[] = Array.isArray(array) ? array : array.pairs.map((p) => new PairItem(p));
  if (typeof s.minItems === "number" && items.length < s.minItems) {
    report(ctx, path, `Expected at least ${count(s.minItems, "item")}, found ${items.length}`);
  }
  if (s.items !== undefined) {
    items.forEach((item, i) => evaluate(s.items as Schema, item, `${path}[${i}]`, ctx, null));
  }
  if (s.contains !== undefined && !items.some((item) => passes(ctx, s.contains as Schema, item))) {
    report(ctx, path, "No item has the required form");
  }
  if (s.uniqueItems === true) {
    // One pass with canonical identities: long sequences (aliases can make them huge) stay linear.
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      const id = identity(item);
      if (id === null) return;
      const j = first.get(id);
      if (j === undefined) first.set(id, i);
      else report(ctx, `${path}[${i}]`, `Value ${showValue(item)} repeats item ${j}`);
    });
  }
  if (Array.isArray(s["x-handoff-unique"])) {
    for (const rule of s["x-handoff-unique"] as UniqueRule[]) {
      for (const d of findDuplicates(items, rule)) {
        const at = rule.field === undefined
          ? `${path}[${d.index}]`
          : childPath(`${path}[${d.index}]`, rule.field);
        report(ctx, at, duplicateMessage(rule, d));
      }
    }
  }
}

function evaluateString(s: SchemaObject, text: string, path: string, ctx: Context, via: Via): void {
  const subject = via === "key-name" ? "Key" : "Value";
  if (typeof s.minLength === "number") {
    const length = codePointLength(text);
    if (length < s.minLength) {
      report(ctx, path, `Expected at least ${count(s.minLength, "character")}, found ${length}`);
    }
  }
  if (typeof s.pattern === "string" && !regex(s.pattern).test(text)) {
    report(ctx, path, `${subject} ${showValue(text)} does not match the pattern ${quote(s.pattern)}`);
  }
}

function evaluateNumber(s: SchemaObject, n: bigint | number, path: string, ctx: Context): void {
  // Mixed bigint/number comparisons are exact in JavaScript; NaN fails no bound (as in Python).
  if (typeof s.minimum === "number" && n < s.minimum) {
    report(ctx, path, `Value ${showValue(n)} is below the minimum ${s.minimum}`);
  }
  if (typeof s.maximum === "number" && n > s.maximum) {
    report(ctx, path, `Value ${showValue(n)} is above the maximum ${s.maximum}`);
  }
}

function anyOf(
  ctx: Context,
  s: SchemaObject,
  branches: Schema[],
  value: Value,
  path: string,
  via: Via,
): void {
  const results = branches.map((b) => trial(ctx, b, value, path, via));
  if (results.some((r) => r.length === 0)) return;
  reportCombination(ctx, s, branches, results, value, path);
}

function oneOf(
  ctx: Context,
  s: SchemaObject,
  branches: Schema[],
  value: Value,
  path: string,
  via: Via,
): void {
  const results = branches.map((b) => trial(ctx, b, value, path, via));
  const matches = results.filter((r) => r.length === 0).length;
  if (matches === 1) return;
  if (matches > 1) {
    report(
      ctx,
      path,
      customMessage(s, value) ?? `Value ${showValue(value)} matches ${matches} forms, expected one`,
    );
    return;
  }
  reportCombination(ctx, s, branches, results, value, path);
}

/**
 * Reports a failed `anyOf`/`oneOf`: the schema's own message; else, for branches that each only
 * require a key, the keys; else the violations of the one branch of the value's type; else the
 * types the branches accept.
 */
function reportCombination(
  ctx: Context,
  s: SchemaObject,
  branches: Schema[],
  results: SchemaViolation[][],
  value: Value,
  path: string,
): void {
  const custom = customMessage(s, value);
  if (custom !== undefined) return report(ctx, path, custom);
  const keys = branches.map(requiredOnly);
  if (keys.every((k) => k !== null)) {
    return report(ctx, path, `Expected one of the keys ${keys.map((k) => quote(k as string)).join(", ")}`);
  }
  const kind = jsonType(value);
  const types = branches.map((b) => typeof b === "object" && typeof b.type === "string" ? b.type : null);
  const typed = types.flatMap((t, i) => t !== null && typeMatches(t, kind) ? [i] : []);
  if (typed.length === 1) {
    for (const v of results[typed[0] as number] as SchemaViolation[]) ctx.out.push(v);
    return;
  }
  if (typed.length === 0 && types.every((t) => t !== null)) {
    const names = [...new Set(types as string[])].map(typeName);
    return report(ctx, path, `Expected ${alternatives(names)}, found ${describeKind(value)}`);
  }
  report(ctx, path, `Value ${showValue(value)} has none of the allowed forms`);
}

/** `a`, `a or b`, `a, b or c`. */
function alternatives(words: readonly string[]): string {
  return words.length <= 1 ? words.join("") : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}

/** The key a branch requires when the branch is exactly `{required: [key]}`. */
function requiredOnly(b: Schema): string | null {
  if (typeof b !== "object" || Object.keys(b).length !== 1 || !Array.isArray(b.required)) return null;
  return b.required.length === 1 && typeof b.required[0] === "string" ? b.required[0] : null;
}

function notMessage(inner: Schema, value: Value): string {
  if (typeof inner === "object" && "const" in inner) return `Value ${showValue(value)} is not allowed`;
  return `Value ${showValue(value)} has a form that is not allowed here`;
}

/** The schema's `x-handoff-message`, with `{value}` replaced by the value as messages show it. */
function customMessage(s: SchemaObject, value: Value): string | undefined {
  const m = s["x-handoff-message"];
  return typeof m === "string" ? m.replaceAll("{value}", showValue(value)) : undefined;
}

/** Evaluates into a scratch list: the violations a subschema would report. */
function trial(ctx: Context, schema: Schema, value: Value, path: string, via: Via): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  evaluate(schema, value, path, { root: ctx.root, out }, via);
  return out;
}

function passes(ctx: Context, schema: Schema, value: Value): boolean {
  return trial(ctx, schema, value, "$", null).length === 0;
}

function report(ctx: Context, path: string, message: string): void {
  ctx.out.push({ path, message });
}

function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith("#")) throw new Error(`Unsupported schema reference ${quote(ref)}`);
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").slice(1)) {
    const token = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    node = isObject(node) ? node[token] : undefined;
  }
  if (node === undefined) throw new Error(`Unresolved schema reference ${quote(ref)}`);
  return node as Schema;
}

// ───────────────────────────── values ─────────────────────────────

/** The §7.1 type of a value; null for values that match no JSON type. */
function jsonType(v: Value): JsonType | null {
  switch (typeof v) {
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "bigint":
      return "integer";
    case "number":
      return Number.isInteger(v) ? "integer" : "number";
  }
  if (v === null) return "null";
  if (Array.isArray(v) || v instanceof YamlPairs) return "array";
  if (v instanceof YamlMap) return "object";
  return null;
}

function typeMatches(expected: string, actual: JsonType | null): boolean {
  return expected === actual || (expected === "number" && actual === "integer");
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  null: "null",
  boolean: "a boolean",
  integer: "an integer",
  number: "a number",
  string: "a string",
  array: "a sequence",
  object: "a mapping",
};

function typeName(t: string): string {
  return TYPE_NAMES[t] ?? quote(t);
}

function describeKind(v: Value): string {
  if (typeof v === "number") {
    if (Number.isInteger(v)) return "an integer";
    return Number.isFinite(v) ? "a number with a fraction" : "a non-finite number";
  }
  if (v instanceof YamlTimestamp) return "a timestamp";
  if (v instanceof YamlBinary) return "binary data";
  if (v instanceof YamlSet) return "a set";
  if (v instanceof YamlPairs) return "a sequence of pairs";
  if (v instanceof PairItem) return "a key-value pair";
  return typeName(jsonType(v) ?? "");
}

/** Cached key texts of a mapping: entries in order, and the set of texts present. */
interface MapView {
  readonly entries: readonly (readonly [string, YamlValue])[];
  readonly texts: ReadonlySet<string>;
}

const views = new WeakMap<YamlMap, MapView>();

function view(map: YamlMap): MapView {
  let v = views.get(map);
  if (v === undefined) {
    const entries = map.entries().map(([k, value]) => [keyText(k), value] as const);
    v = { entries, texts: new Set(entries.map((e) => e[0])) };
    views.set(map, v);
  }
  return v;
}

/**
 * Equality of §7.1: numbers by value (`1` equals `1.0`), never booleans with numbers, strings
 * exactly, sequences and mappings deeply (mapping keys by their key text). `b` may also be a
 * value from a schema file (plain JSON).
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return numericEqual(a, b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((x, i) => sameValue(x, b[i]));
  }
  const ea = mappingEntries(a);
  const eb = mappingEntries(b);
  if (ea !== null && eb !== null) {
    if (ea.length !== eb.length) return false;
    const other = new Map(eb);
    return ea.every(([k, v]) => other.has(k) && sameValue(v, other.get(k)));
  }
  if (a instanceof YamlTimestamp && b instanceof YamlTimestamp) return a.equalityKey() === b.equalityKey();
  if (a instanceof YamlBinary && b instanceof YamlBinary) {
    return a.bytes.length === b.bytes.length && a.bytes.every((x, i) => x === b.bytes[i]);
  }
  if (a instanceof PairItem && b instanceof PairItem) {
    return sameValue(a.pair[0], b.pair[0]) && sameValue(a.pair[1], b.pair[1]);
  }
  if (a instanceof YamlPairs && b instanceof YamlPairs) {
    return a.pairs.length === b.pairs.length &&
      a.pairs.every((p, i) => sameValue(new PairItem(p), new PairItem(b.pairs[i] as [YamlValue, YamlValue])));
  }
  if (a instanceof YamlSet && b instanceof YamlSet) {
    return a.members.length === b.members.length &&
      a.members.every((m) => b.members.some((n) => sameValue(m, n)));
  }
  return a === b;
}

/**
 * A string that two values share exactly when {@link sameValue} holds between them; null for
 * values equal to nothing (NaN, or a collection holding one).
 */
function identity(v: Value): string | null {
  switch (typeof v) {
    case "string":
      return "s" + JSON.stringify(v);
    case "bigint":
      return "n" + v.toString();
    case "number":
      if (Number.isNaN(v)) return null;
      return Number.isInteger(v) && Number.isFinite(v) ? "n" + BigInt(v).toString() : "f" + String(v);
    case "boolean":
      return v ? "b1" : "b0";
  }
  if (v === null) return "z";
  const join = (parts: (string | null)[], open: string, close: string): string | null =>
    parts.includes(null) ? null : open + parts.join(",") + close;
  if (Array.isArray(v)) return join(v.map(identity), "[", "]");
  if (v instanceof YamlMap) {
    const entries = [...view(v).entries].sort((a, b) => compareCodePoints(a[0], b[0]));
    return join(
      entries.map(([k, x]) => ((id) => id === null ? null : JSON.stringify(k) + ":" + id)(identity(x))),
      "{",
      "}",
    );
  }
  if (v instanceof YamlTimestamp) return "t" + v.equalityKey();
  if (v instanceof YamlBinary) {
    return "x" + Array.from(v.bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  if (v instanceof YamlSet) {
    const members = v.members.map(identity);
    return members.includes(null) ? null : "S{" + (members as string[]).sort().join(",") + "}";
  }
  if (v instanceof YamlPairs) return join(v.pairs.map((p) => identity(new PairItem(p))), "P[", "]");
  return join([identity(v.pair[0]), identity(v.pair[1])], "(", ")");
}

function isNumeric(v: unknown): v is bigint | number {
  return typeof v === "bigint" || typeof v === "number";
}

function numericEqual(a: bigint | number, b: bigint | number): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b;
  const n = typeof a === "number" ? a : b as number;
  const i = typeof a === "bigint" ? a : b as bigint;
  if (typeof n === "bigint") return n === i;
  return Number.isInteger(n) && BigInt(n) === i;
}

/** Entries of a YAML mapping or of a plain JSON object (from a schema file); null otherwise. */
function mappingEntries(v: object): (readonly [string, unknown])[] | null {
  if (v instanceof YamlMap) return view(v).entries.slice();
  if (Object.getPrototypeOf(v) === Object.prototype) return Object.entries(v);
  return null;
}

function isObject(v: unknown): v is { readonly [key: string]: unknown } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point; lone surrogates count alone.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

const regexes = new Map<string, RegExp>();

/** `pattern` is an unanchored ECMAScript search with the `u` flag (§7.1). */
function regex(pattern: string): RegExp {
  let r = regexes.get(pattern);
  if (r === undefined) {
    r = new RegExp(pattern, "u");
    regexes.set(pattern, r);
  }
  return r;
}

function childPath(path: string, key: string): string {
  return `${path}.${key}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

const SHOWN_CHARS = 60;

/** A value as messages show it: YAML-style scalars, strings quoted and shortened, kinds for the rest. */
function showValue(v: Value): string {
  switch (typeof v) {
    case "string": {
      const cps = Array.from(v);
      return quote(cps.length > SHOWN_CHARS ? cps.slice(0, SHOWN_CHARS - 3).join("") + "..." : v);
    }
    case "bigint":
    case "number":
    case "boolean":
      return keyText(v);
  }
  if (v === null) return "null";
  return describeKind(v);
}

/** A constant from a schema file, as JSON. */
function showJson(v: unknown): string {
  return JSON.stringify(v);
}

// ───────────────────────────── uniqueness (§7.4) ─────────────────────────────

/**
 * One `x-handoff-unique` rule of an array schema: no two items may hold equal values of `field`
 * (of the item itself when absent). `compare: "i2c-address"` compares as I2C addresses: numbers by
 * value and strings read as integer literals with an optional `0x`/`0o`/`0b` prefix, so `10` and
 * `"0x0A"` are equal. Otherwise values compare as `enum` does.
 */
export interface UniqueRule {
  /** The mapping key compared across items; absent: the items themselves. */
  readonly field?: string;
  /** How values compare; absent: by value as `enum` compares. */
  readonly compare?: "i2c-address";
}

/** An item whose value repeats an earlier item's. */
export interface Duplicate {
  /** Index of the repeating item. */
  readonly index: number;
  /** Index of the first item holding an equal value. */
  readonly first: number;
  /** The repeating value. */
  readonly value: YamlValue;
}

/**
 * Finds items that repeat an earlier item's value under a uniqueness rule. Items that are not
 * mappings (when a field is named), lack the field, or hold a collection are not compared.
 *
 * @example
 * ```ts
 * import { findDuplicates } from "./schema.ts";
 * import { YamlMap } from "../yaml/types.ts";
 * const devices = [new YamlMap([["address", 10n]]), new YamlMap([["address", "0x0A"]])];
 * const d = findDuplicates(devices, { field: "address", compare: "i2c-address" });
 * console.assert(d.length === 1 && d[0]?.index === 1 && d[0]?.first === 0);
 * ```
 */
export function findDuplicates(items: readonly unknown[], rule: UniqueRule): Duplicate[] {
  const seen = new Map<string, number>();
  const out: Duplicate[] = [];
  items.forEach((item, index) => {
    let value: unknown = item;
    if (rule.field !== undefined) {
      if (!(item instanceof YamlMap)) return;
      value = view(item).entries.find((e) => e[0] === rule.field)?.[1];
    }
    const id = uniquenessKey(value, rule.compare === "i2c-address");
    if (id === null) return;
    const first = seen.get(id);
    if (first === undefined) seen.set(id, index);
    else out.push({ index, first, value: value as YamlValue });
  });
  return out;
}

/** The identity two values share exactly when they count as equal; null: not compared. */
function uniquenessKey(v: unknown, asAddress: boolean): string | null {
  switch (typeof v) {
    case "bigint":
      return "n" + v.toString();
    case "number":
      if (Number.isNaN(v)) return null;
      return Number.isInteger(v) ? "n" + BigInt(v).toString() : "f" + String(v);
    case "boolean":
      return "b" + String(v);
    case "string": {
      const n = asAddress ? integerLiteral(v) : null;
      return n === null ? "s" + v : "n" + n.toString();
    }
  }
  if (v === null) return "z";
  return null;
}

/**
 * Reads an integer literal as Python's `int(text, 0)` does: surrounding whitespace, a sign, a
 * `0x`/`0o`/`0b` prefix (any case), underscores between digits, no leading zeros in decimal.
 */
function integerLiteral(text: string): bigint | null {
  const m =
    /^[ \t\n\v\f\r]*([+-]?)(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?0)*|[1-9](?:_?[0-9])*)[ \t\n\v\f\r]*$/
      .exec(text);
  if (m === null) return null;
  const body = (m[2] as string).replaceAll("_", "");
  const value = /^0[oO]/.test(body) ? BigInt("0o" + body.slice(2)) : BigInt(body);
  return m[1] === "-" ? -value : value;
}

function duplicateMessage(rule: UniqueRule, d: Duplicate): string {
  const shown = showValue(d.value);
  if (rule.compare === "i2c-address") {
    const n = typeof d.value === "string" ? integerLiteral(d.value) : null;
    const numeric = n !== null ? ` (${n})` : "";
    return `Address ${shown}${numeric} is already used by item ${d.first}`;
  }
  return rule.field === undefined
    ? `Value ${shown} repeats item ${d.first}`
    : `Value ${shown} of ${quote(rule.field)} is already used by item ${d.first}`;
}
