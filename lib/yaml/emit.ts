/**
 * Emitting YAML exactly as the reference does (PyYAML `safe_dump(sort_keys=False)`: block style,
 * indentation 2, width 80, ASCII only, `&idNNN` anchors, `? ` keys, folded quoted scalars), plus
 * one deliberate addition: a string is never written plain when a YAML 1.1 reader and a YAML 1.2
 * reader would read that plain text differently (§2.13).
 *
 * @module
 */

import { compareCodePoints } from "../report/report.ts";
import { formatFloat } from "./number.ts";
import { plainReadsAsString, resolvePlainTag, TAG } from "./resolve.ts";
import {
  base64,
  keyText,
  YamlBinary,
  type YamlKey,
  YamlMap,
  YamlSet,
  YamlTimestamp,
  type YamlValue,
} from "./types.ts";

const WIDTH = 80;
const INDENT = 2;

/** Length of the tag the reference counts in a simple key (never written for these types). */
const TAG_LENGTH: Record<string, number> = {
  [TAG.str]: 5,
  [TAG.int]: 5,
  [TAG.float]: 7,
  [TAG.bool]: 6,
  [TAG.null]: 6,
  [TAG.timestamp]: 11,
  [TAG.binary]: 8,
};

/** A scalar ready for writing. */
interface ScalarEvent {
  kind: "scalar";
  tag: string;
  text: string;
  /** Requested style: null (choose), "|" (literal, for binary data). */
  style: "|" | null;
  /** [plain text reads back with this tag, quoted text reads back with this tag]. */
  implicit: readonly [boolean, boolean];
}

/** A collection ready for writing; `object` carries its identity (anchors). */
interface CollectionEvent {
  kind: "sequence" | "mapping";
  tag: string;
  object: object;
  items: readonly YamlValue[];
  pairs: readonly (readonly [YamlKey, YamlValue])[];
}

/**
 * Writes a value as YAML (§2.13). The root is normally a mapping (an empty one is `{}`); other
 * roots are written as the reference would write them. Integers must be `bigint` and floats
 * `number` (`25` is written `25.0`). Shared collections get `&idNNN` anchors.
 *
 * @example
 * ```ts
 * import { emitYaml } from "./emit.ts";
 * import { YamlMap } from "./types.ts";
 * const doc = new YamlMap([["name", "sim0"], ["ratio", 25], ["count", 3n], ["flag", "yes"], ["e", "1e3"]]);
 * console.assert(emitYaml(doc) === "name: sim0\nratio: 25.0\ncount: 3\nflag: 'yes'\ne: '1e3'\n");
 * ```
 */
export function emitYaml(root: YamlValue): string {
  return new Emitter(true).document(root);
}

/**
 * Writes a value exactly as the reference would, without our extra quoting of strings that
 * YAML 1.2 readers read differently. Only for tests of byte parity with the reference; products
 * use {@link emitYaml}.
 */
export function emitYamlAsReference(root: YamlValue): string {
  return new Emitter(false).document(root);
}

class Emitter {
  private readonly extraQuoting: boolean;
  private out: string[] = [];
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = false;
  private indent: number | null = null;
  private indents: (number | null)[] = [];
  private flowLevel = 0;
  private rootContext = false;
  private mappingContext = false;
  private simpleKeyContext = false;
  /** Anchor of each collection that occurs more than once (null until its second occurrence). */
  private anchors = new Map<object, string | null>();
  private lastAnchor = 0;
  private serialized = new Set<object>();
  private events = new Map<object, CollectionEvent>();

  constructor(extraQuoting: boolean) {
    this.extraQuoting = extraQuoting;
  }

  document(root: YamlValue): string {
    this.assignAnchors(root);
    this.node(root, { root: true });
    this.writeIndent();
    if (this.openEnded) {
      this.writeIndicator("...", true);
      this.writeIndent();
    }
    return this.out.join("");
  }

  // --- describing values ----------------------------------------------------------------------

  private describe(value: YamlValue): ScalarEvent | CollectionEvent {
    if (
      value === null || typeof value !== "object" || value instanceof YamlTimestamp ||
      value instanceof YamlBinary
    ) {
      return this.scalarEvent(value);
    }
    const known = this.events.get(value);
    if (known !== undefined) return known;
    let event: CollectionEvent;
    if (Array.isArray(value)) {
      event = { kind: "sequence", tag: TAG.seq, object: value, items: value, pairs: [] };
    } else if (value instanceof YamlMap) {
      event = { kind: "mapping", tag: TAG.map, object: value, items: [], pairs: value.entries() };
    } else if (value instanceof YamlSet) {
      const members = [...value.members].sort(compareMembers);
      event = {
        kind: "mapping",
        tag: TAG.set,
        object: value,
        items: [],
        pairs: members.map((m) => [m, null] as const),
      };
    } else {
      // Each pair is written as a one-entry mapping of its own.
      const items = value.pairs.map(([k, v]) => new YamlMap([[k, v]]));
      event = {
        kind: "sequence",
        tag: value.tag === "omap" ? TAG.omap : TAG.pairs,
        object: value,
        items,
        pairs: [],
      };
    }
    this.events.set(value, event);
    return event;
  }

  private scalarEvent(value: YamlKey): ScalarEvent {
    switch (typeof value) {
      case "string": {
        const plain = this.extraQuoting ? plainReadsAsString(value) : resolvePlainTag(value) === TAG.str;
        return { kind: "scalar", tag: TAG.str, text: value, style: null, implicit: [plain, true] };
      }
      case "bigint":
        return this.typed(TAG.int, value.toString());
      case "number":
        return this.typed(TAG.float, formatFloat(value));
      case "boolean":
        return this.typed(TAG.bool, value ? "true" : "false");
    }
    if (value === null) return this.typed(TAG.null, "null");
    if (value instanceof YamlTimestamp) {
      // Written with its tag and quoted: plain, a YAML 1.2 reader would see a string.
      return { kind: "scalar", tag: TAG.timestamp, text: value.text, style: null, implicit: [false, false] };
    }
    return {
      kind: "scalar",
      tag: TAG.binary,
      text: base64Lines(value.bytes),
      style: "|",
      implicit: [false, false],
    };
  }

  private typed(tag: string, text: string): ScalarEvent {
    return { kind: "scalar", tag, text, style: null, implicit: [resolvePlainTag(text) === tag, false] };
  }

  // --- anchors ----------------------------------------------------------------------------

  /** Numbers shared collections in the order their second occurrence is reached. */
  private assignAnchors(root: YamlValue): void {
    const stack: YamlValue[] = [root];
    while (stack.length > 0) {
      const value = stack.pop() as YamlValue;
      if (
        value === null || typeof value !== "object" || value instanceof YamlTimestamp ||
        value instanceof YamlBinary
      ) {
        continue;
      }
      if (this.anchors.has(value)) {
        if (this.anchors.get(value) === null) {
          this.anchors.set(value, "id" + String(++this.lastAnchor).padStart(3, "0"));
        }
        continue;
      }
      this.anchors.set(value, null);
      const event = this.describe(value) as CollectionEvent;
      // Depth-first in document order: push children in reverse.
      if (event.kind === "sequence") {
        for (let i = event.items.length - 1; i >= 0; i--) stack.push(event.items[i] as YamlValue);
      } else {
        for (let i = event.pairs.length - 1; i >= 0; i--) {
          const [k, v] = event.pairs[i] as readonly [YamlKey, YamlValue];
          stack.push(v, k);
        }
      }
    }
  }

  // --- nodes ------------------------------------------------------------------------------

  private node(value: YamlValue, context: { root?: boolean; mapping?: boolean; simpleKey?: boolean }): void {
    this.rootContext = context.root ?? false;
    this.mappingContext = context.mapping ?? false;
    this.simpleKeyContext = context.simpleKey ?? false;
    const event = this.describe(value);
    if (event.kind === "scalar") {
      this.increaseIndent(true, false);
      this.scalar(event);
      this.indent = this.indents.pop() as number | null;
      return;
    }
    const anchor = this.anchors.get(event.object) ?? null;
    if (this.serialized.has(event.object)) {
      this.writeIndicator("*" + anchor, true);
      return;
    }
    this.serialized.add(event.object);
    if (anchor !== null) this.writeIndicator("&" + anchor, true);
    if (event.tag !== TAG.seq && event.tag !== TAG.map) this.writeIndicator(tagText(event.tag), true);
    const empty = event.kind === "sequence" ? event.items.length === 0 : event.pairs.length === 0;
    if (empty || this.flowLevel > 0) {
      const [open, close] = event.kind === "sequence" ? ["[", "]"] : ["{", "}"];
      this.writeIndicator(open, true, true);
      this.flowLevel++;
      this.increaseIndent(true, false);
      this.indent = this.indents.pop() as number | null;
      this.flowLevel--;
      this.writeIndicator(close, false);
      return;
    }
    if (event.kind === "sequence") this.blockSequence(event);
    else this.blockMapping(event);
  }

  private blockSequence(event: CollectionEvent): void {
    const indentless = this.mappingContext && !this.indention;
    this.increaseIndent(false, indentless);
    for (const item of event.items) {
      this.writeIndent();
      this.writeIndicator("-", true, false, true);
      this.node(item, {});
    }
    this.indent = this.indents.pop() as number | null;
  }

  private blockMapping(event: CollectionEvent): void {
    this.increaseIndent(false, false);
    for (const [key, value] of event.pairs) {
      this.writeIndent();
      if (this.isSimpleKey(key)) {
        this.node(key, { mapping: true, simpleKey: true });
        this.writeIndicator(":", false);
        this.node(value, { mapping: true });
      } else {
        this.writeIndicator("?", true, false, true);
        this.node(key, { mapping: true });
        this.writeIndent();
        this.writeIndicator(":", true, false, true);
        this.node(value, { mapping: true });
      }
    }
    this.indent = this.indents.pop() as number | null;
  }

  /** A key written `key: value` rather than `? key`: short, one line, not empty (§2.13 Keys). */
  private isSimpleKey(key: YamlKey): boolean {
    const event = this.scalarEvent(key);
    const length = (TAG_LENGTH[event.tag] ?? tagText(event.tag).length) + codePointLength(event.text);
    return length < 128 && event.text.length > 0 && !hasLineBreak(event.text);
  }

  // --- scalars ----------------------------------------------------------------------------

  private scalar(event: ScalarEvent): void {
    const analysis = analyzeScalar(event.text);
    const style = this.chooseStyle(event, analysis);
    const tagHidden = (style === "" && event.implicit[0]) || (style !== "" && event.implicit[1]);
    if (!tagHidden) this.writeIndicator(tagText(event.tag), true);
    const split = !this.simpleKeyContext;
    if (style === '"') this.writeDoubleQuoted(event.text, split);
    else if (style === "'") this.writeSingleQuoted(event.text, split);
    else if (style === "|") this.writeLiteral(event.text);
    else this.writePlain(event.text, split);
  }

  private chooseStyle(event: ScalarEvent, a: Analysis): "" | "'" | '"' | "|" {
    if (event.style === null && event.implicit[0]) {
      if (
        !(this.simpleKeyContext && (a.empty || a.multiline)) &&
        (this.flowLevel > 0 ? a.flowPlain : a.blockPlain)
      ) {
        return "";
      }
    }
    if (event.style === "|" && this.flowLevel === 0 && !this.simpleKeyContext && a.block) return "|";
    if (event.style === null && a.singleQuoted && !(this.simpleKeyContext && a.multiline)) return "'";
    return '"';
  }

  // --- low-level writing --------------------------------------------------------------------

  private write(data: string): void {
    this.out.push(data);
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? INDENT : 0;
    else if (!indentless) this.indent += INDENT;
  }

  private writeIndicator(
    indicator: string,
    needWhitespace: boolean,
    whitespace = false,
    indention = false,
  ): void {
    const data = this.whitespace || !needWhitespace ? indicator : " " + indicator;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.column += data.length;
    this.openEnded = false;
    this.write(data);
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.write(" ".repeat(indent - this.column));
      this.column = indent;
    }
  }

  private writeLineBreak(data = "\n"): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.write(data);
  }

  private writePlain(text: string, split: boolean): void {
    if (this.rootContext) this.openEnded = true;
    if (text === "") return;
    if (!this.whitespace) {
      this.column += 1;
      this.write(" ");
    }
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] as string : null;
      if (spaces) {
        if (ch !== " ") {
          if (start + 1 === end && this.column > WIDTH && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.column += end - start;
            this.write(text.slice(start, end));
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !isBreakChar(ch)) {
          if (text[start] === "\n") this.writeLineBreak();
          for (const br of text.slice(start, end)) this.writeLineBreak(br);
          this.writeIndent();
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else if (ch === null || ch === " " || isBreakChar(ch)) {
        this.column += end - start;
        this.write(text.slice(start, end));
        start = end;
      }
      if (ch !== null) {
        spaces = ch === " ";
        breaks = isBreakChar(ch);
      }
    }
  }

  private writeSingleQuoted(text: string, split: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] as string : null;
      if (spaces) {
        if (ch === null || ch !== " ") {
          if (start + 1 === end && this.column > WIDTH && split && start !== 0 && end !== text.length) {
            this.writeIndent();
          } else {
            this.column += end - start;
            this.write(text.slice(start, end));
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !isBreakChar(ch)) {
          if (text[start] === "\n") this.writeLineBreak();
          for (const br of text.slice(start, end)) this.writeLineBreak(br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === null || ch === " " || ch === "'" || isBreakChar(ch)) {
        if (start < end) {
          this.column += end - start;
          this.write(text.slice(start, end));
          start = end;
        }
      }
      if (ch === "'") {
        this.column += 2;
        this.write("''");
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === " ";
        breaks = isBreakChar(ch);
      }
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(text: string, split: boolean): void {
    this.writeIndicator('"', true);
    // Code points, never UTF-16 units: an astral character is one `\U` escape.
    const chars = Array.from(text);
    const n = chars.length;
    let start = 0;
    for (let end = 0; end <= n; end++) {
      const ch = end < n ? chars[end] as string : null;
      if (ch === null || needsEscape(ch)) {
        if (start < end) {
          const data = chars.slice(start, end).join("");
          this.column += end - start;
          this.write(data);
          start = end;
        }
        if (ch !== null) {
          const data = escape(ch);
          this.column += data.length;
          this.write(data);
          start = end + 1;
        }
      }
      if (
        end > 0 && end < n - 1 && (ch === " " || start >= end) && this.column + (end - start) > WIDTH && split
      ) {
        const data = chars.slice(start, end).join("") + "\\";
        if (start < end) start = end;
        this.column += data.length;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (chars[start] === " ") {
          this.column += 1;
          this.write("\\");
        }
      }
    }
    this.writeIndicator('"', false);
  }

  private writeLiteral(text: string): void {
    const hints = blockHints(text);
    this.writeIndicator("|" + hints, true);
    if (hints.endsWith("+")) this.openEnded = true;
    this.writeLineBreak();
    let breaks = true;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] as string : null;
      if (breaks) {
        if (ch === null || !isBreakChar(ch)) {
          for (const br of text.slice(start, end)) this.writeLineBreak(br);
          if (ch !== null) this.writeIndent();
          start = end;
        }
      } else if (ch === null || isBreakChar(ch)) {
        this.write(text.slice(start, end));
        if (ch === null) this.writeLineBreak();
        start = end;
      }
      if (ch !== null) breaks = isBreakChar(ch);
    }
  }
}

/** What the reference's scalar analysis finds out about a string. */
interface Analysis {
  empty: boolean;
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
  block: boolean;
}

function isBreakChar(ch: string): boolean {
  return ch === "\n" || ch === "\x85" || ch === "\u2028" || ch === "\u2029";
}

/** Space, tab, CR, LF, NUL, NEL, LS, PS: the "whitespace" of indicator rules. */
function isWhitespaceChar(ch: string | undefined): boolean {
  return ch === undefined || ch === " " || ch === "\t" || ch === "\r" || ch === "\0" || isBreakChar(ch);
}

function hasLineBreak(text: string): boolean {
  return /[\n\x85\u2028\u2029]/.test(text);
}

function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if ((text.charCodeAt(i) & 0xfc00) !== 0xdc00) n++;
  return n;
}

/**
 * The reference's scalar analysis (output is ASCII-only, so any character outside LF and
 * U+0020–U+007E is special). Works on UTF-16 units: a surrogate is special either way.
 */
function analyzeScalar(text: string): Analysis {
  if (text === "") {
    return {
      empty: true,
      multiline: false,
      flowPlain: false,
      blockPlain: true,
      singleQuoted: true,
      block: false,
    };
  }
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (text.startsWith("---") || text.startsWith("...")) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  let followedByWhitespace = text.length === 1 || isWhitespaceChar(text[1]);
  let previousSpace = false;
  let previousBreak = false;
  const last = text.length - 1;
  for (let index = 0; index < text.length; index++) {
    const ch = text[index] as string;
    if (index === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) {
        flowIndicators = true;
        blockIndicators = true;
      }
      if (ch === "?" || ch === ":") {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === "-" && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else {
      if (",?[]{}".includes(ch)) flowIndicators = true;
      if (ch === ":") {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === "#" && precededByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    }
    const isBreak = isBreakChar(ch);
    if (isBreak) lineBreaks = true;
    const code = ch.charCodeAt(0);
    if (!(ch === "\n" || (code >= 0x20 && code <= 0x7e))) special = true;
    if (ch === " ") {
      if (index === 0) leadingSpace = true;
      if (index === last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak) {
      if (index === 0) leadingBreak = true;
      if (index === last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isWhitespaceChar(ch);
    followedByWhitespace = index + 2 >= text.length || isWhitespaceChar(text[index + 2]);
  }
  let flowPlain = true;
  let blockPlain = true;
  let singleQuoted = true;
  let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) flowPlain = blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) flowPlain = blockPlain = singleQuoted = false;
  if (spaceBreak || special) {
    flowPlain =
      blockPlain =
      singleQuoted =
      block =
        false;
  }
  if (lineBreaks) flowPlain = blockPlain = false;
  if (flowIndicators) flowPlain = false;
  if (blockIndicators) blockPlain = false;
  return { empty: false, multiline: lineBreaks, flowPlain, blockPlain, singleQuoted, block };
}

const ESCAPES: Record<string, string> = {
  "\0": "0",
  "\x07": "a",
  "\x08": "b",
  "\x09": "t",
  "\x0a": "n",
  "\x0b": "v",
  "\x0c": "f",
  "\x0d": "r",
  "\x1b": "e",
  '"': '"',
  "\\": "\\",
  "\x85": "N",
  "\xa0": "_",
  "\u2028": "L",
  "\u2029": "P",
};

function needsEscape(ch: string): boolean {
  const c = ch.codePointAt(0) as number;
  return ch === '"' || ch === "\\" || c < 0x20 || c > 0x7e;
}

/** The double-quoted escape of one code point (uppercase hex). */
function escape(ch: string): string {
  const named = ESCAPES[ch];
  if (named !== undefined) return "\\" + named;
  const c = ch.codePointAt(0) as number;
  const hex = c.toString(16).toUpperCase();
  if (c <= 0xff) return "\\x" + hex.padStart(2, "0");
  if (c <= 0xffff) return "\\u" + hex.padStart(4, "0");
  return "\\U" + hex.padStart(8, "0");
}

function blockHints(text: string): string {
  let hints = "";
  if (text === "") return hints;
  if (text[0] === " " || isBreakChar(text[0] as string)) hints += String(INDENT);
  if (!isBreakChar(text[text.length - 1] as string)) hints += "-";
  else if (text.length === 1 || isBreakChar(text[text.length - 2] as string)) hints += "+";
  return hints;
}

/** A tag as the reference writes it: `!!x` for the YAML type repository. */
function tagText(tag: string): string {
  return tag.startsWith("tag:yaml.org,2002:")
    ? "!!" + tag.slice("tag:yaml.org,2002:".length)
    : "!<" + tag + ">";
}

/** Base64 in lines of 76 characters, each ending with LF (Python's `base64.encodebytes`). */
function base64Lines(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 57) out += base64(bytes.subarray(i, i + 57)) + "\n";
  return out;
}

/** Set members in code-point order of their key text; strings before other scalars on ties. */
function compareMembers(a: YamlKey, b: YamlKey): number {
  return compareCodePoints(keyText(a), keyText(b)) ||
    (typeof a === "string" ? 0 : 1) - (typeof b === "string" ? 0 : 1);
}
