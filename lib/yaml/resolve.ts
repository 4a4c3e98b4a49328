/**
 * Implicit typing of plain scalars: the YAML 1.1 rules of the reference (§2.12), the YAML 1.2
 * core schema, and the comparisons between the two that drive ambiguity notes and the emitter's
 * extra quoting (§2.13).
 *
 * @module
 */

import { constructYamlFloat, constructYamlInt, formatFloat } from "./number.ts";

/** Tag URIs of the YAML type repository. */
export const TAG = {
  str: "tag:yaml.org,2002:str",
  int: "tag:yaml.org,2002:int",
  float: "tag:yaml.org,2002:float",
  bool: "tag:yaml.org,2002:bool",
  null: "tag:yaml.org,2002:null",
  timestamp: "tag:yaml.org,2002:timestamp",
  merge: "tag:yaml.org,2002:merge",
  value: "tag:yaml.org,2002:value",
  yaml: "tag:yaml.org,2002:yaml",
  map: "tag:yaml.org,2002:map",
  seq: "tag:yaml.org,2002:seq",
  set: "tag:yaml.org,2002:set",
  binary: "tag:yaml.org,2002:binary",
  omap: "tag:yaml.org,2002:omap",
  pairs: "tag:yaml.org,2002:pairs",
} as const;

const BOOL_11 = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT_11 =
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT_11 =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const MERGE_11 = /^(?:<<)$/;
const NULL_11 = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP_11 =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;
const VALUE_11 = /^(?:=)$/;
const YAML_11 = /^(?:!|&|\*)$/;

/**
 * The tag the reference gives a plain scalar (or one tagged `!`): the patterns of §2.12, chosen by
 * the first character as the reference does, with Python's `$` (which also matches before a final
 * line feed).
 */
export function resolvePlainTag(text: string): string {
  if (text.length === 0) return TAG.null;
  // The first character picks the few patterns that can match; most scalars are words that none
  // can, and each pattern compiles on first use.
  const short = text.length <= 6;
  switch (text.charCodeAt(0)) {
    case 0x79: // y
    case 0x59: // Y
    case 0x74: // t
    case 0x54: // T
    case 0x66: // f
    case 0x46: // F
    case 0x6f: // o
    case 0x4f: // O
      return short && testPython(BOOL_11, text) ? TAG.bool : TAG.str;
    case 0x6e: // n
    case 0x4e: // N
      if (short && testPython(BOOL_11, text)) return TAG.bool;
      return short && testPython(NULL_11, text) ? TAG.null : TAG.str;
    case 0x7e: // ~
      return short && testPython(NULL_11, text) ? TAG.null : TAG.str;
    case 0x2d: // -
    case 0x2b: // +
    case 0x2e: // .
      return numberTag(text) ?? TAG.str;
    case 0x30:
    case 0x31:
    case 0x32:
    case 0x33:
    case 0x34:
    case 0x35:
    case 0x36:
    case 0x37:
    case 0x38:
    case 0x39: {
      const tag = numberTag(text);
      if (tag !== null) return tag;
      if (text.length >= 10 && text.charCodeAt(4) === 0x2d && testPython(TIMESTAMP_11, text)) {
        return TAG.timestamp;
      }
      return TAG.str;
    }
    case 0x3c: // <
      return testPython(MERGE_11, text) ? TAG.merge : TAG.str;
    case 0x3d: // =
      return testPython(VALUE_11, text) ? TAG.value : TAG.str;
    case 0x21: // !
    case 0x26: // &
    case 0x2a: // *
      return testPython(YAML_11, text) ? TAG.yaml : TAG.str;
  }
  return TAG.str;
}

/**
 * Whether `pattern` matches as Python's `re.match(r"^…$", text)` does (its `$` also matches just
 * before a final line feed); `test` rather than `exec`, as no match array is needed.
 */
function testPython(pattern: RegExp, text: string): boolean {
  return pattern.test(text) || (text.endsWith("\n") && pattern.test(text.slice(0, -1)));
}

/** The float or int tag of text that starts like a number, or null. */
function numberTag(text: string): string | null {
  if (!onlyNumberChars(text)) return null;
  if (text.includes(".") && testPython(FLOAT_11, text)) return TAG.float;
  if (text.charCodeAt(0) !== 0x2e && testPython(INT_11, text)) return TAG.int;
  return null;
}

/** Text made only of the characters an integer or float of §2.12 (or the core schema) can contain. */
const NUMBER_TEXT = /^[0-9_:.+\-eEbxoabcdefABCDEFinINtTFsyY\n]*$/;

function onlyNumberChars(text: string): boolean {
  return NUMBER_TEXT.test(text);
}

/** What a YAML 1.2 core-schema reader makes of a plain scalar. */
export type CoreValue = string | bigint | number | boolean | null;

const CORE_NULL = /^(?:~|null|Null|NULL|)$/;
const CORE_TRUE = /^(?:true|True|TRUE)$/;
const CORE_FALSE = /^(?:false|False|FALSE)$/;
const CORE_INT = /^[-+]?[0-9]+$/;
const CORE_OCT = /^0o[0-7]+$/;
const CORE_HEX = /^0x[0-9a-fA-F]+$/;
const CORE_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const CORE_INF = /^[-+]?\.(?:inf|Inf|INF)$/;
const CORE_NAN = /^\.(?:nan|NaN|NAN)$/;

/** Reads a plain scalar with the YAML 1.2 core schema. */
export function resolveCore(text: string): CoreValue {
  if (text.length === 0) return null;
  if (text.length > 5 && !onlyNumberChars(text)) return text;
  // The first character rules out all but a few patterns; they are tried in the schema's order.
  switch (text.charCodeAt(0)) {
    case 0x7e: // ~
    case 0x6e: // n
    case 0x4e: // N
      return CORE_NULL.test(text) ? null : text;
    case 0x74: // t
    case 0x54: // T
      return CORE_TRUE.test(text) ? true : text;
    case 0x66: // f
    case 0x46: // F
      return CORE_FALSE.test(text) ? false : text;
    case 0x2d: // -
    case 0x2b: // +
      if (CORE_INT.test(text)) return BigInt(text.startsWith("+") ? text.slice(1) : text);
      if (CORE_FLOAT.test(text)) return Number(text);
      if (CORE_INF.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
      return text;
    case 0x2e: // .
      if (CORE_FLOAT.test(text)) return Number(text);
      if (CORE_INF.test(text)) return Infinity;
      if (CORE_NAN.test(text)) return NaN;
      return text;
    case 0x30:
    case 0x31:
    case 0x32:
    case 0x33:
    case 0x34:
    case 0x35:
    case 0x36:
    case 0x37:
    case 0x38:
    case 0x39:
      if (CORE_INT.test(text)) return BigInt(text);
      if (CORE_OCT.test(text)) return BigInt(text);
      if (CORE_HEX.test(text)) return BigInt(text);
      if (CORE_FLOAT.test(text)) return Number(text);
      return text;
  }
  return text;
}

/** Integer and float texts that YAML 1.1 and the core schema read alike. */
const SHARED_INT = /^[-+]?(?:0|[1-9][0-9]*)$/;
const SHARED_FLOAT = /^[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?$/;

/** First characters of the core schema's non-string scalars. */
const CORE_FIRST = "-+.0123456789~nNtTfF";
const CORE_FIRST_SET = (() => {
  const set = new Uint8Array(128);
  for (let i = 0; i < CORE_FIRST.length; i++) set[CORE_FIRST.charCodeAt(i)] = 1;
  return set;
})();

/** Plain scalars that the YAML 1.1 specification lists as booleans but the reference reads as strings. */
function isSpecBoolean(text: string): boolean {
  return text.length === 1 && (text === "y" || text === "Y" || text === "n" || text === "N");
}

/**
 * Whether a string may be written plain (§2.13 rule 1, type part): the reference reads it back as
 * a string, a YAML 1.2 core reader does too, and it is not one of `y Y n N`.
 */
export function plainReadsAsString(text: string): boolean {
  return resolvePlainTag(text) === TAG.str && typeof resolveCore(text) === "string" &&
    !isSpecBoolean(text);
}

/** Stands for a YAML 1.1 timestamp, which a core reader never produces. */
const TIMESTAMP: unique symbol = Symbol("timestamp");

/** Names a value's type for messages. */
function typeName(value: CoreValue | typeof TIMESTAMP): string {
  if (value === TIMESTAMP) return "a timestamp";
  switch (typeof value) {
    case "string":
      return "a string";
    case "bigint":
      return "an integer";
    case "number":
      return "a float";
    case "boolean":
      return "a boolean";
  }
  return "null";
}

/**
 * Explains how YAML 1.1 (the reference) and a YAML 1.2 core reader disagree about a plain
 * scalar, or returns null when they agree. `y`, `Y`, `n` and `N` also count (booleans in the YAML
 * 1.1 specification). The merge key `<<` is not reported.
 */
export function plainAmbiguity(
  text: string,
  tag: string = resolvePlainTag(text),
  value?: unknown,
): string | null {
  if (isSpecBoolean(text)) {
    return "is a string here but a boolean in the YAML 1.1 specification";
  }
  // Fast answers for the common cases: a string whose first character cannot start a core
  // null, boolean or number; core null and booleans; decimal integers and floats in the forms
  // both schemas share.
  if (tag === TAG.str) {
    const c = text.charCodeAt(0);
    // `includes("")` is true, so an empty text goes on to the full comparison.
    if (text.length !== 0 && !(c < 128 && CORE_FIRST_SET[c] === 1)) return null;
  }
  if (tag === TAG.null) return null;
  if (tag === TAG.bool && "tTfF".includes(text[0] ?? "")) return null;
  if (tag === TAG.int && SHARED_INT.test(text)) return null;
  if (tag === TAG.float && SHARED_FLOAT.test(text)) return null;
  let v11: CoreValue | typeof TIMESTAMP;
  switch (tag) {
    case TAG.bool:
      v11 = typeof value === "boolean" ? value : /^(?:yes|true|on)$/i.test(text);
      break;
    case TAG.int:
      v11 = typeof value === "bigint" ? value : constructYamlInt(text) ?? text;
      break;
    case TAG.float:
      v11 = typeof value === "number" ? value : constructYamlFloat(text) ?? text;
      break;
    case TAG.null:
      v11 = null;
      break;
    case TAG.timestamp:
      v11 = TIMESTAMP;
      break;
    case TAG.merge:
      return null;
    default:
      v11 = text;
  }
  const v12 = resolveCore(text);
  if (sameCoreValue(v11, v12)) return null;
  if (typeof v11 === typeof v12 && (typeof v11 === "bigint" || typeof v11 === "number")) {
    const show = (v: CoreValue) => typeof v === "number" ? formatFloat(v) : String(v);
    return `is ${show(v11 as CoreValue)} in YAML 1.1 but ${show(v12)} in YAML 1.2`;
  }
  return `is ${typeName(v11)} in YAML 1.1 but ${typeName(v12)} in YAML 1.2`;
}

function sameCoreValue(a: CoreValue | typeof TIMESTAMP, b: CoreValue): boolean {
  if (a === TIMESTAMP) return false;
  if (typeof a !== typeof b) return false;
  if (typeof a === "number" && typeof b === "number") return a === b || (Number.isNaN(a) && Number.isNaN(b));
  return a === b;
}
