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

/** One token. Positions are 0-based. */
export interface Token {
  type: T;
  line: number;
  column: number;
  /** Scalar text, anchor or alias name, tag suffix, directive name. */
  value: string;
  /** Scalar: written plain. */
  plain: boolean;
  /** Scalar style: "" plain, "'", '"', "|", ">". */
  style: string;
  /** Tag handle (null for verbatim and lone `!`); `%TAG` handle. */
  handle: string | null;
  /** `%YAML` major and minor; `%TAG` prefix in `value2`. */
  major: number;
  minor: number;
  value2: string;
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
}

const NUL = 0, TAB = 9, LF = 10, CR = 13, SP = 32, NEL = 0x85, LS = 0x2028, PS = 0x2029, BOM = 0xfeff;

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
const URI_CHARS = "-;/?:@&=+$,_.!~*'()[]%";
function isUriChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ||
    (c < 128 && URI_CHARS.includes(String.fromCharCode(c)));
}
/** Characters that cannot start a plain scalar (unless followed by a non-space, for `-?:`). */
const PLAIN_INDICATORS = "-?:,[]{}#&*!|>'\"%@`";
/** Characters allowed right after an anchor or alias name. */
const AFTER_ANCHOR = "?:,]}%@`";

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
  private pos = 0;
  private index = 0;
  private line = 0;
  private column = 0;
  private done = false;
  private flowLevel = 0;
  private tokens: Token[] = [];
  private tokensTaken = 0;
  private indent = -1;
  private indents: number[] = [];
  private allowSimpleKey = true;
  private possibleSimpleKeys = new Map<number, SimpleKey>();

  /** `text` must already be free of non-printable characters (see `load.ts`). */
  constructor(text: string) {
    this.src = text + "\0";
    this.tokens.push(this.token(T.StreamStart, this.line, this.column));
  }

  // --- public interface --------------------------------------------------------------------

  /** The next token, without consuming it. */
  peek(): Token {
    if (this.tokens.length === 0 || this.possibleSimpleKeys.size !== 0) {
      while (this.needMoreTokens()) this.fetchMoreTokens();
    }
    return this.tokens[0] as Token;
  }

  /** Whether the next token has the given kind. */
  check(type: T): boolean {
    return this.peek().type === type;
  }

  /** Consumes the next token. */
  next(): Token {
    const t = this.peek();
    this.tokens.shift();
    this.tokensTaken++;
    return t;
  }

  // --- character access --------------------------------------------------------------------

  private ch(k = 0): number {
    return this.src.charCodeAt(this.pos + k) || 0;
  }

  private prefix(length: number): string {
    return this.src.slice(this.pos, this.pos + length);
  }

  /** Advances by `length` UTF-16 units, counting lines and code-point columns. */
  private forward(length = 1): void {
    const src = this.src;
    for (let i = 0; i < length; i++) {
      const c = src.charCodeAt(this.pos++);
      if (c === LF || c === NEL || c === LS || c === PS || (c === CR && src.charCodeAt(this.pos) !== LF)) {
        this.line++;
        this.column = 0;
        this.index++;
      } else if ((c & 0xfc00) !== 0xdc00) {
        // A low surrogate completes a code point already counted; the BOM has no width.
        this.index++;
        if (c !== BOM) this.column++;
      }
    }
  }

  private token(type: T, line: number, column: number, value = ""): Token {
    return {
      type,
      line,
      column,
      value,
      plain: false,
      style: "",
      handle: null,
      major: 0,
      minor: 0,
      value2: "",
    };
  }

  private error(message: string): never {
    throw new YamlSyntaxError(message, this.line, this.column);
  }

  // --- token fetching ----------------------------------------------------------------------

  private needMoreTokens(): boolean {
    if (this.done) return false;
    if (this.tokens.length === 0) return true;
    this.staleSimpleKeys();
    return this.nextPossibleSimpleKey() === this.tokensTaken;
  }

  private fetchMoreTokens(): void {
    this.scanToNextToken();
    this.staleSimpleKeys();
    this.unwindIndent(this.column);
    const c = this.ch();
    if (c === NUL) return this.fetchStreamEnd();
    if (c === 0x25 /* % */ && this.column === 0) return this.fetchDirective();
    if (c === 0x2d /* - */ && this.checkDocumentIndicator("---")) {
      return this.fetchDocumentIndicator(T.DocumentStart);
    }
    if (c === 0x2e /* . */ && this.checkDocumentIndicator("...")) {
      return this.fetchDocumentIndicator(T.DocumentEnd);
    }
    switch (c) {
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
    }
    if (c === 0x2d && isBlankZ(this.ch(1))) return this.fetchBlockEntry();
    if (c === 0x3f /* ? */ && (this.flowLevel !== 0 || isBlankZ(this.ch(1)))) return this.fetchKey();
    if (c === 0x3a /* : */ && (this.flowLevel !== 0 || isBlankZ(this.ch(1)))) return this.fetchValue();
    if (c === 0x2a /* * */) return this.fetchAnchor(T.Alias);
    if (c === 0x26 /* & */) return this.fetchAnchor(T.Anchor);
    if (c === 0x21 /* ! */) return this.fetchTag();
    if (c === 0x7c /* | */ && this.flowLevel === 0) return this.fetchBlockScalar(false);
    if (c === 0x3e /* > */ && this.flowLevel === 0) return this.fetchBlockScalar(true);
    if (c === 0x27 /* ' */) return this.fetchFlowScalar(false);
    if (c === 0x22 /* " */) return this.fetchFlowScalar(true);
    if (this.checkPlain()) return this.fetchPlain();
    this.error(`Found ${describeChar(c)}, which cannot start any token`);
  }

  // --- simple keys -------------------------------------------------------------------------

  private nextPossibleSimpleKey(): number | null {
    let min: number | null = null;
    for (const key of this.possibleSimpleKeys.values()) {
      if (min === null || key.tokenNumber < min) min = key.tokenNumber;
    }
    return min;
  }

  private staleSimpleKeys(): void {
    if (this.possibleSimpleKeys.size === 0) return;
    for (const [level, key] of this.possibleSimpleKeys) {
      if (key.line !== this.line || this.index - key.index > 1024) {
        if (key.required) this.missingColon(key);
        this.possibleSimpleKeys.delete(level);
      }
    }
  }

  private missingColon(key: SimpleKey): never {
    this.error(`Expected ":" after the key that starts at line ${key.line + 1}, column ${key.column + 1}`);
  }

  private saveSimpleKey(): void {
    const required = this.flowLevel === 0 && this.indent === this.column;
    if (this.allowSimpleKey) {
      this.removeSimpleKey();
      this.possibleSimpleKeys.set(this.flowLevel, {
        tokenNumber: this.tokensTaken + this.tokens.length,
        required,
        index: this.index,
        line: this.line,
        column: this.column,
      });
    }
  }

  private removeSimpleKey(): void {
    const key = this.possibleSimpleKeys.get(this.flowLevel);
    if (key !== undefined) {
      if (key.required) this.missingColon(key);
      this.possibleSimpleKeys.delete(this.flowLevel);
    }
  }

  // --- indentation -------------------------------------------------------------------------

  private unwindIndent(column: number): void {
    if (this.flowLevel !== 0) return;
    while (this.indent > column) {
      this.indent = this.indents.pop() as number;
      this.tokens.push(this.token(T.BlockEnd, this.line, this.column));
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
    this.possibleSimpleKeys.clear();
    this.tokens.push(this.token(T.StreamEnd, this.line, this.column));
    this.done = true;
  }

  private fetchDirective(): void {
    this.unwindIndent(-1);
    this.removeSimpleKey();
    this.allowSimpleKey = false;
    this.tokens.push(this.scanDirective());
  }

  private checkDocumentIndicator(marker: string): boolean {
    return this.column === 0 && this.prefix(3) === marker && isBlankZ(this.ch(3));
  }

  private fetchDocumentIndicator(type: T): void {
    this.unwindIndent(-1);
    this.removeSimpleKey();
    this.allowSimpleKey = false;
    const t = this.token(type, this.line, this.column);
    this.forward(3);
    this.tokens.push(t);
  }

  private fetchFlowCollectionStart(type: T): void {
    this.saveSimpleKey();
    this.flowLevel++;
    this.allowSimpleKey = true;
    const t = this.token(type, this.line, this.column);
    this.forward();
    this.tokens.push(t);
  }

  private fetchFlowCollectionEnd(type: T): void {
    this.removeSimpleKey();
    // The reference lets the level go negative on a stray closer; the parser then rejects it.
    this.flowLevel--;
    this.allowSimpleKey = false;
    const t = this.token(type, this.line, this.column);
    this.forward();
    this.tokens.push(t);
  }

  private fetchFlowEntry(): void {
    this.allowSimpleKey = true;
    this.removeSimpleKey();
    const t = this.token(T.FlowEntry, this.line, this.column);
    this.forward();
    this.tokens.push(t);
  }

  private fetchBlockEntry(): void {
    if (this.flowLevel === 0) {
      if (!this.allowSimpleKey) this.error("A sequence entry is not allowed here");
      if (this.addIndent(this.column)) {
        this.tokens.push(this.token(T.BlockSequenceStart, this.line, this.column));
      }
    }
    this.allowSimpleKey = true;
    this.removeSimpleKey();
    const t = this.token(T.BlockEntry, this.line, this.column);
    this.forward();
    this.tokens.push(t);
  }

  private fetchKey(): void {
    if (this.flowLevel === 0) {
      if (!this.allowSimpleKey) this.error("A mapping key is not allowed here");
      if (this.addIndent(this.column)) {
        this.tokens.push(this.token(T.BlockMappingStart, this.line, this.column));
      }
    }
    this.allowSimpleKey = this.flowLevel === 0;
    this.removeSimpleKey();
    const t = this.token(T.Key, this.line, this.column);
    this.forward();
    this.tokens.push(t);
  }

  private fetchValue(): void {
    const key = this.possibleSimpleKeys.get(this.flowLevel);
    if (key !== undefined) {
      this.possibleSimpleKeys.delete(this.flowLevel);
      const at = key.tokenNumber - this.tokensTaken;
      this.tokens.splice(at, 0, this.token(T.Key, key.line, key.column));
      if (this.flowLevel === 0 && this.addIndent(key.column)) {
        this.tokens.splice(at, 0, this.token(T.BlockMappingStart, key.line, key.column));
      }
      this.allowSimpleKey = false;
    } else {
      if (this.flowLevel === 0) {
        if (!this.allowSimpleKey) this.error("A mapping value is not allowed here");
        if (this.addIndent(this.column)) {
          this.tokens.push(this.token(T.BlockMappingStart, this.line, this.column));
        }
      }
      this.allowSimpleKey = this.flowLevel === 0;
      this.removeSimpleKey();
    }
    const t = this.token(T.Value, this.line, this.column);
    this.forward();
    this.tokens.push(t);
  }

  private fetchAnchor(type: T.Alias | T.Anchor): void {
    this.saveSimpleKey();
    this.allowSimpleKey = false;
    const what = type === T.Alias ? "an alias" : "an anchor";
    const line = this.line, column = this.column;
    this.forward();
    let length = 0;
    while (isWordChar(this.ch(length))) length++;
    if (length === 0) {
      this.error(`Expected a letter, digit, "-" or "_" in ${what}, found ${describeChar(this.ch())}`);
    }
    const name = this.prefix(length);
    this.forward(length);
    const c = this.ch();
    if (!isBlankZ(c) && !(c < 128 && AFTER_ANCHOR.includes(String.fromCharCode(c)))) {
      this.error(`Expected a letter, digit, "-" or "_" in ${what}, found ${describeChar(c)}`);
    }
    this.tokens.push(this.token(type, line, column, name));
  }

  private fetchTag(): void {
    this.saveSimpleKey();
    this.allowSimpleKey = false;
    this.tokens.push(this.scanTag());
  }

  private fetchBlockScalar(folded: boolean): void {
    this.allowSimpleKey = true;
    this.removeSimpleKey();
    this.tokens.push(this.scanBlockScalar(folded));
  }

  private fetchFlowScalar(double: boolean): void {
    this.saveSimpleKey();
    this.allowSimpleKey = false;
    this.tokens.push(this.scanFlowScalar(double));
  }

  private fetchPlain(): void {
    this.saveSimpleKey();
    this.allowSimpleKey = false;
    this.tokens.push(this.scanPlain());
  }

  private checkPlain(): boolean {
    const c = this.ch();
    const indicator = c < 128 && PLAIN_INDICATORS.includes(String.fromCharCode(c));
    if (!isBlankZ(c) && !indicator) return true;
    return !isBlankZ(this.ch(1)) && (c === 0x2d || (this.flowLevel === 0 && (c === 0x3f || c === 0x3a)));
  }

  // --- scanners ----------------------------------------------------------------------------

  private scanToNextToken(): void {
    if (this.index === 0 && this.ch() === BOM) this.forward();
    for (;;) {
      while (this.ch() === SP) this.forward();
      if (this.ch() === 0x23 /* # */) {
        while (!isBreakZ(this.ch())) this.forward();
      }
      if (this.scanLineBreak() !== "") {
        if (this.flowLevel === 0) this.allowSimpleKey = true;
      } else return;
    }
  }

  private scanDirective(): Token {
    const line = this.line, column = this.column;
    this.forward();
    let length = 0;
    while (isWordChar(this.ch(length))) length++;
    if (length === 0) this.error(`Expected a directive name, found ${describeChar(this.ch())}`);
    const name = this.prefix(length);
    this.forward(length);
    if (!isSpaceZ(this.ch())) this.error(`Unexpected ${describeChar(this.ch())} in a directive name`);
    const t = this.token(T.Directive, line, column, name);
    if (name === "YAML") {
      while (this.ch() === SP) this.forward();
      t.major = this.scanVersionNumber();
      if (this.ch() !== 0x2e) {
        this.error(`Expected "." in the %YAML version, found ${describeChar(this.ch())}`);
      }
      this.forward();
      t.minor = this.scanVersionNumber();
      if (!isSpaceZ(this.ch())) this.error(`Unexpected ${describeChar(this.ch())} after the %YAML version`);
    } else if (name === "TAG") {
      while (this.ch() === SP) this.forward();
      t.handle = this.scanTagHandle("directive");
      if (this.ch() !== SP) {
        this.error(`Expected a space after the %TAG handle, found ${describeChar(this.ch())}`);
      }
      while (this.ch() === SP) this.forward();
      t.value2 = this.scanTagUri("directive");
      if (!isSpaceZ(this.ch())) this.error(`Unexpected ${describeChar(this.ch())} after the %TAG prefix`);
    } else {
      while (!isBreakZ(this.ch())) this.forward();
    }
    while (this.ch() === SP) this.forward();
    if (this.ch() === 0x23) {
      while (!isBreakZ(this.ch())) this.forward();
    }
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

  private scanTag(): Token {
    const t = this.token(T.Tag, this.line, this.column);
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
    while (this.ch() === SP) this.forward();
    if (this.ch() === 0x23) {
      while (!isBreakZ(this.ch())) this.forward();
    }
    if (!isBreakZ(this.ch())) {
      this.error(
        `Expected a comment or a line break after a block scalar header, found ${describeChar(this.ch())}`,
      );
    }
    this.scanLineBreak();

    let minIndent = this.indent + 1;
    if (minIndent < 1) minIndent = 1;
    let breaks: string[];
    let indent: number;
    if (increment === null) {
      breaks = [];
      let maxIndent = 0;
      while (this.ch() === SP || isBreak(this.ch())) {
        if (this.ch() !== SP) breaks.push(this.scanLineBreak());
        else {
          this.forward();
          if (this.column > maxIndent) maxIndent = this.column;
        }
      }
      indent = Math.max(minIndent, maxIndent);
    } else {
      indent = minIndent + increment - 1;
      breaks = this.scanBlockScalarBreaks(indent);
    }

    let text = "";
    let lineBreak = "";
    while (this.column === indent && this.ch() !== NUL) {
      text += breaks.join("");
      const leadingNonSpace = this.ch() !== SP && this.ch() !== TAB;
      let length = 0;
      while (!isBreakZ(this.ch(length))) length++;
      text += this.prefix(length);
      this.forward(length);
      lineBreak = this.scanLineBreak();
      breaks = this.scanBlockScalarBreaks(indent);
      if (this.column === indent && this.ch() !== NUL) {
        if (folded && lineBreak === "\n" && leadingNonSpace && this.ch() !== SP && this.ch() !== TAB) {
          if (breaks.length === 0) text += " ";
        } else text += lineBreak;
      } else break;
    }
    if (chomping !== false) text += lineBreak;
    if (chomping === true) text += breaks.join("");
    t.value = text;
    return t;
  }

  private scanBlockScalarBreaks(indent: number): string[] {
    const breaks: string[] = [];
    while (this.column < indent && this.ch() === SP) this.forward();
    while (isBreak(this.ch())) {
      breaks.push(this.scanLineBreak());
      while (this.column < indent && this.ch() === SP) this.forward();
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
      text += this.scanFlowScalarSpaces(double, t);
      text += this.scanFlowScalarNonSpaces(double, t);
    }
    this.forward();
    t.value = text;
    return t;
  }

  private scanFlowScalarNonSpaces(double: boolean, start: Token): string {
    let out = "";
    for (;;) {
      let length = 0;
      for (;;) {
        const c = this.ch(length);
        if (c === 0x27 || c === 0x22 || c === 0x5c || isBlankZ(c)) break;
        length++;
      }
      if (length > 0) {
        out += this.prefix(length);
        this.forward(length);
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
          out += this.scanFlowScalarBreaks(start).join("");
        } else {
          this.error(`Unknown escape ${describeChar(this.ch())} in a double-quoted scalar`);
        }
      } else return out;
    }
  }

  private scanFlowScalarSpaces(double: boolean, start: Token): string {
    void double;
    let length = 0;
    while (this.ch(length) === SP || this.ch(length) === TAB) length++;
    const whitespace = this.prefix(length);
    this.forward(length);
    const c = this.ch();
    if (c === NUL) {
      this.error(
        `The quoted scalar that starts at line ${start.line + 1}, column ${start.column + 1} is not closed`,
      );
    }
    if (isBreak(c)) {
      const lineBreak = this.scanLineBreak();
      const breaks = this.scanFlowScalarBreaks(start);
      let out = "";
      if (lineBreak !== "\n") out += lineBreak;
      else if (breaks.length === 0) out += " ";
      return out + breaks.join("");
    }
    return whitespace;
  }

  private scanFlowScalarBreaks(start: Token): string[] {
    const breaks: string[] = [];
    for (;;) {
      const p = this.prefix(3);
      if ((p === "---" || p === "...") && isBlankZ(this.ch(3))) {
        this.error(
          `Found a document marker inside the quoted scalar that starts at line ${start.line + 1}, column ${
            start.column + 1
          }`,
        );
      }
      while (this.ch() === SP || this.ch() === TAB) this.forward();
      if (isBreak(this.ch())) breaks.push(this.scanLineBreak());
      else return breaks;
    }
  }

  private scanPlain(): Token {
    const t = this.token(T.Scalar, this.line, this.column);
    t.plain = true;
    const indent = this.indent + 1;
    let text = "";
    let spaces = "";
    for (;;) {
      if (this.ch() === 0x23) break;
      let length = 0;
      for (;;) {
        const c = this.ch(length);
        if (isBlankZ(c)) break;
        if (c === 0x3a) {
          const n = this.ch(length + 1);
          if (
            isBlankZ(n) ||
            (this.flowLevel !== 0 && (n === 0x2c || n === 0x5b || n === 0x5d || n === 0x7b || n === 0x7d))
          ) {
            break;
          }
        }
        if (
          this.flowLevel !== 0 &&
          (c === 0x2c || c === 0x3f || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d)
        ) {
          break;
        }
        length++;
      }
      if (length === 0) break;
      this.allowSimpleKey = false;
      text += spaces;
      text += this.prefix(length);
      this.forward(length);
      const more = this.scanPlainSpaces();
      if (more === null || this.ch() === 0x23 || (this.flowLevel === 0 && this.column < indent)) break;
      spaces = more;
    }
    t.value = text;
    return t;
  }

  /** The folded whitespace after a plain word, or null when the scalar cannot continue. */
  private scanPlainSpaces(): string | null {
    let length = 0;
    while (this.ch(length) === SP) length++;
    const whitespace = this.prefix(length);
    this.forward(length);
    const c = this.ch();
    if (isBreak(c)) {
      const lineBreak = this.scanLineBreak();
      this.allowSimpleKey = true;
      if (this.atDocumentMarker()) return null;
      const breaks: string[] = [];
      while (this.ch() === SP || isBreak(this.ch())) {
        if (this.ch() === SP) this.forward();
        else {
          breaks.push(this.scanLineBreak());
          if (this.atDocumentMarker()) return null;
        }
      }
      let out = "";
      if (lineBreak !== "\n") out += lineBreak;
      else if (breaks.length === 0) out += " ";
      out += breaks.join("");
      return out === "" ? null : out;
    }
    return whitespace === "" ? null : whitespace;
  }

  private atDocumentMarker(): boolean {
    const p = this.prefix(3);
    return (p === "---" || p === "...") && isBlankZ(this.ch(3));
  }

  /** Consumes one line break and returns it normalised (CR LF, CR, NEL → LF), or "". */
  private scanLineBreak(): string {
    const c = this.ch();
    if (c === CR || c === LF || c === NEL) {
      if (c === CR && this.ch(1) === LF) this.forward(2);
      else this.forward();
      return "\n";
    }
    if (c === LS || c === PS) {
      this.forward();
      return String.fromCharCode(c);
    }
    return "";
  }
}
