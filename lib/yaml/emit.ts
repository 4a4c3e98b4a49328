/**
 * Emitting YAML exactly as the reference does (PyYAML `safe_dump(sort_keys=False)`: block style,
 * indentation 2, width 80, ASCII only, `&idNNN` anchors, `? ` keys, folded quoted scalars), plus
 * one deliberate addition: a string is never written plain when a YAML 1.1 reader and a YAML 1.2
 * reader would read that plain text differently (§2.13).
 *
 * The emitter walks the value tree directly (no event queue) and appends to one string. Most
 * scalars are short single-line ASCII text: {@link BLOCK_PLAIN} settles their style with one
 * regular-expression test, and they are written whole when they cannot reach the width; the
 * reference's character-by-character analysis and folding run only for the rest.
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
  type YamlEntry,
  type YamlKey,
  YamlMap,
  YamlPairs,
  YamlSet,
  YamlTimestamp,
  type YamlValue,
} from "./types.ts";

const WIDTH = 80;
const INDENT = 2;

/** A collection of the value model. */
type Collection = YamlValue[] | YamlMap | YamlSet | YamlPairs;

/**
 * Where a node is written: the reference's root, mapping and simple-key contexts. A sequence
 * item has none of them; a mapping value and an explicit (`? `) key have the mapping context.
 */
type Context = typeof ITEM | typeof ROOT | typeof MAPPING | typeof SIMPLE_KEY;
const ITEM = 0;
const ROOT = 1;
const MAPPING = 2;
const SIMPLE_KEY = 3;

/** A scalar style: plain, single-quoted, double-quoted, literal. */
type Style = "" | "'" | '"' | "|";

/**
 * The non-empty texts that the reference's analysis finds fit for plain style in block context
 * (all of them also fit single quotes): printable ASCII on one line, with no leading or trailing
 * space, no `---` or `...` at the start, no indicator as first character (`-`, `?` and `:` count
 * only before a space or the end), and no `: `, ` #` or final `:`. Other texts go through the
 * full analysis.
 */
const BLOCK_PLAIN = /^(?!---|\.\.\.|[-?:](?: |$))[\w$()+\-./:;<=?\\^~](?:[!-9;-~]|:(?=[^ ])| (?=[^#]))*$/;

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
  /** The output so far: `+=` builds a rope, measured cheaper than pushing pieces and joining. */
  private out = "";
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = false;
  /** Indentation of the current block; null outside every collection. */
  private indent: number | null = null;
  /** Every collection of the document. */
  private seen = new Set<object>();
  /** Anchor of each collection that occurs more than once. */
  private anchors = new Map<object, string>();
  /** Anchored collections already written: later occurrences are aliases. */
  private written = new Set<object>();
  private quickStyles = new Map<string, "" | "'" | null>();

  constructor(extraQuoting: boolean) {
    this.extraQuoting = extraQuoting;
  }

  document(root: YamlValue): string {
    this.findShared(root);
    this.node(root, ROOT);
    this.writeIndent();
    if (this.openEnded) {
      this.writeIndicator("...", true);
      this.writeIndent();
    }
    return this.out;
  }

  // --- anchors ----------------------------------------------------------------------------

  /** Numbers shared collections in the order their second occurrence is reached (depth first). */
  private findShared(value: YamlValue): void {
    if (!isCollection(value)) return;
    if (this.seen.has(value)) {
      if (!this.anchors.has(value)) {
        this.anchors.set(value, "id" + String(this.anchors.size + 1).padStart(3, "0"));
      }
      return;
    }
    this.seen.add(value);
    // Keys are scalars: only values can be shared.
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) this.findShared(value[i] as YamlValue);
    } else if (value instanceof YamlMap) {
      const entries = value.entries();
      for (let i = 0; i < entries.length; i++) this.findShared((entries[i] as YamlEntry)[1]);
    } else if (value instanceof YamlPairs) {
      for (let i = 0; i < value.pairs.length; i++) this.findShared((value.pairs[i] as YamlEntry)[1]);
    }
  }

  // --- nodes ------------------------------------------------------------------------------

  private node(value: YamlValue, context: Context): void {
    if (isCollection(value)) this.collection(value, context);
    else this.scalar(value, context);
  }

  private collection(value: Collection, context: Context): void {
    // Most documents share nothing: skip the lookup then.
    const anchor = this.anchors.size === 0 ? undefined : this.anchors.get(value);
    if (anchor !== undefined) {
      if (this.written.has(value)) {
        this.writeIndicator("*" + anchor, true);
        return;
      }
      this.written.add(value);
      this.writeIndicator("&" + anchor, true);
    }
    if (Array.isArray(value)) {
      this.sequence(value, context);
    } else if (value instanceof YamlMap) {
      this.mapping(value.entries());
    } else if (value instanceof YamlSet) {
      this.writeIndicator(tagText(TAG.set), true);
      const members = [...value.members].sort(compareMembers);
      this.mapping(members.map((m) => [m, null] as const));
    } else {
      this.writeIndicator(tagText(value.tag === "omap" ? TAG.omap : TAG.pairs), true);
      // Each pair is written as a one-entry mapping of its own.
      this.sequence(value.pairs.map(([k, v]) => new YamlMap([[k, v]])), context);
    }
  }

  private sequence(items: readonly YamlValue[], context: Context): void {
    if (items.length === 0) {
      this.writeIndicator("[", true, true);
      this.writeIndicator("]", false);
      return;
    }
    const indentless = (context === MAPPING || context === SIMPLE_KEY) && !this.indention;
    const outer = this.indent;
    this.indent = outer === null ? 0 : indentless ? outer : outer + INDENT;
    for (let i = 0; i < items.length; i++) {
      this.writeIndent();
      this.writeIndicator("-", true, false, true);
      this.node(items[i] as YamlValue, ITEM);
    }
    this.indent = outer;
  }

  private mapping(entries: readonly YamlEntry[]): void {
    if (entries.length === 0) {
      this.writeIndicator("{", true, true);
      this.writeIndicator("}", false);
      return;
    }
    const outer = this.indent;
    this.indent = outer === null ? 0 : outer + INDENT;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as YamlEntry;
      const key = entry[0];
      this.writeIndent();
      if (typeof key === "string") this.stringKey(key);
      else this.key(key);
      this.node(entry[1], MAPPING);
    }
    this.indent = outer;
  }

  private stringKey(key: string): void {
    const quick = key.length < 123 ? this.quickStyle(key) : null;
    if (quick === null) {
      this.key(key);
      return;
    }
    // The common key: short and on one line, so a simple key. A simple key is never folded,
    // so unlike {@link scalar} this needs no indentation of its own.
    this.writeStyled(quick, key, SIMPLE_KEY);
    this.writeIndicator(":", false);
  }

  /** Writes a key and the indicator of its value. */
  private key(key: YamlKey): void {
    if (isSimpleKey(key)) {
      this.scalar(key, SIMPLE_KEY);
      this.writeIndicator(":", false);
    } else {
      this.writeIndicator("?", true, false, true);
      this.scalar(key, MAPPING);
      this.writeIndent();
      this.writeIndicator(":", true, false, true);
    }
  }

  // --- scalars ----------------------------------------------------------------------------

  private scalar(value: YamlKey, context: Context): void {
    // The reference indents a scalar's continuation lines one step deeper.
    const outer = this.indent;
    this.indent = outer === null ? INDENT : outer + INDENT;
    if (typeof value === "string") {
      const quick = this.quickStyle(value);
      if (quick !== null) this.writeStyled(quick, value, context);
      else this.styled(TAG.str, value, this.plainIsString(value), true, false, context);
    } else {
      const tag = scalarTag(value);
      const text = scalarText(value);
      if (tag === TAG.timestamp || tag === TAG.binary) {
        // Written with their tags: plain, a YAML 1.2 reader would see a string.
        this.styled(tag, text, false, false, tag === TAG.binary, context);
      } else {
        this.styled(tag, text, resolvePlainTag(text) === tag, false, false, context);
      }
    }
    this.indent = outer;
  }

  /**
   * The style of a string that {@link BLOCK_PLAIN} accepts (plain if it reads back as a string,
   * else single-quoted), or null for other strings. Remembered per text: keys and many values
   * repeat.
   */
  private quickStyle(text: string): "" | "'" | null {
    let style = this.quickStyles.get(text);
    if (style === undefined) {
      style = BLOCK_PLAIN.test(text) ? (this.plainIsString(text) ? "" : "'") : null;
      this.quickStyles.set(text, style);
    }
    return style;
  }

  /** Whether a string written plain reads back as a string (with our extra quoting, in both YAML versions). */
  private plainIsString(text: string): boolean {
    return this.extraQuoting ? plainReadsAsString(text) : resolvePlainTag(text) === TAG.str;
  }

  /**
   * Writes a scalar in the style the reference chooses, with its tag unless the style implies it:
   * `plainImplicit` and `quotedImplicit` say whether the plain and the quoted text read back with
   * the right tag; `literal` asks for literal style (binary data).
   */
  private styled(
    tag: string,
    text: string,
    plainImplicit: boolean,
    quotedImplicit: boolean,
    literal: boolean,
    context: Context,
  ): void {
    const simpleKey = context === SIMPLE_KEY;
    let style: Style;
    if (!literal && BLOCK_PLAIN.test(text)) {
      // What the full analysis would decide for such text, without walking it.
      style = plainImplicit ? "" : "'";
    } else {
      style = chooseStyle(analyzeScalar(text), plainImplicit, literal, simpleKey);
    }
    const tagHidden = style === "" ? plainImplicit : quotedImplicit;
    if (!tagHidden) this.writeIndicator(tagText(tag), true);
    this.writeStyled(style, text, context);
  }

  private writeStyled(style: Style, text: string, context: Context): void {
    // A simple key is never folded.
    const split = context !== SIMPLE_KEY;
    if (style === "") this.writePlain(text, split, context === ROOT);
    else if (style === "'") this.writeSingleQuoted(text, split);
    else if (style === '"') this.writeDoubleQuoted(text, split);
    else this.writeLiteral(text);
  }

  // --- low-level writing --------------------------------------------------------------------

  private writeIndicator(
    indicator: string,
    needWhitespace: boolean,
    whitespace = false,
    indention = false,
  ): void {
    if (needWhitespace && !this.whitespace) {
      this.out += " ";
      this.column += 1;
    }
    this.out += indicator;
    this.column += indicator.length;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.openEnded = false;
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.out += " ".repeat(indent - this.column);
      this.column = indent;
    }
  }

  private writeLineBreak(data = "\n"): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.out += data;
  }

  /** Appends text that holds no line break. */
  private writeText(text: string): void {
    this.out += text;
    this.column += text.length;
  }

  private writePlain(text: string, split: boolean, root: boolean): void {
    if (root) this.openEnded = true;
    if (text === "") return;
    if (!this.whitespace) this.writeText(" ");
    this.whitespace = false;
    this.indention = false;
    // Plain text is printable ASCII on one line (the analysis allows nothing else): only a
    // single space can become a line break, once the line has passed the width.
    if (!split || this.column + text.length <= WIDTH || !text.includes(" ")) {
      this.writeText(text);
      return;
    }
    let start = 0;
    for (let space = text.indexOf(" "); space >= 0; space = text.indexOf(" ", start)) {
      this.writeText(text.slice(start, space));
      let end = space + 1;
      while (text.charCodeAt(end) === 0x20) end++;
      if (end === space + 1 && this.column > WIDTH) {
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
      } else {
        this.writeText(text.slice(space, end));
      }
      start = end;
    }
    this.writeText(text.slice(start));
  }

  private writeSingleQuoted(text: string, split: boolean): void {
    this.writeIndicator("'", true);
    // Without a line break, text that cannot reach the width is written whole.
    const quoted = text.replaceAll("'", "''");
    if (!text.includes("\n") && (!split || this.column + quoted.length <= WIDTH)) {
      this.writeText(quoted);
    } else {
      this.writeSingleQuotedFolded(text, split);
    }
    this.writeIndicator("'", false);
  }

  /** The reference's single-quoted writing, character by character: folds and line breaks. */
  private writeSingleQuotedFolded(text: string, split: boolean): void {
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
            this.writeText(text.slice(start, end));
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
          this.writeText(text.slice(start, end));
          start = end;
        }
      }
      if (ch === "'") {
        this.writeText("''");
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === " ";
        breaks = isBreakChar(ch);
      }
    }
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
          this.out += data;
          start = end;
        }
        if (ch !== null) {
          this.writeText(escape(ch));
          start = end + 1;
        }
      }
      if (
        end > 0 && end < n - 1 && (ch === " " || start >= end) && this.column + (end - start) > WIDTH && split
      ) {
        const data = chars.slice(start, end).join("") + "\\";
        if (start < end) start = end;
        this.column += data.length;
        this.out += data;
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (chars[start] === " ") this.writeText("\\");
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
        this.out += text.slice(start, end);
        if (ch === null) this.writeLineBreak();
        start = end;
      }
      if (ch !== null) breaks = isBreakChar(ch);
    }
  }
}

function isCollection(value: YamlValue): value is Collection {
  return value !== null && typeof value === "object" && !(value instanceof YamlTimestamp) &&
    !(value instanceof YamlBinary);
}

/** A key written `key: value` rather than `? key`: short, one line, not empty (§2.13 Keys). */
function isSimpleKey(key: YamlKey): boolean {
  if (typeof key === "string") {
    // The reference counts the `!!str` tag (5) and the code points; fewer units, fewer points.
    return key.length > 0 && (key.length < 123 || codePointLength(key) < 123) && !hasLineBreak(key);
  }
  const text = scalarText(key);
  const length = (TAG_LENGTH[scalarTag(key)] as number) + codePointLength(text);
  return length < 128 && text.length > 0 && !hasLineBreak(text);
}

/** The tag the reference represents a scalar with. */
function scalarTag(value: YamlKey): string {
  switch (typeof value) {
    case "string":
      return TAG.str;
    case "bigint":
      return TAG.int;
    case "number":
      return TAG.float;
    case "boolean":
      return TAG.bool;
  }
  if (value === null) return TAG.null;
  return value instanceof YamlTimestamp ? TAG.timestamp : TAG.binary;
}

/** The text the reference writes for a scalar. */
function scalarText(value: YamlKey): string {
  switch (typeof value) {
    case "string":
      return value;
    case "bigint":
      return value.toString();
    case "number":
      return formatFloat(value);
    case "boolean":
      return value ? "true" : "false";
  }
  if (value === null) return "null";
  return value instanceof YamlTimestamp ? value.text : base64Lines(value.bytes);
}

/** The reference's choice of style (block context), from its analysis of the text. */
function chooseStyle(a: Analysis, plainImplicit: boolean, literal: boolean, simpleKey: boolean): Style {
  if (!literal && plainImplicit && !(simpleKey && (a.empty || a.multiline)) && a.blockPlain) return "";
  if (literal && !simpleKey && a.block) return "|";
  if (!literal && a.singleQuoted && !(simpleKey && a.multiline)) return "'";
  return '"';
}

/** What the reference's scalar analysis finds out about a string. */
interface Analysis {
  empty: boolean;
  multiline: boolean;
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
 * The reference's scalar analysis, for block context (scalars never occur in flow context: only
 * empty collections are written in flow style). Output is ASCII-only, so any character outside LF and
 * U+0020–U+007E is special). Works on UTF-16 units: a surrogate is special either way.
 */
function analyzeScalar(text: string): Analysis {
  if (text === "") {
    return {
      empty: true,
      multiline: false,
      blockPlain: true,
      singleQuoted: true,
      block: false,
    };
  }
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (text.startsWith("---") || text.startsWith("...")) blockIndicators = true;
  let precededByWhitespace = true;
  let followedByWhitespace = text.length === 1 || isWhitespaceChar(text[1]);
  let previousSpace = false;
  let previousBreak = false;
  const last = text.length - 1;
  for (let index = 0; index < text.length; index++) {
    const ch = text[index] as string;
    if (index === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) blockIndicators = true;
      if ((ch === "?" || ch === ":" || ch === "-") && followedByWhitespace) blockIndicators = true;
    } else {
      if (ch === ":" && followedByWhitespace) blockIndicators = true;
      if (ch === "#" && precededByWhitespace) blockIndicators = true;
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
  let blockPlain = true;
  let singleQuoted = true;
  let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) blockPlain = singleQuoted = false;
  if (spaceBreak || special) blockPlain = singleQuoted = block = false;
  if (lineBreaks || blockIndicators) blockPlain = false;
  return { empty: false, multiline: lineBreaks, blockPlain, singleQuoted, block };
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
