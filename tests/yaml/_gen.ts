/**
 * Test helper: fast-check arbitraries for YAML documents written in many styles (block and flow
 * collections, every scalar style, anchors, aliases, merge keys, tags, explicit keys, comments,
 * document markers) and for random mutations of them.
 */

import fc from "npm:fast-check@4.10.2";

/** Plain scalars whose typing differs between readers, plus ordinary words. */
export const TRICKY_PLAIN: readonly string[] = [
  "yes",
  "No",
  "ON",
  "off",
  "y",
  "n",
  "Y",
  "N",
  "true",
  "False",
  "~",
  "null",
  "NULL",
  "Null",
  "0",
  "-0",
  "+1",
  "017",
  "09",
  "0o17",
  "0x0A",
  "0x_0A",
  "0b101",
  "0b_",
  "1_000",
  "1:30",
  "-1:30:00",
  "190:20:30.15",
  "1.0",
  "1.",
  ".5",
  "-.5",
  "+.5",
  "1e3",
  "1.0e3",
  "1.0e+3",
  "1.0E-3",
  "6.8523015e+5",
  ".inf",
  "-.Inf",
  "+.INF",
  ".nan",
  ".NaN",
  "+.nan",
  "2001-12-14",
  "2001-12-14t21:59:43.10-05:00",
  "2001-12-14 21:59:43.10 -5",
  "2002-12-14",
  "2001-02-29",
  "2001-1-1",
  "=",
  "<<",
  "a",
  "abc",
  "a b",
  "a-b",
  "-a",
  "?a",
  ":a",
  "a:b",
  "a,b",
  "a]",
  "it's",
  "http://x:80/",
  "127.0.0.1",
  "0.2.7",
  "a#b",
  "12345678901234567890123",
  "0x1F_FF",
  "1__0",
  "_1",
  "1e",
  "0o",
  "inf",
  "nan",
  "Infinity",
  "-",
];

const WORD = fc.oneof(
  fc.constantFrom(...TRICKY_PLAIN),
  fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
);

/** Characters that exercise escapes and quoting. */
const ODD_CHARS = [
  " ",
  "  ",
  "\t",
  "\n",
  "\\",
  '"',
  "'",
  "#",
  ":",
  "-",
  "é",
  "\u00a0",
  "\u0085",
  "\u2028",
  "\ufeff",
  "😀",
  "\u0007",
  "\x1b",
  "%",
  "!",
  "&",
  "*",
  "[",
  "]",
  "{",
  "}",
  ",",
  "|",
  ">",
  "?",
  "@",
  "`",
];

const TEXT = fc.array(
  fc.oneof({ weight: 4, arbitrary: WORD }, { weight: 1, arbitrary: fc.constantFrom(...ODD_CHARS) }),
  {
    maxLength: 8,
  },
).map((parts) => parts.join(""));

function singleQuoted(s: string): string {
  return "'" + s.replaceAll("'", "''") + "'";
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += c % 2 ? "\\t" : "\t";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else if (c === 0x85) out += "\\N";
    else if (c === 0x2028) out += "\\L";
    else if (c > 0xffff) out += "\\U" + c.toString(16).padStart(8, "0");
    else if (c === 0xfeff) out += "\\uFEFF";
    else out += ch;
  }
  return out + '"';
}

const TAGS = [
  "!!str",
  "!!int",
  "!!float",
  "!!bool",
  "!!null",
  "!",
  "!!timestamp",
  "!!binary",
  "!<tag:yaml.org,2002:str>",
];

interface Ctx {
  anchors: string[];
}

/** A node rendered in some style at a given indentation; `inline` nodes fit after `key: `. */
interface Rendered {
  text: string;
  inline: boolean;
}

type Tree =
  | { t: "scalar"; style: number; text: string; tag: number; anchor: boolean }
  | { t: "seq"; flow: boolean; items: Tree[]; anchor: boolean; tag: number }
  | {
    t: "map";
    flow: boolean;
    pairs: [Tree, Tree][];
    explicit: boolean[];
    anchor: boolean;
    merge: boolean;
    tag: number;
  }
  | { t: "alias" };

const scalarTree: fc.Arbitrary<Tree> = fc.record({
  t: fc.constant("scalar" as const),
  style: fc.nat(6),
  text: TEXT,
  tag: fc.nat(40),
  anchor: fc.boolean(),
});

const treeArb: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 4, arbitrary: scalarTree },
    { weight: 1, arbitrary: fc.constant({ t: "alias" as const }) },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant("seq" as const),
        flow: fc.boolean(),
        items: fc.array(tie("tree"), { maxLength: 4 }),
        anchor: fc.boolean(),
        tag: fc.nat(30),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant("map" as const),
        flow: fc.boolean(),
        pairs: fc.array(fc.tuple(tie("tree"), tie("tree")), { maxLength: 4 }),
        explicit: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        anchor: fc.boolean(),
        merge: fc.boolean(),
        tag: fc.nat(30),
      }),
    },
  ),
})).tree;

function renderScalar(node: Extract<Tree, { t: "scalar" }>, indent: number, flow: boolean): string {
  const pad = " ".repeat(indent + 1);
  const s = node.text;
  switch (node.style) {
    case 0:
    case 1:
      return s; // plain, valid or not: the reference decides
    case 2:
      return singleQuoted(s);
    case 3:
      return doubleQuoted(s);
    case 4: {
      if (flow) return doubleQuoted(s);
      const chomp = ["", "-", "+"][s.length % 3] as string;
      return `|${chomp}\n` + s.split("\n").map((l) => pad + l).join("\n");
    }
    case 5: {
      if (flow) return singleQuoted(s);
      return ">\n" + s.split(" ").map((l) => pad + l).join("\n");
    }
    default:
      // A plain scalar folded over two lines.
      return flow ? s : s.replace(" ", "\n" + pad);
  }
}

function props(node: { anchor: boolean; tag: number }, ctx: Ctx, collection: string): string {
  let out = "";
  if (node.tag < TAGS.length && collection === "") out += TAGS[node.tag] + " ";
  if (node.tag === 29 && collection === "map") out += "!!set ";
  if (node.tag === 28 && collection === "seq") out += "!!omap ";
  if (node.anchor) {
    const name = `a${ctx.anchors.length}`;
    ctx.anchors.push(name);
    out += `&${name} `;
  }
  return out;
}

function render(node: Tree, indent: number, flow: boolean, ctx: Ctx): Rendered {
  const pad = " ".repeat(indent);
  switch (node.t) {
    case "alias": {
      const name = ctx.anchors[ctx.anchors.length - 1];
      return { text: name === undefined ? "~" : `*${name}`, inline: true };
    }
    case "scalar":
      return {
        text: props(node, ctx, "") + renderScalar(node, indent, flow),
        inline: node.style < 4 || flow,
      };
    case "seq": {
      const p = props(node, ctx, "seq");
      if (node.flow || flow || node.items.length === 0) {
        return {
          text: p + "[" + node.items.map((i) => render(i, indent + 2, true, ctx).text).join(", ") + "]",
          inline: true,
        };
      }
      const lines = node.items.map((i) => {
        const r = render(i, indent + 2, false, ctx);
        return `${pad}- ${r.inline ? r.text : r.text.trimStart()}`;
      });
      return { text: (p === "" ? "" : p + "\n") + lines.join("\n"), inline: false };
    }
    case "map": {
      const p = props(node, ctx, "map");
      const pairs = [...node.pairs];
      if (node.merge && ctx.anchors.length > 0) {
        pairs.unshift([{ t: "scalar", style: 0, text: "<<", tag: 99, anchor: false }, { t: "alias" }]);
      }
      if (node.flow || flow || pairs.length === 0) {
        const body = pairs.map(([k, v]) => {
          const kr = render(k, indent + 2, true, ctx).text;
          const vr = render(v, indent + 2, true, ctx).text;
          return `${kr}: ${vr}`;
        });
        return { text: p + "{" + body.join(", ") + "}", inline: true };
      }
      const lines = pairs.map(([k, v], i) => {
        const kr = render(k, indent + 2, false, ctx);
        const vr = render(v, indent + 2, false, ctx);
        const value = vr.inline ? " " + vr.text : "\n" + vr.text;
        if (node.explicit[i % 4] || !kr.inline) {
          return `${pad}? ${kr.text.trimStart()}\n${pad}:${value}`;
        }
        return `${pad}${kr.text}:${value}`;
      });
      return { text: (p === "" ? "" : p + "\n") + lines.join("\n"), inline: false };
    }
  }
}

/** Decorations around the document: comments, markers, directives. */
const frameArb = fc.record({
  comment: fc.boolean(),
  start: fc.nat(3),
  end: fc.boolean(),
  bom: fc.nat(20),
});

/** YAML documents in many styles (not all valid: the reference decides). */
export const yamlDocumentArb: fc.Arbitrary<string> = fc.tuple(treeArb, frameArb).map(([tree, frame]) => {
  const body = render(tree, 0, false, { anchors: [] }).text;
  let text = "";
  if (frame.bom === 0) text += "\ufeff";
  if (frame.start === 1) text += "%YAML 1.1\n---\n";
  else if (frame.start === 2) text += "--- ";
  else if (frame.start === 3) text += "%TAG !e! tag:yaml.org,2002:\n--- !e!map\n";
  if (frame.comment) text += "# comment\n";
  text += body + "\n";
  if (frame.end) text += "...\n";
  return text;
});

const MUTATION_CHARS = [
  " ",
  "  ",
  "\n",
  "\t",
  ":",
  ": ",
  "-",
  "- ",
  "?",
  "[",
  "]",
  "{",
  "}",
  ",",
  "#",
  "&",
  "*",
  "!",
  "|",
  ">",
  "'",
  '"',
  "%",
  "@",
  "`",
  "\\",
  "a",
  "0",
  "\r",
  "\r\n",
  "---\n",
  "...\n",
  "\u2028",
  "é",
  "😀",
  "<<: ",
];

/** A valid-looking document with a few random edits. */
export const mutatedDocumentArb: fc.Arbitrary<string> = fc.tuple(
  yamlDocumentArb,
  fc.array(fc.tuple(fc.nat(), fc.nat(5), fc.constantFrom(...MUTATION_CHARS)), { minLength: 1, maxLength: 4 }),
).map(([doc, edits]) => {
  let s = doc;
  for (const [at, op, ch] of edits) {
    const i = s.length === 0 ? 0 : at % (s.length + 1);
    const lineStart = s.lastIndexOf("\n", i - 1) + 1;
    if (op === 0) s = s.slice(0, i) + ch + s.slice(i);
    else if (op === 1) s = s.slice(0, i) + s.slice(i + 1);
    else if (op === 2) s = s.slice(0, i) + ch + s.slice(i + 1);
    else if (op === 3) s = s.slice(0, i) + s.slice(i, i + 3).repeat(2) + s.slice(i + 3);
    else if (op === 4) s = s.slice(0, lineStart) + (ch === "\t" ? "\t" : " ") + s.slice(lineStart);
    else if (s[lineStart] === " ") s = s.slice(0, lineStart) + s.slice(lineStart + 1);
  }
  return s;
});
