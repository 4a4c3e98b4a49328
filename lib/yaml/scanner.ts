/**
 * YAML tokenizer. It follows the reference's scanner (PyYAML) rule for rule — simple keys limited
 * to one line and 1024 characters, tabs never indentation, its folding of flow and block scalars —
 * because what is an error and what a scalar's text is must match the reference exactly.
 *
 * @module
 */

import { describeChar } from "./message.ts";

/** Token kinds. */
export const enum T {
  StreamStart,
  StreamEnd,
  Directive,
  DocumentStart,
  DocumentEnd,
  BlockSequenceStart,
  BlockMappingStart,
  BlockEnd,
  FlowSequenceStart,
  FlowMappingStart,
  FlowSequenceEnd,
  FlowMappingEnd,
  BlockEntry,
  FlowEntry,
  Key,
  Value,
  Alias,
  Anchor,
  Tag,
  Scalar,
}

/** Names of token kinds for messages. */
export const TOKEN_NAMES: readonly string[] = [
  "the start of the stream",
  "the end of the stream",
  "a directive",
  "a document start",
  "a document end",
  "the start of a block sequence",
  "the start of a block mapping",
  "the end of a block collection",
  '"["',
  '"{"',
  '"]"',
  '"}"',
  '"-"',
  '","',
  "a key",
  '":"',
  "an alias",
  "an anchor",
  "a tag",
  "a scalar",
];

/**
 * One token. Positions are 0-based. Tags and directives carry more ({@link TagToken},
 * {@link DirectiveToken}); the common tokens stay small, as thousands are made per document.
 */
export interface Token {
  type: T;
  line: number;
  column: number;
  /** Scalar text, anchor or alias name, tag suffix, directive name. */
  value: string;
  /** Scalar style: "" plain, "'", '"', "|", ">"; "" for other tokens. */
  style: string;
}

/** A {@link T.Tag} token. */
export interface TagToken extends Token {
  /** Tag handle (null for verbatim and lone `!`). */
  handle: string | null;
}

/** A {@link T.Directive} token. */
export interface DirectiveToken extends Token {
  /** `%TAG` handle. */
  handle: string | null;
  /** `%YAML` major and minor version. */
  major: number;
  minor: number;
  /** `%TAG` prefix. */
  prefix: string;
}

/** A syntax error at a position (0-based). */
export class YamlSyntaxError extends Error {
  /** Line, 0-based. */
  readonly line: number;
  /** Column, 0-based. */
  readonly column: number;
  /** Creates the error. */
  constructor(message: string, line: number, column: number) {
    super(message);
    this.line = line;
    this.column = column;
  }
}

interface SimpleKey {
  tokenNumber: number;
  required: boolean;
  index: number;
  line: number;
  column: number;
  /** The flow level the key was found at. */
  level: number;
}

const NUL = 0, TAB = 9, LF = 10, CR = 13, SP = 32, NEL = 0x85, LS = 0x2028, PS = 0x2029, BOM = 0xfeff;
const HASH = 0x23;

/** `\0 \r \n NEL LS PS` */
function isBreakZ(c: number): boolean {
  return c === NUL || c === LF || c === CR || c === NEL || c === LS || c === PS;
}
/** `\r \n NEL LS PS` */
function isBreak(c: number): boolean {
  return c === LF || c === CR || c === NEL || c === LS || c === PS;
}
/** `\0 space \t \r \n NEL LS PS` */
function isBlankZ(c: number): boolean {
  return c === SP || c === TAB || isBreakZ(c);
}
/** `\0 space \r \n NEL LS PS` (no tab) */
function isSpaceZ(c: number): boolean {
  return c === SP || isBreakZ(c);
}
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;
}
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** A lookup table of the ASCII characters in `chars`. */
function asciiSet(chars: string): Uint8Array {
  const set = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) set[chars.charCodeAt(i)] = 1;
  return set;
}
const URI_CHARS = asciiSet(
  "-;/?:@&=+$,_.!~*'()[]%0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
);
function isUriChar(c: number): boolean {
  return c < 128 && URI_CHARS[c] === 1;
}
/** Characters that cannot start a plain scalar (unless followed by a non-space, for `-?:`). */
const PLAIN_INDICATORS = asciiSet("-?:,[]{}#&*!|>'\"%@`");
/** ASCII characters that always start a plain scalar: printable, neither blank nor indicator. */
const PLAIN_FIRST = (() => {
  const set = new Uint8Array(128);
  for (let c = 0x21; c < 0x7f; c++) if (PLAIN_INDICATORS[c] === 0) set[c] = 1;
  return set;
})();
/** Characters allowed right after an anchor or alias name. */
const AFTER_ANCHOR = asciiSet("?:,]}%@`");

// Sticky patterns for the runs of characters that make up most of a document. A regex scans a
// run natively; a loop over its characters runs interpreted at first, and being hot it is then
// compiled and recompiled by the optimizing tiers, which costs more than the scan in a process
// that loads a few files. Each pattern matches the empty string, so `runEnd` never fails.
const PLAIN_BLOCK_RUN = /(?:[^\0 \t\r\n\x85\u2028\u2029:]|:(?![\0 \t\r\n\x85\u2028\u2029]))*/y;
const PLAIN_FLOW_RUN = /(?:[^\0 \t\r\n\x85\u2028\u2029:,?[\]{}]|:(?![\0 \t\r\n\x85\u2028\u2029,[\]{}]))*/y;
const QUOTED_RUN = /[^'"\\\0 \t\r\n\x85\u2028\u2029]*/y;
const LINE_REST = /[^\0\r\n\x85\u2028\u2029]*/y;
const WORD_RUN = /[0-9A-Za-z_-]*/y;
const SPACE_RUN = / */y;
const SPACE_TAB_RUN = /[ \t]*/y;
/** Text in which every UTF-16 unit is one code point and one column (no surrogates, no BOM). */
const WIDE_CHAR = /[\ud800-\udfff\ufeff]/;

/** Where the run of `pattern` (sticky, matching the empty string) that starts at `from` ends. */
function runEnd(pattern: RegExp, src: string, from: number): number {
  pattern.lastIndex = from;
  pattern.test(src);
  return pattern.lastIndex;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "0": "\0",
  "a": "\x07",
  "b": "\x08",
  "t": "\x09",
  "\t": "\x09",
  "n": "\n",
  "v": "\x0b",
  "f": "\x0c",
  "r": "\r",
  "e": "\x1b",
  " ": " ",
  '"': '"',
  "\\": "\\",
  "/": "/",
  "N": "\x85",
  "_": "\xa0",
  "L": "\u2028",
  "P": "\u2029",
};
const HEX_ESCAPES: Record<string, number> = { "x": 2, "u": 4, "U": 8 };

/** Turns YAML text into tokens on demand. */
export class Scanner {
  private readonly src: string;
  /** No surrogates and no BOM: each UTF-16 unit is one code point and one column. */
  private readonly narrow: boolean;
  private pos = 0;
  private index = 0;
  private line = 0;
  private column = 0;
  private done = false;
  private flowLevel = 0;
  /**
   * The token queue is `tokens[head..tail)`; an index instead of `shift()`, and the array is
   * reused from the start once drained.
   */
  private tokens: Token[] = [];
  private head = 0;
  private tail = 0;
  private tokensTaken = 0;
  private indent = -1;
  private indents: number[] = [];
  private allowSimpleKey = true;
  /**
   * The possible simple keys: at most one per flow level, in increasing level (and so token
   * number) order, as keys are only saved at the current level and removed before it drops.
   */
  private simpleKeys: SimpleKey[] = [];
  /**
   * The token number of the earliest possible simple key (−1 for none) as of the last fetch.
   * Between fetches the position does not move, so no key goes stale and `peek` needs to scan
   * only when the queue is empty or its head is that key.
   */
  private nextKey = -1;

  /** `text` must already be free of non-printable characters (see `load.ts`). */
  constructor(text: string) {
    this.src = text + "\0";
    this.narrow = !WIDE_CHAR.test(text);
    this.push(this.token(T.StreamStart, this.line, this.column));
  }

  // --- public interface --------------------------------------------------------------------

  /** The next token, without consuming it. */
  peek(): Token {
    if (this.head === this.tail || this.tokensTaken === this.nextKey) this.fill();
    return this.tokens[this.head] as Token;
  }

  /** Whether the next token has the given kind. */
  check(type: T): boolean {
    return this.peek().type === type;
  }

  /** Consumes the next token. */
  next(): Token {
    const t = this.peek();
    this.skip();
    return t;
  }

  /** Consumes the token that {@link Scanner.peek} just returned (peeking again would give it again). */
  skip(): void {
    this.head++;
    this.tokensTaken++;
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  // --- token queue -------------------------------------------------------------------------

  private push(t: Token): void {
    this.tokens[this.tail++] = t;
  }

  /** Inserts a token `at` places after the head of the queue. */
  private insert(at: number, t: Token): void {
    const tokens = this.tokens;
    const i = this.head + at;
    for (let j = this.tail; j > i; j--) tokens[j] = tokens[j - 1] as Token;
    tokens[i] = t;
    this.tail++;
  }

  // --- character access --------------------------------------------------------------------

  private ch(k = 0): number {
    return this.src.charCodeAt(this.pos + k) || 0;
  }

  private prefix(length: number): string {
    return this.src.slice(this.pos, this.pos + length);
  }

  /**
   * Advances by `length` UTF-16 units that hold no line break (breaks are consumed by
   * `scanLineBreak`), counting code points and columns.
   */
  private forward(length = 1): void {
    if (this.narrow) {
      this.pos += length;
      this.index += length;
      this.column += length;
      return;
    }
    const src = this.src;
    const end = this.pos + length;
    for (let p = this.pos; p < end; p++) {
      const c = src.charCodeAt(p);
      // A low surrogate completes a code point already counted; the BOM has no width.
      if ((c & 0xfc00) !== 0xdc00) {
        this.index++;
        if (c !== BOM) this.column++;
      }
    }
    this.pos = end;
  }

  /** Advances over the spaces at the current position; returns how many there were. */
  private skipSpaces(): number {
    const src = this.src;
    let p = this.pos;
    while (src.charCodeAt(p) === SP) p++;
    const n = p - this.pos;
    // A space is one unit, one code point and one column in any text.
    this.pos = p;
    this.index += n;
    this.column += n;
    return n;
  }

  /** Whether a line break is at the current position. */
  private atBreak(): boolean {
    const c = this.src.charCodeAt(this.pos);
    return c === LF || c === CR || c === NEL || c === LS || c === PS;
  }

  /** Whether a `---` or `...` marker followed by a blank starts at the current position. */
  private atDocumentMarker(): boolean {
    const src = this.src;
    const p = this.pos;
    const c = src.charCodeAt(p);
    return (c === 0x2d || c === 0x2e) && src.charCodeAt(p + 1) === c && src.charCodeAt(p + 2) === c &&
      isBlankZ(this.ch(3));
  }

  private token(type: T, line: number, column: number, value = ""): Token {
    return { type, line, column, value, style: "" };
  }

  private error(message: string): never {
    throw new YamlSyntaxError(message, this.line, this.column);
  }

  // --- token fetching ----------------------------------------------------------------------

  /**
   * Fetches tokens until the head of the queue is settled: the queue is not empty and no
   * possible simple key starts at its head (a key would put a KEY token before it).
   */
  private fill(): void {
    while (!this.done) {
      if (this.head !== this.tail) {
        this.staleSimpleKeys();
        if (this.nextPossibleSimpleKey() !== this.tokensTaken) break;
      }
      this.fetchMoreTokens();
    }
    this.nextKey = this.nextPossibleSimpleKey();
  }

  private fetchMoreTokens(): void {
    this.scanToNextToken();
    this.staleSimpleKeys();
    if (this.indent > this.column) this.unwindIndent(this.column);
    const c = this.src.charCodeAt(this.pos);
    switch (c) {
      case NUL:
        return this.fetchStreamEnd();
      case 0x25: // %
        if (this.column === 0) return this.fetchDirective();
        break;
      case 0x2d: // -
        if (this.column === 0 && this.atDocumentMarker()) return this.fetchDocumentIndicator(T.DocumentStart);
        if (isBlankZ(this.ch(1))) return this.fetchBlockEntry();
        break;
      case 0x2e: // .
        if (this.column === 0 && this.atDocumentMarker()) return this.fetchDocumentIndicator(T.DocumentEnd);
        break;
      case 0x5b: // [
        return this.fetchFlowCollectionStart(T.FlowSequenceStart);
      case 0x7b: // {
        return this.fetchFlowCollectionStart(T.FlowMappingStart);
      case 0x5d: // ]
        return this.fetchFlowCollectionEnd(T.FlowSequenceEnd);
      case 0x7d: // }
        return this.fetchFlowCollectionEnd(T.FlowMappingEnd);
      case 0x2c: // ,
        return this.fetchFlowEntry();
      case 0x3f: // ?
        if (this.flowLevel !== 0 || isBlankZ(this.ch(1))) return this.fetchKey();
        break;
      case 0x3a: // :
        if (this.flowLevel !== 0 || isBlankZ(this.ch(1))) return this.fetchValue();
        break;
      case 0x2a: // *
        return this.fetchAnchor(T.Alias);
      case 0x26: // &
        return this.fetchAnchor(T.Anchor);
      case 0x21: // !
        return this.fetchTag();
      case 0x7c: // |
        if (this.flowLevel === 0) return this.fetchBlockScalar(false);
        break;
      case 0x3e: // >
        if (this.flowLevel === 0) return this.fetchBlockScalar(true);
        break;
      case 0x27: // '
        return this.fetchFlowScalar(false);
      case 0x22: // "
        return this.fetchFlowScalar(true);
    }
    // Most tokens are plain scalars that start with a character that starts no other token.
    if ((c < 128 && PLAIN_FIRST[c] === 1) || this.checkPlain()) return this.fetchPlain();
    this.error(`Found ${describeChar(c)}, which cannot start any token`);
  }

  // --- simple keys -------------------------------------------------------------------------

  /** The token number of the earliest possible simple key, or −1. */
  private nextPossibleSimpleKey(): number {
    const keys = this.simpleKeys;
    let min = -1;
    for (let i = 0; i < keys.length; i++) {
      const n = (keys[i] as SimpleKey).tokenNumber;
      if (min === -1 || n < min) min = n;
    }
    return min;
  }

  private staleSimpleKeys(): void {
    const keys = this.simpleKeys;
    if (keys.length === 0) return;
    let kept = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as SimpleKey;
      if (key.line !== this.line || this.index - key.index > 1024) {
        if (key.required) this.missingColon(key);
      } else keys[kept++] = key;
    }
    keys.length = kept;
  }

  private missingColon(key: SimpleKey): never {
    this.error(`Expected ":" after the key that starts at line ${key.line + 1}, column ${key.column + 1}`);
  }

  private saveSimpleKey(): void {
    const required = this.flowLevel === 0 && this.indent === this.column;
    if (this.allowSimpleKey) {
      this.removeSimpleKey();
      this.simpleKeys.push({
        tokenNumber: this.tokensTaken + this.tail - this.head,
        required,
        index: this.index,
        line: this.line,
        column: this.column,
        level: this.flowLevel,
      });
    }
  }

  /** The possible simple key at the current flow level, or undefined. */
  private currentSimpleKey(): SimpleKey | undefined {
    const top = this.simpleKeys[this.simpleKeys.length - 1];
    return top !== undefined && top.level === this.flowLevel ? top : undefined;
  }

  private removeSimpleKey(): void {
    const key = this.currentSimpleKey();
    if (key !== undefined) {
      if (key.required) this.missingColon(key);
      this.simpleKeys.pop();
    }
  }

  // --- indentation -------------------------------------------------------------------------

  private unwindIndent(column: number): void {
    if (this.flowLevel !== 0) return;
    while (this.indent > column) {
      this.indent = this.indents.pop() as number;
      this.push(this.token(T.BlockEnd, this.line, this.column));
    }
  }

  private addIndent(column: number): boolean {
    if (this.indent < column) {
      this.indents.push(this.indent);
      this.indent = column;
      return true;
    }
    return false;
  }

  // --- fetchers ----------------------------------------------------------------------------

  private fetchStreamEnd(): void {
    this.unwindIndent(-1);
    this.removeSimpleKey();
    this.allowSimpleKey = false;
    this.simpleKeys.length = 0;
    this.push(this.token(T.StreamEnd, this.line, this.column));
    this.done = true;
  }

  private fetchDirective(): void {
    this.unwindIndent(-1);
    this.removeSimpleKey();
    this.allowSimpleKey = false;
    this.push(this.scanDirective());
  }

  private fetchDocumentIndicator(type: T): void {
    this.unwindIndent(-1);
    this.removeSimpleKey();
    this.allowSimpleKey = false;
    const t = this.token(type, this.line, this.column);
    this.forward(3);
    this.push(t);
  }

  private fetchFlowCollectionStart(type: T): void {
    this.saveSimpleKey();
    this.flowLevel++;
    this.allowSimpleKey = true;
    const t = this.token(type, this.line, this.column);
    this.forward();
    this.push(t);
  }

  private fetchFlowCollectionEnd(type: T): void {
    this.removeSimpleKey();
    // The reference lets the level go negative on a stray closer; the parser then rejects it.
    this.flowLevel--;
    this.allowSimpleKey = false;
    const t = this.token(type, this.line, this.column);
    this.forward();
    this.push(t);
  }

  private fetchFlowEntry(): void {
    this.allowSimpleKey = true;
    this.removeSimpleKey();
    const t = this.token(T.FlowEntry, this.line, this.column);
    this.forward();
    this.push(t);
  }

  private fetchBlockEntry(): void {
    if (this.flowLevel === 0) {
      if (!this.allowSimpleKey) this.error("A sequence entry is not allowed here");
      if (this.addIndent(this.column)) {
        this.push(this.token(T.BlockSequenceStart, this.line, this.column));
      }
    }
    this.allowSimpleKey = true;
    this.removeSimpleKey();
    const t = this.token(T.BlockEntry, this.line, this.column);
    this.forward();
    this.push(t);
  }

  private fetchKey(): void {
    if (this.flowLevel === 0) {
      if (!this.allowSimpleKey) this.error("A mapping key is not allowed here");
      if (this.addIndent(this.column)) {
        this.push(this.token(T.BlockMappingStart, this.line, this.column));
      }
    }
    this.allowSimpleKey = this.flowLevel === 0;
    this.removeSimpleKey();
    const t = this.token(T.Key, this.line, this.column);
    this.forward();
    this.push(t);
  }

  private fetchValue(): void {
    const key = this.currentSimpleKey();
    if (key !== undefined) {
      this.simpleKeys.pop();
      const at = key.tokenNumber - this.tokensTaken;
      this.insert(at, this.token(T.Key, key.line, key.column));
      if (this.flowLevel === 0 && this.addIndent(key.column)) {
        this.insert(at, this.token(T.BlockMappingStart, key.line, key.column));
      }
      this.allowSimpleKey = false;
    } else {
      if (this.flowLevel === 0) {
        if (!this.allowSimpleKey) this.error("A mapping value is not allowed here");
        if (this.addIndent(this.column)) {
          this.push(this.token(T.BlockMappingStart, this.line, this.column));
        }
      }
      this.allowSimpleKey = this.flowLevel === 0;
      this.removeSimpleKey();
    }
    const t = this.token(T.Value, this.line, this.column);
    this.forward();
    this.push(t);
  }

  private fetchAnchor(type: T.Alias | T.Anchor): void {
    this.saveSimpleKey();
    this.allowSimpleKey = false;
    const what = type === T.Alias ? "an alias" : "an anchor";
    const line = this.line, column = this.column;
    this.forward();
    const length = runEnd(WORD_RUN, this.src, this.pos) - this.pos;
    if (length === 0) {
      this.error(`Expected a letter, digit, "-" or "_" in ${what}, found ${describeChar(this.ch())}`);
    }
    const name = this.prefix(length);
    this.forward(length);
    const c = this.ch();
    if (!isBlankZ(c) && !(c < 128 && AFTER_ANCHOR[c] === 1)) {
      this.error(`Expected a letter, digit, "-" or "_" in ${what}, found ${describeChar(c)}`);
    }
    this.push(this.token(type, line, column, name));
  }

  private fetchTag(): void {
    this.saveSimpleKey();
    this.allowSimpleKey = false;
    this.push(this.scanTag());
  }

  private fetchBlockScalar(folded: boolean): void {
    this.allowSimpleKey = true;
    this.removeSimpleKey();
    this.push(this.scanBlockScalar(folded));
  }

  private fetchFlowScalar(double: boolean): void {
    this.saveSimpleKey();
    this.allowSimpleKey = false;
    this.push(this.scanFlowScalar(double));
  }

  private fetchPlain(): void {
    this.saveSimpleKey();
    this.allowSimpleKey = false;
    this.push(this.scanPlain());
  }

  private checkPlain(): boolean {
    const c = this.ch();
    const indicator = c < 128 && PLAIN_INDICATORS[c] === 1;
    if (!isBlankZ(c) && !indicator) return true;
    return !isBlankZ(this.ch(1)) && (c === 0x2d || (this.flowLevel === 0 && (c === 0x3f || c === 0x3a)));
  }

  // --- scanners ----------------------------------------------------------------------------

  private scanToNextToken(): void {
    const src = this.src;
    if (this.index === 0 && src.charCodeAt(0) === BOM) this.forward();
    for (;;) {
      if (src.charCodeAt(this.pos) === SP) this.skipSpaces();
      if (src.charCodeAt(this.pos) === HASH) this.forward(runEnd(LINE_REST, src, this.pos) - this.pos);
      if (!this.atBreak()) return;
      this.scanLineBreak();
      if (this.flowLevel === 0) this.allowSimpleKey = true;
    }
  }

  private scanDirective(): DirectiveToken {
    const line = this.line, column = this.column;
    this.forward();
    const length = runEnd(WORD_RUN, this.src, this.pos) - this.pos;
    if (length === 0) this.error(`Expected a directive name, found ${describeChar(this.ch())}`);
    const name = this.prefix(length);
    this.forward(length);
    if (!isSpaceZ(this.ch())) this.error(`Unexpected ${describeChar(this.ch())} in a directive name`);
    const t: DirectiveToken = {
      type: T.Directive,
      line,
      column,
      value: name,
      style: "",
      handle: null,
      major: 0,
      minor: 0,
      prefix: "",
    };
    if (name === "YAML") {
      this.skipSpaces();
      t.major = this.scanVersionNumber();
      if (this.ch() !== 0x2e) {
        this.error(`Expected "." in the %YAML version, found ${describeChar(this.ch())}`);
      }
      this.forward();
      t.minor = this.scanVersionNumber();
      if (!isSpaceZ(this.ch())) this.error(`Unexpected ${describeChar(this.ch())} after the %YAML version`);
    } else if (name === "TAG") {
      this.skipSpaces();
      t.handle = this.scanTagHandle("directive");
      if (this.ch() !== SP) {
        this.error(`Expected a space after the %TAG handle, found ${describeChar(this.ch())}`);
      }
      this.skipSpaces();
      t.prefix = this.scanTagUri("directive");
      if (!isSpaceZ(this.ch())) this.error(`Unexpected ${describeChar(this.ch())} after the %TAG prefix`);
    } else {
      this.forward(runEnd(LINE_REST, this.src, this.pos) - this.pos);
    }
    this.skipSpaces();
    if (this.ch() === HASH) this.forward(runEnd(LINE_REST, this.src, this.pos) - this.pos);
    if (!isBreakZ(this.ch())) {
      this.error(`Expected a comment or a line break after a directive, found ${describeChar(this.ch())}`);
    }
    this.scanLineBreak();
    return t;
  }

  private scanVersionNumber(): number {
    let length = 0;
    while (this.ch(length) >= 48 && this.ch(length) <= 57) length++;
    if (length === 0) this.error(`Expected a digit in the %YAML version, found ${describeChar(this.ch())}`);
    const value = Number(this.prefix(length));
    this.forward(length);
    return value;
  }

  private scanTag(): TagToken {
    const t: TagToken = {
      type: T.Tag,
      line: this.line,
      column: this.column,
      value: "",
      style: "",
      handle: null,
    };
    const c = this.ch(1);
    if (c === 0x3c /* < */) {
      this.forward(2);
      t.value = this.scanTagUri("tag");
      if (this.ch() !== 0x3e) {
        this.error(`Expected ">" to close a verbatim tag, found ${describeChar(this.ch())}`);
      }
      this.forward();
    } else if (isBlankZ(c)) {
      t.value = "!";
      this.forward();
    } else {
      let length = 1;
      let useHandle = false;
      let k = c;
      while (!isSpaceZ(k)) {
        if (k === 0x21) {
          useHandle = true;
          break;
        }
        length++;
        k = this.ch(length);
      }
      if (useHandle) t.handle = this.scanTagHandle("tag");
      else {
        t.handle = "!";
        this.forward();
      }
      t.value = this.scanTagUri("tag");
    }
    if (!isSpaceZ(this.ch())) this.error(`Expected a space after a tag, found ${describeChar(this.ch())}`);
    return t;
  }

  private scanTagHandle(what: string): string {
    if (this.ch() !== 0x21) this.error(`Expected "!" in a ${what} handle, found ${describeChar(this.ch())}`);
    let length = 1;
    let c = this.ch(length);
    if (c !== SP) {
      while (isWordChar(c)) {
        length++;
        c = this.ch(length);
      }
      if (c !== 0x21) {
        this.forward(length);
        this.error(`Expected "!" to end a ${what} handle, found ${describeChar(c)}`);
      }
      length++;
    }
    const handle = this.prefix(length);
    this.forward(length);
    return handle;
  }

  private scanTagUri(what: string): string {
    let out = "";
    let length = 0;
    let c = this.ch(length);
    while (isUriChar(c)) {
      if (c === 0x25 /* % */) {
        out += this.prefix(length);
        this.forward(length);
        length = 0;
        out += this.scanUriEscapes(what);
      } else length++;
      c = this.ch(length);
    }
    if (length > 0) {
      out += this.prefix(length);
      this.forward(length);
    }
    if (out === "") this.error(`Expected a ${what} URI, found ${describeChar(c)}`);
    return out;
  }

  private scanUriEscapes(what: string): string {
    const bytes: number[] = [];
    while (this.ch() === 0x25) {
      this.forward();
      for (let k = 0; k < 2; k++) {
        if (!isHex(this.ch(k))) {
          this.error(
            `Expected two hexadecimal digits after "%" in a ${what} URI, found ${describeChar(this.ch(k))}`,
          );
        }
      }
      bytes.push(parseInt(this.prefix(2), 16));
      this.forward(2);
    }
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(new Uint8Array(bytes));
    } catch {
      this.error(`The escaped bytes in a ${what} URI are not valid UTF-8`);
    }
  }

  private scanBlockScalar(folded: boolean): Token {
    const t = this.token(T.Scalar, this.line, this.column);
    t.style = folded ? ">" : "|";
    this.forward();
    // Header: chomping (+ keep, - strip) and indentation indicator, in either order.
    let chomping: boolean | null = null;
    let increment: number | null = null;
    let c = this.ch();
    if (c === 0x2b || c === 0x2d) {
      chomping = c === 0x2b;
      this.forward();
      c = this.ch();
      if (c >= 48 && c <= 57) {
        if (c === 48) this.error("Expected an indentation indicator from 1 to 9, found 0");
        increment = c - 48;
        this.forward();
      }
    } else if (c >= 48 && c <= 57) {
      if (c === 48) this.error("Expected an indentation indicator from 1 to 9, found 0");
      increment = c - 48;
      this.forward();
      c = this.ch();
      if (c === 0x2b || c === 0x2d) {
        chomping = c === 0x2b;
        this.forward();
      }
    }
    if (!isSpaceZ(this.ch())) {
      this.error(`Expected a chomping or indentation indicator, found ${describeChar(this.ch())}`);
    }
    this.skipSpaces();
    if (this.ch() === HASH) this.forward(runEnd(LINE_REST, this.src, this.pos) - this.pos);
    if (!isBreakZ(this.ch())) {
      this.error(
        `Expected a comment or a line break after a block scalar header, found ${describeChar(this.ch())}`,
      );
    }
    this.scanLineBreak();

    let minIndent = this.indent + 1;
    if (minIndent < 1) minIndent = 1;
    // Line breaks are kept joined: each is one or more units, so "" means none.
    let breaks: string;
    let indent: number;
    if (increment === null) {
      breaks = "";
      let maxIndent = 0;
      for (;;) {
        if (this.skipSpaces() !== 0 && this.column > maxIndent) maxIndent = this.column;
        if (isBreak(this.ch())) breaks += this.scanLineBreak();
        else break;
      }
      indent = Math.max(minIndent, maxIndent);
    } else {
      indent = minIndent + increment - 1;
      breaks = this.scanBlockScalarBreaks(indent);
    }

    const src = this.src;
    let text = "";
    let lineBreak = "";
    while (this.column === indent && this.ch() !== NUL) {
      text += breaks;
      const first = this.ch();
      const leadingNonSpace = first !== SP && first !== TAB;
      const end = runEnd(LINE_REST, src, this.pos);
      text += src.slice(this.pos, end);
      this.forward(end - this.pos);
      lineBreak = this.scanLineBreak();
      breaks = this.scanBlockScalarBreaks(indent);
      const next = this.ch();
      if (this.column === indent && next !== NUL) {
        if (folded && lineBreak === "\n" && leadingNonSpace && next !== SP && next !== TAB) {
          if (breaks === "") text += " ";
        } else text += lineBreak;
      } else break;
    }
    if (chomping !== false) text += lineBreak;
    if (chomping === true) text += breaks;
    t.value = text;
    return t;
  }

  /** Consumes the spaces of the current line up to column `indent`. */
  private skipIndentation(indent: number): void {
    const n = Math.min(runEnd(SPACE_RUN, this.src, this.pos) - this.pos, indent - this.column);
    if (n > 0) {
      this.pos += n;
      this.index += n;
      this.column += n;
    }
  }

  /** The line breaks (joined) of empty lines inside a block scalar. */
  private scanBlockScalarBreaks(indent: number): string {
    let breaks = "";
    this.skipIndentation(indent);
    while (isBreak(this.ch())) {
      breaks += this.scanLineBreak();
      this.skipIndentation(indent);
    }
    return breaks;
  }

  private scanFlowScalar(double: boolean): Token {
    const t = this.token(T.Scalar, this.line, this.column);
    t.style = double ? '"' : "'";
    const quote = this.ch();
    this.forward();
    let text = this.scanFlowScalarNonSpaces(double, t);
    while (this.ch() !== quote) {
      text += this.scanFlowScalarSpaces(t);
      text += this.scanFlowScalarNonSpaces(double, t);
    }
    this.forward();
    t.value = text;
    return t;
  }

  private scanFlowScalarNonSpaces(double: boolean, start: Token): string {
    const src = this.src;
    let out = "";
    for (;;) {
      const end = runEnd(QUOTED_RUN, src, this.pos);
      if (end !== this.pos) {
        out += src.slice(this.pos, end);
        this.forward(end - this.pos);
      }
      const c = this.ch();
      if (!double && c === 0x27 && this.ch(1) === 0x27) {
        out += "'";
        this.forward(2);
      } else if ((double && c === 0x27) || (!double && (c === 0x22 || c === 0x5c))) {
        out += String.fromCharCode(c);
        this.forward();
      } else if (double && c === 0x5c) {
        this.forward();
        const e = this.src[this.pos] ?? "\0";
        const simple = SIMPLE_ESCAPES[e];
        const hexLength = HEX_ESCAPES[e];
        if (simple !== undefined) {
          out += simple;
          this.forward();
        } else if (hexLength !== undefined) {
          this.forward();
          for (let k = 0; k < hexLength; k++) {
            if (!isHex(this.ch(k))) {
              this.error(
                `Expected ${hexLength} hexadecimal digits in an escape of the double-quoted scalar that starts at line ${
                  start.line + 1
                }, column ${start.column + 1}, found ${describeChar(this.ch(k))}`,
              );
            }
          }
          const code = parseInt(this.prefix(hexLength), 16);
          if (code > 0x10ffff) {
            this.error(`The escape "\\${e}${this.prefix(hexLength)}" is not a Unicode code point`);
          }
          out += String.fromCodePoint(code);
          this.forward(hexLength);
        } else if (isBreak(this.ch())) {
          this.scanLineBreak();
          out += this.scanFlowScalarBreaks(start);
        } else {
          this.error(`Unknown escape ${describeChar(this.ch())} in a double-quoted scalar`);
        }
      } else return out;
    }
  }

  private scanFlowScalarSpaces(start: Token): string {
    const end = runEnd(SPACE_TAB_RUN, this.src, this.pos);
    const whitespace = this.src.slice(this.pos, end);
    this.forward(end - this.pos);
    const c = this.ch();
    if (c === NUL) {
      this.error(
        `The quoted scalar that starts at line ${start.line + 1}, column ${start.column + 1} is not closed`,
      );
    }
    if (isBreak(c)) {
      const lineBreak = this.scanLineBreak();
      const breaks = this.scanFlowScalarBreaks(start);
      if (lineBreak !== "\n") return lineBreak + breaks;
      return breaks === "" ? " " : breaks;
    }
    return whitespace;
  }

  /** The line breaks (joined) of the empty lines that continue a quoted scalar. */
  private scanFlowScalarBreaks(start: Token): string {
    let breaks = "";
    for (;;) {
      if (this.atDocumentMarker()) {
        this.error(
          `Found a document marker inside the quoted scalar that starts at line ${start.line + 1}, column ${
            start.column + 1
          }`,
        );
      }
      this.forward(runEnd(SPACE_TAB_RUN, this.src, this.pos) - this.pos);
      if (isBreak(this.ch())) breaks += this.scanLineBreak();
      else return breaks;
    }
  }

  private scanPlain(): Token {
    const t = this.token(T.Scalar, this.line, this.column);
    const src = this.src;
    const indent = this.indent + 1;
    let text = "";
    let spaces = "";
    const flow = this.flowLevel !== 0;
    for (;;) {
      const start = this.pos;
      if (src.charCodeAt(start) === HASH) break;
      const end = runEnd(flow ? PLAIN_FLOW_RUN : PLAIN_BLOCK_RUN, src, start);
      if (end === start) break;
      this.allowSimpleKey = false;
      text += spaces;
      text += src.slice(start, end);
      this.forward(end - start);
      const more = this.scanPlainSpaces();
      if (more === null || src.charCodeAt(this.pos) === HASH || (!flow && this.column < indent)) break;
      spaces = more;
    }
    t.value = text;
    return t;
  }

  /** The folded whitespace after a plain word, or null when the scalar cannot continue. */
  private scanPlainSpaces(): string | null {
    const src = this.src;
    const start = this.pos;
    if (src.charCodeAt(start) === SP) this.skipSpaces();
    if (!this.atBreak()) return this.pos === start ? null : this.src.slice(start, this.pos);
    const lineBreak = this.scanLineBreak();
    this.allowSimpleKey = true;
    if (this.atDocumentMarker()) return null;
    let breaks = "";
    for (;;) {
      if (src.charCodeAt(this.pos) === SP) this.skipSpaces();
      if (!this.atBreak()) break;
      breaks += this.scanLineBreak();
      if (this.atDocumentMarker()) return null;
    }
    if (lineBreak !== "\n") return lineBreak + breaks;
    return breaks === "" ? " " : breaks;
  }

  /** Consumes one line break and returns it normalised (CR LF, CR, NEL → LF), or "". */
  private scanLineBreak(): string {
    const c = this.src.charCodeAt(this.pos);
    if (c === LF || c === CR || c === NEL) {
      const length = c === CR && this.src.charCodeAt(this.pos + 1) === LF ? 2 : 1;
      this.pos += length;
      this.index += length;
      this.line++;
      this.column = 0;
      return "\n";
    }
    if (c === LS || c === PS) {
      this.pos++;
      this.index++;
      this.line++;
      this.column = 0;
      return String.fromCharCode(c);
    }
    return "";
  }
}
