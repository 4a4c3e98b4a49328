/**
 * From a node graph to values: the reference's constructors (merge keys, duplicate keys, explicit
 * tags), the alias-expansion limits, and the notes about duplicate keys and YAML 1.1/1.2
 * ambiguity.
 *
 * @module
 */

import {
  type MappingNode,
  type Node,
  NodeFlag,
  type ScalarNode,
  type SequenceNode,
  YamlLimitError,
} from "./compose.ts";
import { quote, quoteTag } from "./message.ts";
import { constructYamlFloat, constructYamlInt } from "./number.ts";
import { plainAmbiguity, TAG } from "./resolve.ts";
import { YamlSyntaxError } from "./scanner.ts";
import {
  keyIdentity,
  keyText,
  YamlBinary,
  type YamlKey,
  YamlMap,
  YamlPairs,
  YamlSet,
  YamlTimestamp,
  type YamlValue,
} from "./types.ts";

/** A finding about a document that loads: a repeated key, or a value YAML readers disagree on. */
export interface YamlNote {
  /** `yaml-duplicate-key` or `yaml-version-ambiguous`. */
  code: "yaml-duplicate-key" | "yaml-version-ambiguous";
  /** Key path of the place concerned (`$.a.b[0]`). */
  path: string;
  /** One line of English. */
  message: string;
}

/** Tags that YAML 1.2 core readers understand; other explicit tags are noted (§3.4 D). */
const CORE_TAGS = new Set<string>([
  TAG.str,
  TAG.int,
  TAG.float,
  TAG.bool,
  TAG.null,
  TAG.map,
  TAG.seq,
  TAG.set,
]);

/** Tags that make a scalar from text. */
const SCALAR_TAGS = new Set<string>([
  TAG.str,
  TAG.int,
  TAG.float,
  TAG.bool,
  TAG.null,
  TAG.timestamp,
  TAG.binary,
  TAG.merge,
  TAG.value,
  TAG.yaml,
]);

const BOOLEANS = new Map<string, boolean>([
  ["yes", true],
  ["no", false],
  ["true", true],
  ["false", false],
  ["on", true],
  ["off", false],
]);

/**
 * Checks the graph against the limits with aliases expanded: more than `maxNodes` nodes, nesting
 * deeper than `maxDepth`, or a collection that contains itself (infinite expansion) throw
 * {@link YamlLimitError}. Sizes are memoised per node, so alias bombs cost linear time.
 */
export function checkExpansion(root: Node, maxNodes: number, maxDepth: number): void {
  new ExpansionCheck(maxNodes, maxDepth).visit(root, 0);
}

/** `size` of a node whose expansion is being counted. */
const ACTIVE = -1;

// Indexed loops and no per-node closures: this walk visits every node, mostly in cold code.
class ExpansionCheck {
  private readonly maxNodes: number;
  private readonly maxDepth: number;

  constructor(maxNodes: number, maxDepth: number) {
    this.maxNodes = maxNodes;
    this.maxDepth = maxDepth;
  }

  private tooDeep(): never {
    throw new YamlLimitError(
      `The document is nested deeper than ${this.maxDepth} levels when aliases are expanded`,
    );
  }

  /** The expanded node count of `node` at `depth`; sets its `size` and `height`. */
  visit(node: Node, depth: number): number {
    if (node.kind === "scalar") return 1;
    if (node.size === ACTIVE) {
      throw new YamlLimitError("The document contains a collection that includes itself");
    }
    if (node.size > 0) {
      if (depth + node.height > this.maxDepth) this.tooDeep();
      return node.size;
    }
    if (depth + 1 > this.maxDepth) this.tooDeep();
    node.size = ACTIVE;
    let total = 1;
    // Scalars have height 0, so only collections raise the tallest child.
    let tallest = 0;
    if (node.kind === "sequence") {
      const items = node.items;
      for (let i = 0; i < items.length; i++) {
        const item = items[i] as Node;
        total = this.add(total, item, depth);
        if (item.height > tallest) tallest = item.height;
      }
    } else {
      const pairs = node.pairs;
      for (let i = 0; i < pairs.length; i++) {
        const pair = pairs[i] as [Node, Node];
        const k = pair[0], v = pair[1];
        total = this.add(total, k, depth);
        if (k.height > tallest) tallest = k.height;
        // The reference removes a merge key before following it, so a mapping merging itself
        // (directly or through a list) does not expand forever.
        if (k.kind === "scalar" && k.tag === TAG.merge) {
          if (v.kind === "mapping" && v.size === ACTIVE) continue;
          if (v.kind === "sequence") {
            total += 1;
            const items = v.items;
            for (let j = 0; j < items.length; j++) {
              const item = items[j] as Node;
              if (item.size === ACTIVE) continue;
              total = this.add(total, item, depth);
              if (item.height > tallest) tallest = item.height;
            }
            continue;
          }
        }
        total = this.add(total, v, depth);
        if (v.height > tallest) tallest = v.height;
      }
    }
    node.size = total;
    node.height = tallest + 1;
    return total;
  }

  /** `total` plus the expanded count of a child of a node at `depth`, within the node limit. */
  private add(total: number, child: Node, depth: number): number {
    total += this.visit(child, depth + 1);
    if (total > this.maxNodes) {
      throw new YamlLimitError(`The document expands to more than ${this.maxNodes} nodes through aliases`);
    }
    return total;
  }
}

/** Where a node sits: a key text (`.key`) or a sequence index (`[i]`) after its parent's path. */
type Segment = string | number;

function joinPath(parent: string, segment: Segment | null): string {
  if (segment === null) return parent;
  return typeof segment === "number" ? `${parent}[${segment}]` : `${parent}.${segment}`;
}

/** Builds values from nodes, collecting notes. Throws {@link YamlSyntaxError} where the reference fails. */
export class Constructor {
  /** Notes found so far, in document order. */
  readonly notes: YamlNote[] = [];
  private ownPairs = new Map<MappingNode, Set<[Node, Node]>>();
  /** Pairs copied by merge keys so far, and how many are allowed. */
  private merged = 0;
  private readonly maxMerged: number;

  /** `maxNodes` bounds the pairs merge keys may copy (twice that many in total). */
  constructor(maxNodes: number) {
    this.maxMerged = 2 * maxNodes;
  }

  /**
   * The value of a node (the same object each time for the same node). Its key path is
   * `parent` followed by `segment`; paths are only built for notes and collections.
   */
  construct(node: Node, parent: string, segment: Segment | null, notes = true): YamlValue {
    if (node.flags & NodeFlag.Constructed) return node.value as YamlValue;
    let value: YamlValue;
    if (node.kind === "scalar") {
      // Most scalars are strings, whose value is their text.
      value = node.tag === TAG.str ? node.text : this.scalar(node);
      if (notes) this.note(node, parent, segment, value);
    } else {
      // Merge keys can make a mapping contain itself, which the limits did not see.
      if (node.flags & NodeFlag.Active) {
        throw new YamlLimitError("The document contains a collection that includes itself");
      }
      const path = joinPath(parent, segment);
      if (notes) this.note(node, path, null, null);
      node.flags |= NodeFlag.Active;
      value = node.kind === "sequence" ? this.sequence(node, path) : this.mapping(node, path);
      node.flags &= ~NodeFlag.Active;
    }
    node.value = value;
    node.flags |= NodeFlag.Constructed;
    return value;
  }

  private fail(message: string, node: Node): never {
    throw new YamlSyntaxError(message, node.line, node.column);
  }

  /** Records the ambiguity notes of a node (with its value, for scalars), once per node. */
  private note(node: Node, parent: string, segment: Segment | null, value: YamlValue): void {
    if (node.flags & NodeFlag.Noted) return;
    node.flags |= NodeFlag.Noted;
    // Both notes below need one of these (collections are never plain-implicit).
    if (node.explicitTag === null && !node.plainImplicit) return;
    if (node.explicitTag !== null && !CORE_TAGS.has(node.explicitTag)) {
      this.notes.push({
        code: "yaml-version-ambiguous",
        path: joinPath(parent, segment),
        message: `The tag ${quoteTag(node.explicitTag)} is not part of the YAML 1.2 core schema`,
      });
    }
    if (node.kind === "scalar" && node.plainImplicit) {
      const why = plainAmbiguity(node.text, node.tag, value);
      if (why !== null) {
        this.notes.push({
          code: "yaml-version-ambiguous",
          path: joinPath(parent, segment),
          message: `The plain scalar ${quote(node.text)} ${why}`,
        });
      }
    }
  }

  private scalar(node: ScalarNode): YamlValue {
    if (!SCALAR_TAGS.has(node.tag)) {
      this.fail(`A ${quoteTag(node.tag)} value cannot be written as a scalar`, node);
    }
    return this.fromText(node.tag, node.text, node);
  }

  /** The reference's scalar constructors. */
  private fromText(tag: string, text: string, node: Node): YamlKey {
    switch (tag) {
      case TAG.str:
      case TAG.value:
      case TAG.merge:
        // `=` and `<<` outside key position: the reference cannot load them; we read the text.
        return text;
      case TAG.null:
        return null;
      case TAG.bool: {
        const b = BOOLEANS.get(text.toLowerCase());
        if (b === undefined) this.fail(`${quote(text)} is not a boolean`, node);
        return b;
      }
      case TAG.int: {
        const i = constructYamlInt(text);
        if (i === null) this.fail(`${quote(text)} is not an integer`, node);
        return i;
      }
      case TAG.float: {
        const f = constructYamlFloat(text);
        if (f === null) this.fail(`${quote(text)} is not a float`, node);
        return f;
      }
      case TAG.timestamp: {
        const t = YamlTimestamp.parse(text);
        if (t === null) this.fail(`${quote(text)} is not a valid timestamp`, node);
        return t;
      }
      case TAG.binary: {
        const bytes = decodeBase64(text);
        if (bytes === null) this.fail("The binary value is not valid base64", node);
        return new YamlBinary(bytes);
      }
    }
    this.fail(`The scalar ${quote(text)} has no value in YAML 1.1`, node);
  }

  /**
   * The text a scalar constructor sees for a node: the scalar text, or for a mapping the text of
   * the value of its `=` key (the reference's `!!value` rule).
   */
  private textOf(node: Node): string {
    if (node.kind === "scalar") return node.text;
    if (node.kind === "mapping") {
      for (const [k, v] of node.pairs) {
        if (k.kind === "scalar" && k.tag === TAG.value) return this.textOf(v);
      }
    }
    this.fail(`A ${node.kind} cannot be read as a ${quoteTag(node.tag)} scalar`, node);
  }

  private sequence(node: SequenceNode, path: string): YamlValue {
    switch (node.tag) {
      case TAG.seq: {
        const items = node.items;
        const values: YamlValue[] = [];
        for (let i = 0; i < items.length; i++) values.push(this.construct(items[i] as Node, path, i));
        return values;
      }
      case TAG.omap:
      case TAG.pairs: {
        const pairs = node.items.map((item, i): [YamlKey, YamlValue] => {
          if (item.kind !== "mapping" || item.pairs.length !== 1) {
            this.fail(`Each entry of ${quoteTag(node.tag)} must be a mapping with one key`, item);
          }
          const [kn, vn] = item.pairs[0] as [Node, Node];
          if (kn.kind === "scalar" && kn.tag === TAG.merge) this.fail("A merge key cannot be used here", kn);
          const key = this.key(kn);
          const entry = joinPath(path, i);
          const text = keyText(key);
          this.note(kn, entry, text, key);
          return [key, this.construct(vn, entry, text)];
        });
        return new YamlPairs(node.tag === TAG.omap ? "omap" : "pairs", pairs);
      }
    }
    if (SCALAR_TAGS.has(node.tag)) {
      this.fail(`A sequence cannot be read as a ${quoteTag(node.tag)} scalar`, node);
    }
    this.fail(`A sequence cannot be read as ${quoteTag(node.tag)}`, node);
  }

  private mapping(node: MappingNode, path: string): YamlValue {
    if (node.tag === TAG.map || node.tag === TAG.set) {
      this.flatten(node);
      const map = new YamlMap();
      const original = this.ownPairs.size === 0 ? undefined : this.ownPairs.get(node);
      // Repeats among the mapping's own pairs are duplicates; overriding merged pairs is not.
      // Without merge keys every pair is the mapping's own, and a repeat leaves the size unchanged.
      const own = original === undefined ? null : new Map<string, [Node, Node]>();
      const pairs = node.pairs;
      for (let i = 0; i < pairs.length; i++) {
        const pair = pairs[i] as [Node, Node];
        const kn = pair[0], vn = pair[1];
        const key = this.key(kn);
        const text = typeof key === "string" ? key : keyText(key);
        this.note(kn, path, text, key);
        let repeated = false;
        if (own !== null && original?.has(pair)) {
          const id = keyIdentity(key);
          const seen = own.get(id);
          repeated = seen !== undefined && seen !== pair;
          own.set(id, pair);
        }
        const before = map.size;
        map.set(key, this.construct(vn, path, text));
        if (own === null) repeated = map.size === before;
        if (repeated) {
          this.notes.push({
            code: "yaml-duplicate-key",
            path: joinPath(path, text),
            message: `The key ${quote(text)} is repeated in a mapping; the last value wins`,
          });
        }
      }
      return node.tag === TAG.set ? new YamlSet(map.keys()) : map;
    }
    if (SCALAR_TAGS.has(node.tag)) return this.fromText(node.tag, this.textOf(node), node);
    this.fail(`A mapping cannot be read as ${quoteTag(node.tag)}`, node);
  }

  /** A mapping key: any scalar; collections cannot be keys (the reference needs hashable keys). */
  private key(node: Node): YamlKey {
    const key = this.construct(node, "", null, false);
    // A scalar node always makes a scalar; only other nodes need the type test.
    if (node.kind === "scalar") return key as YamlKey;
    if (Array.isArray(key) || key instanceof YamlMap || key instanceof YamlSet || key instanceof YamlPairs) {
      this.fail("A collection cannot be a mapping key", node);
    }
    return key;
  }

  /**
   * Applies merge keys in place, exactly as the reference does: merged pairs go first (for a list
   * of sources, the last source first), then the mapping's own pairs; a merge key is removed
   * before its source is flattened, and `=` keys become strings.
   */
  private flatten(node: MappingNode): void {
    if (node.flags & NodeFlag.Flattened) return;
    let merges = false;
    const pairs = node.pairs;
    for (let i = 0; i < pairs.length; i++) {
      const k = (pairs[i] as [Node, Node])[0];
      if (k.kind === "scalar" && (k.tag === TAG.merge || k.tag === TAG.value)) merges = true;
    }
    node.flags |= NodeFlag.Flattened;
    if (!merges) return;
    if (!this.ownPairs.has(node)) this.ownPairs.set(node, new Set(node.pairs));
    const merged: [Node, Node][] = [];
    const take = (pairs: readonly [Node, Node][]): void => {
      // A mapping merging itself repeatedly doubles its pairs each time, in the reference too.
      this.merged += pairs.length;
      if (this.merged > this.maxMerged) {
        throw new YamlLimitError(
          `The document expands to more than ${this.maxMerged} pairs through merge keys`,
        );
      }
      for (const pair of pairs) merged.push(pair);
    };
    let index = 0;
    while (index < node.pairs.length) {
      const [k, v] = node.pairs[index] as [Node, Node];
      if (k.kind === "scalar" && k.tag === TAG.merge) {
        node.pairs.splice(index, 1);
        if (v.kind === "mapping") {
          this.flatten(v);
          take(v.pairs);
        } else if (v.kind === "sequence") {
          const sources: [Node, Node][][] = [];
          for (const sub of v.items) {
            if (sub.kind !== "mapping") this.fail("A merge key needs mappings to merge", sub);
            this.flatten(sub);
            sources.push(sub.pairs);
          }
          for (const source of sources.reverse()) take(source);
        } else this.fail("A merge key needs a mapping or a list of mappings", v);
      } else {
        if (k.kind === "scalar" && k.tag === TAG.value) k.tag = TAG.str;
        index++;
      }
    }
    if (merged.length > 0) {
      for (const pair of node.pairs) merged.push(pair);
      node.pairs = merged;
    }
  }
}

const B64_VALUES = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

/**
 * Decodes base64 as the reference does (Python's lenient `base64.decodebytes`): characters
 * outside the alphabet are skipped, padding ends the data; null for non-ASCII text or a length
 * that leaves a partial group.
 */
export function decodeBase64(text: string): Uint8Array | null {
  const out: number[] = [];
  let quad = 0;
  let left = 0;
  let pads = 0;
  // The whole text must be ASCII, even after the padding that ends the data.
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d /* = */) {
      if (quad >= 2 && quad + ++pads >= 4) return new Uint8Array(out);
      continue;
    }
    const v = B64_VALUES[c] as number;
    if (v < 0) continue;
    pads = 0;
    switch (quad) {
      case 0:
        quad = 1;
        left = v;
        break;
      case 1:
        quad = 2;
        out.push(((left << 2) | (v >> 4)) & 0xff);
        left = v & 0x0f;
        break;
      case 2:
        quad = 3;
        out.push(((left << 4) | (v >> 2)) & 0xff);
        left = v & 0x03;
        break;
      default:
        quad = 0;
        out.push(((left << 6) | v) & 0xff);
        left = 0;
    }
  }
  return quad === 0 ? new Uint8Array(out) : null;
}
