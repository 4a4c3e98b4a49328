/**
 * YAML parser and composer: tokens to a graph of nodes, with anchors resolved (an alias is the
 * anchored node itself) and implicit tags resolved by the YAML 1.1 rules. It accepts exactly
 * the grammar of the reference's parser and enforces the nesting and node-count limits.
 *
 * Plain block documents (the usual configuration file) take a fast path that builds the same
 * graph from lines instead of tokens; see `BlockComposer` below.
 *
 * @module
 */

import { quoteTag } from "./message.ts";
import { resolvePlainTag, TAG } from "./resolve.ts";
import {
  type DirectiveToken,
  Scanner,
  T,
  type TagToken,
  type Token,
  TOKEN_NAMES,
  YamlSyntaxError,
} from "./scanner.ts";

/**
 * Per-node working state of the later stages, kept on the node because maps keyed by node cost
 * more than the rest of loading.
 */
export interface NodeState {
  /** Bits of {@link NodeFlag}. */
  flags: number;
  /** The constructed value, once `flags` has `Constructed`. */
  value: unknown;
  /** Node count with aliases expanded (checkExpansion), −1 while being counted. */
  size: number;
  /** Collection nesting with aliases expanded (checkExpansion). */
  height: number;
}

/** Flags of {@link NodeState}. */
export const enum NodeFlag {
  Constructed = 1,
  Noted = 2,
  Active = 4,
  Flattened = 8,
}

// The three node kinds share one set of fields, created in one order, so that every node has the
// same object shape and the later stages read fields monomorphically.

/** A scalar node. */
export interface ScalarNode extends NodeState {
  kind: "scalar";
  /** Resolved tag URI. */
  tag: string;
  /** The tag as written (after handle expansion), or null. */
  explicitTag: string | null;
  /** The scalar text. */
  text: string;
  /** Written plain without a tag: subject to the YAML 1.1 / 1.2 comparison. */
  plainImplicit: boolean;
  items: null;
  pairs: null;
  line: number;
  column: number;
}

/** A sequence node. */
export interface SequenceNode extends NodeState {
  kind: "sequence";
  tag: string;
  explicitTag: string | null;
  text: "";
  plainImplicit: false;
  items: Node[];
  pairs: null;
  line: number;
  column: number;
}

/** A mapping node. */
export interface MappingNode extends NodeState {
  kind: "mapping";
  tag: string;
  explicitTag: string | null;
  text: "";
  plainImplicit: false;
  items: null;
  pairs: [Node, Node][];
  line: number;
  column: number;
}

/** Any node. */
export type Node = ScalarNode | SequenceNode | MappingNode;

/** The document exceeds a limit (nesting depth or node count). */
export class YamlLimitError extends Error {}

/** Tags a document may use (§2.12); anything else is refused. */
const HONOURED_TAGS = new Set<string>([
  "!",
  TAG.str,
  TAG.int,
  TAG.float,
  TAG.bool,
  TAG.null,
  TAG.map,
  TAG.seq,
  TAG.set,
  TAG.timestamp,
  TAG.binary,
  TAG.omap,
  TAG.pairs,
]);

const DEFAULT_TAG_HANDLES: Record<string, string> = { "!": "!", "!!": "tag:yaml.org,2002:" };

/** Limits applied while composing. */
export interface ComposeLimits {
  /** Deepest allowed collection nesting (the root collection is level 1). */
  maxDepth: number;
  /** Most nodes allowed in the document (before alias expansion). */
  maxNodes: number;
}

/** A composed document. */
export interface ComposedDocument {
  /** The root node. */
  root: Node;
  /**
   * Whether the document uses aliases. Without them the graph is a tree, whose node count and
   * nesting the composer's limits already bound.
   */
  aliases: boolean;
}

/**
 * Parses the single document of a YAML stream into a node graph; null for a stream without a
 * document. Throws {@link YamlSyntaxError} or {@link YamlLimitError}.
 */
export function composeDocument(text: string, limits: ComposeLimits): ComposedDocument | null {
  const simple = new BlockComposer(text, limits).compose();
  if (simple !== undefined) return simple;
  const composer = new Composer(text, limits);
  const root = composer.stream();
  return root === null ? null : { root, aliases: composer.aliases };
}

/** Whether a token's kind is in `mask` (bits `1 << kind`). */
function isAny(t: Token, mask: number): boolean {
  return ((1 << t.type) & mask) !== 0;
}

/** A scalar node; `empty` nodes (omitted values) are scalars too. */
function newScalar(
  tag: string,
  explicitTag: string | null,
  text: string,
  plainImplicit: boolean,
  line: number,
  column: number,
): ScalarNode {
  return {
    kind: "scalar",
    tag,
    explicitTag,
    text,
    plainImplicit,
    items: null,
    pairs: null,
    line,
    column,
    flags: 0,
    value: null,
    size: 0,
    height: 0,
  };
}

/** A sequence node without items yet. */
function newSequence(tag: string, explicitTag: string | null, line: number, column: number): SequenceNode {
  return {
    kind: "sequence",
    tag,
    explicitTag,
    text: "",
    plainImplicit: false,
    items: [],
    pairs: null,
    line,
    column,
    flags: 0,
    value: null,
    size: 0,
    height: 0,
  };
}

/** A mapping node without pairs yet. */
function newMapping(tag: string, explicitTag: string | null, line: number, column: number): MappingNode {
  return {
    kind: "mapping",
    tag,
    explicitTag,
    text: "",
    plainImplicit: false,
    items: null,
    pairs: [],
    line,
    column,
    flags: 0,
    value: null,
    size: 0,
    height: 0,
  };
}

// The parser below reads each token once with `peek` and then consumes it with `skip`: a peek may
// scan ahead for simple keys, so peeking once per decision is much of the parser's cost saved.

class Composer {
  private readonly scanner: Scanner;
  private readonly limits: ComposeLimits;
  private anchors = new Map<string, Node>();
  /** Whether an alias was read. */
  aliases = false;
  private tagHandles: Record<string, string> = DEFAULT_TAG_HANDLES;
  private depth = 0;
  private nodes = 0;

  constructor(text: string, limits: ComposeLimits) {
    this.scanner = new Scanner(text);
    this.limits = limits;
  }

  private fail(message: string, at: Token): never {
    throw new YamlSyntaxError(message, at.line, at.column);
  }

  stream(): Node | null {
    const s = this.scanner;
    s.next(); // stream start
    let root: Node;
    let t = s.peek();
    if (!isAny(t, 1 << T.Directive | 1 << T.DocumentStart | 1 << T.StreamEnd)) {
      root = this.node(t, true, false);
    } else {
      while (t.type === T.DocumentEnd) {
        s.skip();
        t = s.peek();
      }
      if (t.type === T.StreamEnd) return null;
      this.directives();
      t = s.peek();
      if (t.type !== T.DocumentStart) this.fail(`Expected a document start, found ${TOKEN_NAMES[t.type]}`, t);
      s.skip();
      const next = s.peek();
      root = isAny(next, 1 << T.Directive | 1 << T.DocumentStart | 1 << T.DocumentEnd | 1 << T.StreamEnd)
        ? this.empty(t)
        : this.node(next, true, false);
    }
    t = s.peek();
    while (t.type === T.DocumentEnd) {
      s.skip();
      t = s.peek();
    }
    if (t.type !== T.StreamEnd) {
      if (t.type === T.DocumentStart || t.type === T.Directive) {
        this.fail("The stream holds more than one document", t);
      }
      this.fail(`Expected the end of the document, found ${TOKEN_NAMES[t.type]}`, t);
    }
    return root;
  }

  private directives(): void {
    const s = this.scanner;
    let version = false;
    const handles: Record<string, string> = {};
    while (s.peek().type === T.Directive) {
      // The scanner makes every directive token a DirectiveToken.
      const t = s.next() as DirectiveToken;
      if (t.value === "YAML") {
        if (version) this.fail("The %YAML directive is repeated", t);
        if (t.major !== 1) this.fail(`YAML version ${t.major}.${t.minor} is not supported`, t);
        version = true;
      } else if (t.value === "TAG") {
        const handle = t.handle as string;
        if (Object.hasOwn(handles, handle)) this.fail(`The tag handle "${handle}" is declared twice`, t);
        handles[handle] = t.prefix;
      }
    }
    for (const [handle, prefix] of Object.entries(DEFAULT_TAG_HANDLES)) {
      if (!Object.hasOwn(handles, handle)) handles[handle] = prefix;
    }
    this.tagHandles = handles;
  }

  private count(): void {
    if (++this.nodes > this.limits.maxNodes) this.tooManyNodes();
  }

  private tooManyNodes(): never {
    throw new YamlLimitError(`The document has more than ${this.limits.maxNodes} nodes`);
  }

  private enter(at: Token): void {
    if (++this.depth > this.limits.maxDepth) {
      throw new YamlLimitError(
        `The document is nested deeper than ${this.limits.maxDepth} levels (line ${at.line + 1}, column ${
          at.column + 1
        })`,
      );
    }
  }

  private empty(at: Token, tag: string | null = null): ScalarNode {
    this.count();
    return newScalar(tag === null || tag === "!" ? TAG.null : tag, tag, "", false, at.line, at.column);
  }

  /** The node that starts with `t`, the token just peeked. */
  private node(t: Token, block: boolean, indentlessSequence: boolean): Node {
    const s = this.scanner;
    if (t.type === T.Alias) {
      s.skip();
      const target = this.anchors.get(t.value);
      if (target === undefined) this.fail(`The alias "*${t.value}" names no anchor defined before it`, t);
      this.aliases = true;
      return target;
    }
    let next = t;
    let anchor: Token | null = null;
    let tag: string | null = null;
    if (t.type === T.Anchor || t.type === T.Tag) {
      // Properties: an anchor and a tag, in either order. The token after them is peeked only
      // once they are checked, as the reference does, so that their errors come first.
      let tagToken: Token | null = null;
      s.skip();
      if (t.type === T.Anchor) {
        anchor = t;
        if (s.peek().type === T.Tag) tagToken = s.next();
      } else {
        tagToken = t;
        if (s.peek().type === T.Anchor) anchor = s.next();
      }
      // The scanner makes every tag token a TagToken.
      if (tagToken !== null) tag = this.resolveTag(tagToken as TagToken);
      if (anchor !== null && this.anchors.has(anchor.value)) {
        this.fail(`The anchor "&${anchor.value}" is defined twice`, anchor);
      }
      next = s.peek();
    }
    const first = t;

    if (indentlessSequence && next.type === T.BlockEntry) {
      const node = this.sequenceNode(tag, first);
      if (anchor !== null) this.anchors.set(anchor.value, node);
      this.indentlessSequence(node);
      return node;
    }
    switch (next.type) {
      case T.Scalar: {
        s.skip();
        if (++this.nodes > this.limits.maxNodes) this.tooManyNodes();
        const plain = next.style === "";
        const implicit = (plain && tag === null) || tag === "!";
        const node = newScalar(
          tag !== null && tag !== "!" ? tag : implicit ? resolvePlainTag(next.value) : TAG.str,
          tag,
          next.value,
          plain && tag === null,
          first.line,
          first.column,
        );
        if (anchor !== null) this.anchors.set(anchor.value, node);
        return node;
      }
      case T.FlowSequenceStart: {
        const node = this.sequenceNode(tag, first);
        if (anchor !== null) this.anchors.set(anchor.value, node);
        this.flowSequence(node);
        return node;
      }
      case T.FlowMappingStart: {
        const node = this.mappingNode(tag, first);
        if (anchor !== null) this.anchors.set(anchor.value, node);
        this.flowMapping(node);
        return node;
      }
      case T.BlockSequenceStart:
        if (block) {
          const node = this.sequenceNode(tag, first);
          if (anchor !== null) this.anchors.set(anchor.value, node);
          this.blockSequence(node);
          return node;
        }
        break;
      case T.BlockMappingStart:
        if (block) {
          const node = this.mappingNode(tag, first);
          if (anchor !== null) this.anchors.set(anchor.value, node);
          this.blockMapping(node);
          return node;
        }
        break;
    }
    if (anchor !== null || tag !== null) {
      const node = this.empty(first, tag);
      if (anchor !== null) this.anchors.set(anchor.value, node);
      return node;
    }
    this.fail(`Expected a value, found ${TOKEN_NAMES[next.type]}`, next);
  }

  /** The tag URI of a tag token, refused unless declared and honoured. */
  private resolveTag(t: TagToken): string {
    let tag: string;
    if (t.handle !== null) {
      if (!Object.hasOwn(this.tagHandles, t.handle)) {
        this.fail(`The tag handle "${t.handle}" is not declared`, t);
      }
      tag = this.tagHandles[t.handle] + t.value;
    } else tag = t.value;
    if (!HONOURED_TAGS.has(tag)) this.fail(`The tag ${quoteTag(tag)} is not supported`, t);
    return tag;
  }

  private sequenceNode(tag: string | null, at: Token): SequenceNode {
    this.count();
    this.enter(at);
    return newSequence(tag === null || tag === "!" ? TAG.seq : tag, tag, at.line, at.column);
  }

  private mappingNode(tag: string | null, at: Token): MappingNode {
    this.count();
    this.enter(at);
    return newMapping(tag === null || tag === "!" ? TAG.map : tag, tag, at.line, at.column);
  }

  /**
   * The node after an indicator token just consumed (`at`): an empty scalar at the indicator when
   * the next token is in `ends`, else the node that starts there.
   */
  private nodeOrEmpty(at: Token, ends: number, block: boolean, indentlessSequence: boolean): Node {
    const t = this.scanner.peek();
    return ((1 << t.type) & ends) !== 0 ? this.empty(at) : this.node(t, block, indentlessSequence);
  }

  private blockSequence(node: SequenceNode): void {
    const s = this.scanner;
    s.next(); // block sequence start
    for (;;) {
      const t = s.peek();
      if (t.type === T.BlockEntry) {
        s.skip();
        node.items.push(this.nodeOrEmpty(t, 1 << T.BlockEntry | 1 << T.BlockEnd, true, false));
      } else if (t.type === T.BlockEnd) {
        s.skip();
        break;
      } else {
        this.fail(
          `Expected another "-" item or the end of the block sequence, found ${TOKEN_NAMES[t.type]}`,
          t,
        );
      }
    }
    this.depth--;
  }

  private indentlessSequence(node: SequenceNode): void {
    const s = this.scanner;
    for (;;) {
      const t = s.peek();
      if (t.type !== T.BlockEntry) break;
      s.skip();
      node.items.push(
        this.nodeOrEmpty(t, 1 << T.BlockEntry | 1 << T.Key | 1 << T.Value | 1 << T.BlockEnd, true, false),
      );
    }
    this.depth--;
  }

  private blockMapping(node: MappingNode): void {
    const s = this.scanner;
    const ends = 1 << T.Key | 1 << T.Value | 1 << T.BlockEnd;
    s.next(); // block mapping start
    for (;;) {
      const t = s.peek();
      if (t.type === T.Key) {
        s.skip();
        const key = this.nodeOrEmpty(t, ends, true, true);
        const v = s.peek();
        let value: Node;
        if (v.type === T.Value) {
          s.skip();
          value = this.nodeOrEmpty(v, ends, true, true);
        } else value = this.empty(v);
        node.pairs.push([key, value]);
      } else if (t.type === T.BlockEnd) {
        s.skip();
        break;
      } else {
        this.fail(`Expected another key or the end of the block mapping, found ${TOKEN_NAMES[t.type]}`, t);
      }
    }
    this.depth--;
  }

  private flowSequence(node: SequenceNode): void {
    const s = this.scanner;
    s.next(); // [
    let first = true;
    for (;;) {
      let t = s.peek();
      if (t.type === T.FlowSequenceEnd) {
        s.skip();
        break;
      }
      if (!first) {
        if (t.type === T.FlowEntry) {
          s.skip();
          t = s.peek();
        } else this.fail(`Expected "," or "]" in a flow sequence, found ${TOKEN_NAMES[t.type]}`, t);
      }
      first = false;
      if (t.type === T.Key) {
        // A single-pair mapping inside a flow sequence: [a: 1].
        s.skip();
        const pair = this.mappingNode(null, t);
        const key = this.nodeOrEmpty(
          t,
          1 << T.Value | 1 << T.FlowEntry | 1 << T.FlowSequenceEnd,
          false,
          false,
        );
        const v = s.peek();
        let value: Node;
        if (v.type === T.Value) {
          s.skip();
          value = this.nodeOrEmpty(v, 1 << T.FlowEntry | 1 << T.FlowSequenceEnd, false, false);
        } else value = this.empty(v);
        pair.pairs.push([key, value]);
        this.depth--;
        node.items.push(pair);
      } else if (t.type !== T.FlowSequenceEnd) {
        node.items.push(this.node(t, false, false));
      }
    }
    this.depth--;
  }

  private flowMapping(node: MappingNode): void {
    const s = this.scanner;
    s.next(); // {
    let first = true;
    for (;;) {
      let t = s.peek();
      if (t.type === T.FlowMappingEnd) {
        s.skip();
        break;
      }
      if (!first) {
        if (t.type === T.FlowEntry) {
          s.skip();
          t = s.peek();
        } else this.fail(`Expected "," or "}" in a flow mapping, found ${TOKEN_NAMES[t.type]}`, t);
      }
      first = false;
      if (t.type === T.Key) {
        s.skip();
        const key = this.nodeOrEmpty(
          t,
          1 << T.Value | 1 << T.FlowEntry | 1 << T.FlowMappingEnd,
          false,
          false,
        );
        const v = s.peek();
        let value: Node;
        if (v.type === T.Value) {
          s.skip();
          value = this.nodeOrEmpty(v, 1 << T.FlowEntry | 1 << T.FlowMappingEnd, false, false);
        } else value = this.empty(v);
        node.pairs.push([key, value]);
      } else if (t.type !== T.FlowMappingEnd) {
        const key = this.node(t, false, false);
        node.pairs.push([key, this.empty(s.peek())]);
      }
    }
    this.depth--;
  }
}

// --- fast path -----------------------------------------------------------------------------------

/**
 * Text the fast path leaves to the full parser at once. Characters: any but printable ones and
 * LF, so tabs, CR and the other line breaks, and those that make a column differ from a UTF-16
 * offset (surrogates, BOM). Constructs: a flow collection, anchor, alias, tag or block scalar
 * where a node starts, so that a document is not read nearly to its end only to be read again.
 */
const NOT_SIMPLE_TEXT =
  /[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]|(?:^|[-:] ) *[[{&*!|>]/m;

/**
 * A plain scalar on one line in block context, from its first character on (checked apart):
 * words that end at a blank or at ":" before a blank, joined by spaces not followed by "#".
 */
const PLAIN_ON_LINE = /(?:[^ \n:]|:(?=[^ \n]))+(?: +(?!#)(?:[^ \n:]|:(?=[^ \n]))+)*/y;

/** Characters that cannot start a plain scalar (unless followed by a non-space, for `-?:`). */
const INDICATORS = (() => {
  const set = new Uint8Array(128);
  const chars = "-?:,[]{}#&*!|>'\"%@`";
  for (let i = 0; i < chars.length; i++) set[chars.charCodeAt(i)] = 1;
  return set;
})();

const SP = 0x20, LF = 0x0a, HASH = 0x23, DASH = 0x2d, COLON = 0x3a, QUOTE = 0x27, DQUOTE = 0x22;

/** Thrown inside the fast path to leave a document to the full parser. */
class NotSimple extends Error {}
const NOT_SIMPLE = new NotSimple("not a simple block document");

/**
 * The fast path. Nearly every configuration file is only block mappings and sequences of
 * single-line plain and quoted scalars, with comments; for those this builds, line by line, the
 * very graph the full parser builds (node positions included) at a fraction of the cost of
 * tokens and simple keys. On anything else — other constructs, a scalar that could continue on
 * the next line, any error or limit — it gives up, and the full parser reads the document.
 *
 * Its cursor sits at the first non-space character of the current line with content.
 */
class BlockComposer {
  private readonly src: string;
  private readonly limits: ComposeLimits;
  private pos = 0;
  /** Line of the cursor (0-based) and the offset that line starts at. */
  private line = 0;
  private lineStart = 0;
  private nodes = 0;
  private depth = 0;

  constructor(text: string, limits: ComposeLimits) {
    this.src = text;
    this.limits = limits;
  }

  /** The document, or undefined to leave it to the full parser. */
  compose(): ComposedDocument | undefined {
    if (NOT_SIMPLE_TEXT.test(this.src)) return undefined;
    try {
      if (!this.nextLine()) return undefined;
      const root = this.collection();
      // Anything after the root collection (a less indented line) is for the full parser.
      if (this.pos < this.src.length) return undefined;
      return { root, aliases: false };
    } catch (e) {
      if (e === NOT_SIMPLE || e instanceof RangeError) return undefined;
      throw e;
    }
  }

  private column(): number {
    return this.pos - this.lineStart;
  }

  private atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  /** Whether `p` is past the end or holds a space or a line break. */
  private blankAt(p: number): boolean {
    const c = this.src.charCodeAt(p);
    return c === SP || c === LF || p >= this.src.length;
  }

  /** Whether a sequence entry ("-" and a blank) is at the cursor. */
  private atEntry(): boolean {
    return this.src.charCodeAt(this.pos) === DASH && this.blankAt(this.pos + 1);
  }

  /**
   * From the start of a line, moves the cursor to the next line with content, past blank and
   * comment lines; false at the end of the text.
   */
  private nextLine(): boolean {
    const src = this.src;
    let p = this.pos;
    for (;;) {
      while (src.charCodeAt(p) === SP) p++;
      if (src.charCodeAt(p) === HASH) p = this.lineEnd(p);
      if (p >= src.length) {
        this.pos = src.length;
        return false;
      }
      if (src.charCodeAt(p) !== LF) break;
      this.line++;
      this.lineStart = ++p;
    }
    this.pos = p;
    // `---` and `...` at the start of a line are document markers.
    if (p === this.lineStart) {
      const c = src.charCodeAt(p);
      if ((c === DASH || c === 0x2e) && src.charCodeAt(p + 1) === c && src.charCodeAt(p + 2) === c) {
        if (this.blankAt(p + 3)) throw NOT_SIMPLE;
      }
    }
    return true;
  }

  /** The offset of the line break (or the end of the text) at or after `p`. */
  private lineEnd(p: number): number {
    const end = this.src.indexOf("\n", p);
    return end < 0 ? this.src.length : end;
  }

  /** Ends the line after its last token, where only spaces and a comment may follow; then nextLine. */
  private endLine(): boolean {
    const src = this.src;
    let p = this.pos;
    while (src.charCodeAt(p) === SP) p++;
    if (src.charCodeAt(p) === HASH) p = this.lineEnd(p);
    if (p < src.length) {
      if (src.charCodeAt(p) !== LF) throw NOT_SIMPLE;
      this.line++;
      this.lineStart = ++p;
    }
    this.pos = p;
    return this.nextLine();
  }

  private count(): void {
    if (++this.nodes > this.limits.maxNodes) throw NOT_SIMPLE;
  }

  private open(): void {
    this.count();
    if (++this.depth > this.limits.maxDepth) throw NOT_SIMPLE;
  }

  private empty(line: number, column: number): ScalarNode {
    this.count();
    return newScalar(TAG.null, null, "", false, line, column);
  }

  /** The block collection that starts at the cursor. */
  private collection(): Node {
    const column = this.column();
    return this.atEntry() ? this.sequence(column) : this.mapping(column, this.scalar());
  }

  /**
   * The sequence whose first "-" is at the cursor, at `column`. An indentless sequence (at the
   * column of the mapping it is a value of) reads the same way.
   */
  private sequence(column: number): SequenceNode {
    const node = newSequence(TAG.seq, null, this.line, column);
    this.open();
    do {
      const line = this.line;
      this.pos++;
      node.items.push(this.entry(line, column));
    } while (!this.atEnd() && this.column() === column && this.atEntry());
    this.depth--;
    return node;
  }

  /** The node of a sequence entry whose "-" at (`line`, `column`) the cursor has just passed. */
  private entry(line: number, column: number): Node {
    const src = this.src;
    while (src.charCodeAt(this.pos) === SP) this.pos++;
    const c = src.charCodeAt(this.pos);
    if (this.atEnd() || c === LF || c === HASH) {
      // Nothing more on the line: a collection on deeper lines, or an empty entry.
      if (this.endLine() && this.column() > column) return this.collection();
      return this.empty(line, column);
    }
    const inner = this.column();
    if (this.atEntry()) return this.sequence(inner);
    const scalar = this.scalar();
    if (this.colon() >= 0) return this.mapping(inner, scalar);
    this.endLine();
    return scalar;
  }

  /**
   * The mapping at `column` whose first key, already read, is `key`: each key is followed by ":"
   * on its line, and its value on the same line or on deeper lines.
   */
  private mapping(column: number, key: ScalarNode): MappingNode {
    const node = newMapping(TAG.map, null, key.line, key.column);
    this.open();
    for (;;) {
      const colon = this.colon();
      // A simple key must be followed by ":" on its line, at most 1024 characters on; keys near
      // that bound are left to the full parser.
      if (colon < 0 || colon - this.lineStart - key.column > 1000) throw NOT_SIMPLE;
      const line = this.line;
      this.pos = colon + 1;
      node.pairs.push([key, this.value(column, line, colon - this.lineStart)]);
      if (this.atEnd() || this.column() !== column) break;
      key = this.scalar();
    }
    this.depth--;
    return node;
  }

  /** The offset of the ":" (followed by a blank) after the cursor and spaces, or −1. */
  private colon(): number {
    const src = this.src;
    let p = this.pos;
    while (src.charCodeAt(p) === SP) p++;
    return src.charCodeAt(p) === COLON && this.blankAt(p + 1) ? p : -1;
  }

  /** The value of the key in a mapping at `column` whose ":" at (`line`, `at`) the cursor has passed. */
  private value(column: number, line: number, at: number): Node {
    const src = this.src;
    while (src.charCodeAt(this.pos) === SP) this.pos++;
    const c = src.charCodeAt(this.pos);
    if (this.atEnd() || c === LF || c === HASH) {
      // Nothing more on the line: a deeper collection, an indentless sequence, or an empty value.
      if (this.endLine()) {
        const next = this.column();
        if (next > column) return this.collection();
        if (next === column && this.atEntry()) return this.sequence(column);
      }
      return this.empty(line, at);
    }
    const scalar = this.scalar();
    this.endLine();
    return scalar;
  }

  /** The plain or quoted scalar at the cursor, which must end on its line. */
  private scalar(): ScalarNode {
    const src = this.src;
    const start = this.pos;
    const line = this.line;
    const column = start - this.lineStart;
    const c = src.charCodeAt(start);
    this.count();
    if (c === QUOTE || c === DQUOTE) {
      return newScalar(
        TAG.str,
        null,
        c === QUOTE ? this.singleQuoted() : this.doubleQuoted(),
        false,
        line,
        column,
      );
    }
    // The reference's rule for the first character of a plain scalar, in block context.
    if (c < 128 && INDICATORS[c] === 1) {
      if (!(c === DASH || c === 0x3f || c === COLON) || this.blankAt(start + 1)) throw NOT_SIMPLE;
    }
    PLAIN_ON_LINE.lastIndex = start;
    if (!PLAIN_ON_LINE.test(src)) throw NOT_SIMPLE;
    const text = src.slice(start, PLAIN_ON_LINE.lastIndex);
    this.pos = PLAIN_ON_LINE.lastIndex;
    return newScalar(resolvePlainTag(text), null, text, true, line, column);
  }

  /** The text of the single-quoted scalar at the cursor (`''` is a quote). */
  private singleQuoted(): string {
    const src = this.src;
    let text = "";
    let p = this.pos + 1;
    for (;;) {
      const end = src.indexOf("'", p);
      if (end < 0) throw NOT_SIMPLE;
      text += src.slice(p, end);
      if (src.charCodeAt(end + 1) !== QUOTE) {
        this.pos = end + 1;
        break;
      }
      text += "'";
      p = end + 2;
    }
    if (text.includes("\n")) throw NOT_SIMPLE;
    return text;
  }

  /** The text of the double-quoted scalar at the cursor, which must hold no escape. */
  private doubleQuoted(): string {
    const src = this.src;
    const end = src.indexOf('"', this.pos + 1);
    if (end < 0) throw NOT_SIMPLE;
    const text = src.slice(this.pos + 1, end);
    if (text.includes("\\") || text.includes("\n")) throw NOT_SIMPLE;
    this.pos = end + 1;
    return text;
  }
}
