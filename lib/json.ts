/**
 * The tolerant JSON reader of the `.anpkg` format (§1.4): RFC 8259 plus the literals `NaN`,
 * `Infinity` and `-Infinity`, as the reference's Python reader accepts them.
 *
 * Values use the YAML value model (`lib/yaml/types.ts`) so that one walker serves both formats:
 * objects are {@link YamlMap}s (document order; integer-like keys stay where they are; a repeated
 * key keeps its first position and takes the last value), integers are `bigint` (exact, so `1`
 * and `1.0` stay apart), other numbers `number`.
 *
 * @module
 */

import { YamlMap } from "./yaml/types.ts";

/** A JSON value: `string`, `bigint` (integer token), `number` (other numbers), `boolean`, `null`, array, object. */
export type JsonValue = string | bigint | number | boolean | null | JsonValue[] | YamlMap;

/** Outcome of {@link loadJson}. */
export type JsonLoadResult = { ok: true; value: JsonValue } | { ok: false; message: string };

/** Deepest nesting of arrays and objects accepted (the reference stops near 1000). */
export const JSON_MAX_DEPTH = 512;

/** Decimal digits accepted in an integer (Python's `int()` limit). */
const MAX_INTEGER_DIGITS = 4300;

class JsonSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/**
 * Parses JSON text. Never throws: malformed text, a leading byte-order mark, nesting deeper
 * than {@link JSON_MAX_DEPTH} and integers longer than 4300 digits give `{ ok: false }` with a
 * one-line message naming the line and column.
 *
 * @example
 * ```ts
 * import { loadJson } from "./json.ts";
 * import { YamlMap } from "./yaml/types.ts";
 * const r = loadJson('{"b": 1, "a": 1.0, "b": NaN}');
 * if (!r.ok || !(r.value instanceof YamlMap)) throw new Error("unexpected");
 * console.assert(r.value.keys().join() === "b,a" && Number.isNaN(r.value.get("b")) && r.value.get("a") === 1);
 * console.assert(loadJson('{"n": 1}').ok && !loadJson("\uFEFF{}").ok);
 * ```
 */
export function loadJson(text: string): JsonLoadResult {
  try {
    return { ok: true, value: new JsonParser(text).document() };
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      const { line, column } = position(text, e.offset);
      return { ok: false, message: `${e.message} (line ${line}, column ${column})` };
    }
    throw e;
  }
}

class JsonParser {
  private readonly text: string;
  private pos = 0;
  private depth = 0;

  constructor(text: string) {
    this.text = text;
  }

  private fail(message: string, at = this.pos): never {
    throw new JsonSyntaxError(message, at);
  }

  private found(): string {
    const c = this.text.charCodeAt(this.pos);
    if (Number.isNaN(c)) return "the end of the text";
    if (c === 0xfeff) return "a byte-order mark";
    if (c > 0x20 && c < 0x7f) return `"${this.text[this.pos]}"`;
    return "U+" + c.toString(16).toUpperCase().padStart(4, "0");
  }

  private skipWhitespace(): void {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else return;
    }
  }

  document(): JsonValue {
    this.skipWhitespace();
    const value = this.value();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail(`Unexpected ${this.found()} after the JSON value`);
    return value;
  }

  private value(): JsonValue {
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    switch (c) {
      case 0x7b: // {
        return this.object();
      case 0x5b: // [
        return this.array();
      case 0x22: // "
        return this.string();
      case 0x74: // t
        return this.literal("true", true);
      case 0x66: // f
        return this.literal("false", false);
      case 0x6e: // n
        return this.literal("null", null);
      case 0x4e: // N
        return this.literal("NaN", NaN);
      case 0x49: // I
        return this.literal("Infinity", Infinity);
    }
    if (c === 0x2d && t.charCodeAt(this.pos + 1) === 0x49) return this.literal("-Infinity", -Infinity);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    this.fail(`Expected a JSON value, found ${this.found()}`);
  }

  private literal<V extends JsonValue>(word: string, value: V): V {
    if (!this.text.startsWith(word, this.pos)) this.fail(`Expected a JSON value, found ${this.found()}`);
    this.pos += word.length;
    return value;
  }

  private enter(): void {
    if (++this.depth > JSON_MAX_DEPTH) {
      this.fail(`The JSON text is nested deeper than ${JSON_MAX_DEPTH} levels`);
    }
  }

  private object(): YamlMap {
    this.enter();
    this.pos++; // {
    const map = new YamlMap();
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      this.depth--;
      return map;
    }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== 0x22) {
        this.fail(`Expected a quoted object key, found ${this.found()}`);
      }
      const key = this.string();
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) {
        this.fail(`Expected ":" after an object key, found ${this.found()}`);
      }
      this.pos++;
      this.skipWhitespace();
      map.set(key, this.value());
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x2c) {
        this.pos++;
        this.skipWhitespace();
      } else if (c === 0x7d) {
        this.pos++;
        this.depth--;
        return map;
      } else this.fail(`Expected "," or "}" in an object, found ${this.found()}`);
    }
  }

  private array(): JsonValue[] {
    this.enter();
    this.pos++; // [
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      this.depth--;
      return items;
    }
    for (;;) {
      items.push(this.value());
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x2c) {
        this.pos++;
        this.skipWhitespace();
      } else if (c === 0x5d) {
        this.pos++;
        this.depth--;
        return items;
      } else this.fail(`Expected "," or "]" in an array, found ${this.found()}`);
    }
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    this.pos++; // "
    let out = "";
    let run = this.pos;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (Number.isNaN(c)) this.fail("A string is not closed", start);
      if (c === 0x22) {
        out += t.slice(run, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail(`Control character ${this.found()} inside a string`);
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += t.slice(run, this.pos);
      const e = t[this.pos + 1];
      switch (e) {
        case '"':
        case "\\":
        case "/":
          out += e;
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "u": {
          const hex = t.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("Expected four hexadecimal digits after \\u");
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.pos++;
          this.fail(`Unknown escape ${this.found()} in a string`);
      }
      this.pos += 2;
      run = this.pos;
    }
  }

  private number(): bigint | number {
    const t = this.text;
    const start = this.pos;
    let p = this.pos;
    if (t.charCodeAt(p) === 0x2d) p++;
    const digit = (i: number): boolean => {
      const c = t.charCodeAt(i);
      return c >= 0x30 && c <= 0x39;
    };
    if (t.charCodeAt(p) === 0x30) p++;
    else if (digit(p)) { while (digit(p)) p++; }
    else this.fail('Expected a digit after "-"', p);
    let integer = true;
    if (t.charCodeAt(p) === 0x2e && digit(p + 1)) {
      integer = false;
      p++;
      while (digit(p)) p++;
    }
    const e = t.charCodeAt(p);
    if (e === 0x65 || e === 0x45) {
      let q = p + 1;
      const sign = t.charCodeAt(q);
      if (sign === 0x2b || sign === 0x2d) q++;
      if (digit(q)) {
        integer = false;
        p = q;
        while (digit(p)) p++;
      }
    }
    this.pos = p;
    const token = t.slice(start, p);
    if (!integer) return Number(token);
    const digits = token.startsWith("-") ? token.length - 1 : token.length;
    if (digits > MAX_INTEGER_DIGITS) {
      this.fail(`An integer has more than ${MAX_INTEGER_DIGITS} digits`, start);
    }
    return BigInt(token);
  }
}

/** 1-based line and code-point column of a UTF-16 offset. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      column = 1;
    } else if ((c & 0xfc00) !== 0xdc00) column++;
  }
  return { line, column };
}
