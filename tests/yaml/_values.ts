/**
 * Test helper: fast-check arbitraries for plain-subset values (§2.12): nested mappings and
 * sequences with string, integer and float keys, strings that stress quoting and folding,
 * numbers, booleans, null, and shared collections (aliases).
 */

import fc from "npm:fast-check@4.10.2";
import { type YamlKey, YamlMap, type YamlValue } from "../../lib/yaml/types.ts";
import { TRICKY_PLAIN } from "./_gen.ts";

const PIECES = [
  " ",
  " ",
  "  ",
  "\n",
  "\n\n",
  " \n",
  "\n ",
  "\t",
  "\r",
  "\\",
  '"',
  "'",
  "''",
  "#",
  " #",
  ": ",
  ":",
  "- ",
  "-",
  "?",
  "? ",
  "[",
  "]",
  "{",
  "}",
  ",",
  "&",
  "*",
  "!",
  "|",
  ">",
  "%",
  "@",
  "`",
  "---",
  "...",
  "é",
  "ü",
  "\u00a0",
  "\u0085",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\u0000",
  "\u0007",
  "\u001b",
  "\u007f",
  "\u0080",
  "\u00ff",
  "\u0100",
  "\uffff",
  "😀",
  "\u{10ffff}",
  "=",
  "<<",
  "~",
];

/** Strings that stress style choice, quoting, escapes and folding. */
export const stringArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY_PLAIN) },
  {
    weight: 3,
    arbitrary: fc.array(
      fc.oneof(
        { weight: 5, arbitrary: fc.stringMatching(/^[a-z]{1,12}$/) },
        { weight: 3, arbitrary: fc.constantFrom(...PIECES) },
        { weight: 1, arbitrary: fc.constantFrom(...TRICKY_PLAIN) },
        { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 4 }) },
      ),
      { maxLength: 60 },
    ).map((parts) => parts.join("")),
  },
  {
    // Long runs of words: folding at the 80th column, in plain, single- and double-quoted style.
    weight: 3,
    arbitrary: fc.tuple(
      fc.array(fc.stringMatching(/^[a-z0-9]{1,14}$/), { minLength: 8, maxLength: 40 }),
      fc.array(fc.constantFrom(" ", " ", " ", " ", " ", "  ", "\n", "' ", "\u00e9 ", "\t", " \\"), {
        minLength: 40,
        maxLength: 40,
      }),
      fc.nat(3),
    ).map(([words, seps, mode]) =>
      words.map((w, i) => w + (mode === 0 ? " " : mode === 1 ? (seps[i] === "' " ? "' " : " ") : seps[i]))
        .join("")
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-composite", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.nat(140).map((n) => "k".repeat(n)) },
);

const bigintArb = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
);

const floatArb = fc.oneof(
  fc.double(),
  fc.constantFrom(
    25,
    0.0001,
    0.1 + 0.2,
    685230.15,
    123456789,
    1e15,
    1e16,
    1e-5,
    1.5e-5,
    -1e-7,
    1.5e300,
    -0,
    0.5,
  ),
  fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 8),
);

/** Mapping keys of the plain subset. */
export const keyArb: fc.Arbitrary<YamlKey> = fc.oneof(
  { weight: 8, arbitrary: stringArb },
  { weight: 1, arbitrary: fc.nat(130).map((n) => "x".repeat(n)) },
  { weight: 1, arbitrary: bigintArb },
  { weight: 1, arbitrary: floatArb },
);

/** Scalars of the plain subset. */
export const scalarArb: fc.Arbitrary<YamlValue> = fc.oneof(
  { weight: 8, arbitrary: stringArb },
  { weight: 2, arbitrary: bigintArb },
  { weight: 2, arbitrary: floatArb },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** A value tree before shared collections are put in place. */
type Shape =
  | { s: YamlValue }
  | { seq: Shape[] }
  | { map: [YamlKey, Shape][] }
  | { ref: number };

const shapeArb: fc.Arbitrary<Shape> = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 5, arbitrary: scalarArb.map((s) => ({ s })) },
    { weight: 1, arbitrary: fc.nat().map((ref) => ({ ref })) },
    { weight: 2, arbitrary: fc.array(tie("shape"), { maxLength: 5 }).map((seq) => ({ seq })) },
    {
      weight: 3,
      arbitrary: fc.array(fc.tuple(keyArb, tie("shape")), { maxLength: 5 }).map((map) => ({ map })),
    },
  ),
})).shape;

/** Builds the value; `ref` picks a collection finished earlier, so sharing never makes a cycle. */
function build(shape: Shape, done: YamlValue[]): YamlValue {
  if ("s" in shape) return shape.s;
  if ("ref" in shape) return done.length === 0 ? null : done[shape.ref % done.length] as YamlValue;
  let value: YamlValue;
  if ("seq" in shape) value = shape.seq.map((x) => build(x, done));
  else value = new YamlMap(shape.map.map(([k, x]) => [k, build(x, done)]));
  done.push(value);
  return value;
}

/** Plain-subset documents: a root mapping of arbitrary values, with shared collections. */
export const documentArb: fc.Arbitrary<YamlMap> = fc.array(fc.tuple(keyArb, shapeArb), { maxLength: 8 }).map(
  (entries) => {
    const done: YamlValue[] = [];
    return new YamlMap(entries.map(([k, s]) => [k, build(s, done)]));
  },
);
