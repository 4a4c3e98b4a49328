/**
 * YAML parser and composer: tokens to a graph of nodes, with anchors resolved (an alias is the
 * anchored node itself) and implicit tags resolved by the YAML 1.1 rules. It accepts exactly
 * the grammar of the reference's parser and enforces the nesting and node-count limits.
 *
 * @module
 */

import { quoteTag } from "./message.ts";
import { resolvePlainTag, TAG } from "./resolve.ts";
import { Scanner, T, type Token, TOKEN_NAMES, YamlSyntaxError } from "./scanner.ts";

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

/** A scalar node. */
export interface ScalarNode extends NodeState {
  kind: "scalar";
  /** Resolved tag URI. */
  tag: string;
  /** The scalar text. */
  text: string;
  /** Written plain without a tag: subject to the YAML 1.1 / 1.2 comparison. */
  plainImplicit: boolean;
  /** The tag as written (after handle expansion), or null. */
  explicitTag: string | null;
  line: number;
  column: number;
}

/** A sequence node. */
export interface SequenceNode extends NodeState {
  kind: "sequence";
  tag: string;
  explicitTag: string | null;
  items: Node[];
  line: number;
  column: number;
}

/** A mapping node. */
export interface MappingNode extends NodeState {
  kind: "mapping";
  tag: string;
  explicitTag: string | null;
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

/**
 * Parses the single document of a YAML stream into a node graph; null for a stream without a
 * document. Throws {@link YamlSyntaxError} or {@link YamlLimitError}.
 */
export function composeDocument(text: string, limits: ComposeLimits): Node | null {
  return new Composer(text, limits).stream();
}

class Composer {
  private readonly scanner: Scanner;
  private readonly limits: ComposeLimits;
  private anchors = new Map<string, Node>();
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

  private at(type: T): boolean {
    return this.scanner.peek().type === type;
  }

  /** Whether the next token's kind is in `mask` (bits `1 << kind`). */
  private atAny(mask: number): boolean {
    return ((1 << this.scanner.peek().type) & mask) !== 0;
  }

  stream(): Node | null {
    const s = this.scanner;
    s.next(); // stream start
    let root: Node;
    if (!this.atAny(1 << T.Directive | 1 << T.DocumentStart | 1 << T.StreamEnd)) {
      root = this.node(true, false);
    } else {
      while (this.at(T.DocumentEnd)) s.next();
      if (this.at(T.StreamEnd)) return null;
      this.directives();
      if (!this.at(T.DocumentStart)) {
        this.fail(`Expected a document start, found ${TOKEN_NAMES[s.peek().type]}`, s.peek());
      }
      const start = s.next();
      root = this.atAny(1 << T.Directive | 1 << T.DocumentStart | 1 << T.DocumentEnd | 1 << T.StreamEnd)
        ? this.empty(start)
        : this.node(true, false);
    }
    while (this.at(T.DocumentEnd)) s.next();
    if (!this.at(T.StreamEnd)) {
      const t = s.peek();
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
    while (this.at(T.Directive)) {
      const t = s.next();
      if (t.value === "YAML") {
        if (version) this.fail("The %YAML directive is repeated", t);
        if (t.major !== 1) this.fail(`YAML version ${t.major}.${t.minor} is not supported`, t);
        version = true;
      } else if (t.value === "TAG") {
        const handle = t.handle as string;
        if (Object.hasOwn(handles, handle)) this.fail(`The tag handle "${handle}" is declared twice`, t);
        handles[handle] = t.value2;
      }
    }
    for (const [handle, prefix] of Object.entries(DEFAULT_TAG_HANDLES)) {
      if (!Object.hasOwn(handles, handle)) handles[handle] = prefix;
    }
    this.tagHandles = handles;
  }

  private count(): void {
    if (++this.nodes > this.limits.maxNodes) {
      throw new YamlLimitError(`The document has more than ${this.limits.maxNodes} nodes`);
    }
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
    const resolved = tag === null || tag === "!" ? TAG.null : tag;
    return {
      kind: "scalar",
      tag: resolved,
      text: "",
      plainImplicit: false,
      explicitTag: tag,
      line: at.line,
      column: at.column,
      flags: 0,
      value: null,
      size: 0,
      height: 0,
    };
  }

  private node(block: boolean, indentlessSequence: boolean): Node {
    const s = this.scanner;
    if (this.at(T.Alias)) {
      const t = s.next();
      const target = this.anchors.get(t.value);
      if (target === undefined) this.fail(`The alias "*${t.value}" names no anchor defined before it`, t);
      return target;
    }
    let anchor: Token | null = null;
    let tagToken: Token | null = null;
    let start: Token | null = null;
    if (this.at(T.Anchor)) {
      anchor = start = s.next();
      if (this.at(T.Tag)) tagToken = s.next();
    } else if (this.at(T.Tag)) {
      tagToken = start = s.next();
      if (this.at(T.Anchor)) anchor = s.next();
    }
    let tag: string | null = null;
    if (tagToken !== null) {
      if (tagToken.handle !== null) {
        if (!Object.hasOwn(this.tagHandles, tagToken.handle)) {
          this.fail(`The tag handle "${tagToken.handle}" is not declared`, tagToken);
        }
        tag = this.tagHandles[tagToken.handle] + tagToken.value;
      } else tag = tagToken.value;
      if (!HONOURED_TAGS.has(tag)) this.fail(`The tag ${quoteTag(tag)} is not supported`, tagToken);
    }
    if (anchor !== null && this.anchors.has(anchor.value)) {
      this.fail(`The anchor "&${anchor.value}" is defined twice`, anchor);
    }
    const first = start ?? s.peek();

    const next = s.peek();
    if (indentlessSequence && next.type === T.BlockEntry) {
      const node = this.sequenceNode(tag, first);
      if (anchor !== null) this.anchors.set(anchor.value, node);
      this.indentlessSequence(node, next);
      return node;
    }
    switch (next.type) {
      case T.Scalar: {
        s.next();
        this.count();
        const implicit = (next.plain && tag === null) || tag === "!";
        const node: ScalarNode = {
          kind: "scalar",
          tag: tag !== null && tag !== "!" ? tag : implicit ? resolvePlainTag(next.value) : TAG.str,
          text: next.value,
          plainImplicit: next.plain && tag === null,
          explicitTag: tag,
          line: first.line,
          column: first.column,
          flags: 0,
          value: null,
          size: 0,
          height: 0,
        };
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

  private sequenceNode(tag: string | null, at: Token): SequenceNode {
    this.count();
    this.enter(at);
    return {
      kind: "sequence",
      tag: tag === null || tag === "!" ? TAG.seq : tag,
      explicitTag: tag,
      items: [],
      line: at.line,
      column: at.column,
      flags: 0,
      value: null,
      size: 0,
      height: 0,
    };
  }

  private mappingNode(tag: string | null, at: Token): MappingNode {
    this.count();
    this.enter(at);
    return {
      kind: "mapping",
      tag: tag === null || tag === "!" ? TAG.map : tag,
      explicitTag: tag,
      pairs: [],
      line: at.line,
      column: at.column,
      flags: 0,
      value: null,
      size: 0,
      height: 0,
    };
  }

  private blockSequence(node: SequenceNode): void {
    const s = this.scanner;
    s.next(); // block sequence start
    for (;;) {
      if (this.at(T.BlockEntry)) {
        const entry = s.next();
        node.items.push(
          this.atAny(1 << T.BlockEntry | 1 << T.BlockEnd) ? this.empty(entry) : this.node(true, false),
        );
      } else if (this.at(T.BlockEnd)) {
        s.next();
        break;
      } else {
        const t = s.peek();
        this.fail(
          `Expected another "-" item or the end of the block sequence, found ${TOKEN_NAMES[t.type]}`,
          t,
        );
      }
    }
    this.depth--;
  }

  private indentlessSequence(node: SequenceNode, first: Token): void {
    void first;
    const s = this.scanner;
    while (this.at(T.BlockEntry)) {
      const entry = s.next();
      node.items.push(
        this.atAny(1 << T.BlockEntry | 1 << T.Key | 1 << T.Value | 1 << T.BlockEnd)
          ? this.empty(entry)
          : this.node(true, false),
      );
    }
    this.depth--;
  }

  private blockMapping(node: MappingNode): void {
    const s = this.scanner;
    s.next(); // block mapping start
    for (;;) {
      if (this.at(T.Key)) {
        const keyToken = s.next();
        const key = this.atAny(1 << T.Key | 1 << T.Value | 1 << T.BlockEnd)
          ? this.empty(keyToken)
          : this.node(true, true);
        let value: Node;
        if (this.at(T.Value)) {
          const valueToken = s.next();
          value = this.atAny(1 << T.Key | 1 << T.Value | 1 << T.BlockEnd)
            ? this.empty(valueToken)
            : this.node(true, true);
        } else value = this.empty(s.peek());
        node.pairs.push([key, value]);
      } else if (this.at(T.BlockEnd)) {
        s.next();
        break;
      } else {
        const t = s.peek();
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
      if (this.at(T.FlowSequenceEnd)) {
        s.next();
        break;
      }
      if (!first) {
        if (this.at(T.FlowEntry)) s.next();
        else {
          const t = s.peek();
          this.fail(`Expected "," or "]" in a flow sequence, found ${TOKEN_NAMES[t.type]}`, t);
        }
      }
      first = false;
      if (this.at(T.Key)) {
        // A single-pair mapping inside a flow sequence: [a: 1].
        const keyToken = s.next();
        const pair = this.mappingNode(null, keyToken);
        const key = this.atAny(1 << T.Value | 1 << T.FlowEntry | 1 << T.FlowSequenceEnd)
          ? this.empty(keyToken)
          : this.node(false, false);
        let value: Node;
        if (this.at(T.Value)) {
          const valueToken = s.next();
          value = this.atAny(1 << T.FlowEntry | 1 << T.FlowSequenceEnd)
            ? this.empty(valueToken)
            : this.node(false, false);
        } else value = this.empty(s.peek());
        pair.pairs.push([key, value]);
        this.depth--;
        node.items.push(pair);
      } else if (!this.at(T.FlowSequenceEnd)) {
        node.items.push(this.node(false, false));
      }
    }
    this.depth--;
  }

  private flowMapping(node: MappingNode): void {
    const s = this.scanner;
    s.next(); // {
    let first = true;
    for (;;) {
      if (this.at(T.FlowMappingEnd)) {
        s.next();
        break;
      }
      if (!first) {
        if (this.at(T.FlowEntry)) s.next();
        else {
          const t = s.peek();
          this.fail(`Expected "," or "}" in a flow mapping, found ${TOKEN_NAMES[t.type]}`, t);
        }
      }
      first = false;
      if (this.at(T.Key)) {
        const keyToken = s.next();
        const key = this.atAny(1 << T.Value | 1 << T.FlowEntry | 1 << T.FlowMappingEnd)
          ? this.empty(keyToken)
          : this.node(false, false);
        let value: Node;
        if (this.at(T.Value)) {
          const valueToken = s.next();
          value = this.atAny(1 << T.FlowEntry | 1 << T.FlowMappingEnd)
            ? this.empty(valueToken)
            : this.node(false, false);
        } else value = this.empty(s.peek());
        node.pairs.push([key, value]);
      } else if (!this.at(T.FlowMappingEnd)) {
        const key = this.node(false, false);
        node.pairs.push([key, this.empty(s.peek())]);
      }
    }
    this.depth--;
  }
}
