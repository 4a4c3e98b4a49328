import assert from "node:assert/strict";
import {
  constructYamlFloat,
  constructYamlInt,
  formatFloat,
  pythonFloat,
  pythonInt,
} from "../../lib/yaml/number.ts";

Deno.test("formatFloat follows the §2.13 examples", () => {
  const cases: [number, string][] = [
    [25, "25.0"],
    [0.0001, "0.0001"],
    [0.00001, "1.0e-05"],
    [0.1 + 0.2, "0.30000000000000004"],
    [685230.15, "685230.15"],
    [123456789, "123456789.0"],
    [1e15, "1000000000000000.0"],
    [9999999999999998, "9999999999999998.0"],
    [1e16, "1.0e+16"],
    [1.5e-5, "1.5e-05"],
    [-1e-7, "-1.0e-07"],
    [1.5e300, "1.5e+300"],
    [1.25e100, "1.25e+100"],
    [-0, "-0.0"],
    [NaN, ".nan"],
    [-Infinity, "-.inf"],
  ];
  for (const [x, text] of cases) assert.equal(formatFloat(x), text, text);
});

Deno.test("constructYamlInt reads the YAML 1.1 integer forms", () => {
  const cases: [string, bigint | null][] = [
    ["0x0A", 10n],
    ["017", 15n],
    ["0b101", 5n],
    ["1_000", 1000n],
    ["1:30", 90n],
    ["-1:30:00", -5400n],
    ["+0", 0n],
    ["-0x_f", -15n],
    ["0o17", 15n], // only through an explicit !!int tag: Python's int() accepts the prefix
    ["0b_", null],
    ["0x_", null],
    ["", null],
    ["-", null],
    ["abc", null],
    ["1" + "0".repeat(4300), null],
    [" 12 ", 12n],
  ];
  for (const [text, want] of cases) assert.equal(constructYamlInt(text), want, JSON.stringify(text));
});

Deno.test("constructYamlFloat reads the YAML 1.1 float forms", () => {
  const cases: [string, number | null][] = [
    ["1.", 1],
    [".5", 0.5],
    ["1_0.5", 10.5],
    ["190:20:30.15", 685230.15],
    ["-.INF", -Infinity],
    ["1e3", 1000],
    ["", null],
    ["1:x", null],
    [".inf\n", null],
  ];
  for (const [text, want] of cases) assert.equal(constructYamlFloat(text), want, JSON.stringify(text));
  assert.ok(Number.isNaN(constructYamlFloat(".NaN") as number));
});

Deno.test("pythonInt and pythonFloat follow Python's int() and float()", () => {
  assert.equal(pythonInt("\u0661\u0662", 10), 12n); // Arabic-Indic digits
  assert.equal(pythonInt("\u00a012\u3000", 10), 12n);
  assert.equal(pythonInt("0x1f", 16), 31n);
  assert.equal(pythonInt("0b1", 8), null);
  assert.equal(pythonInt("1 2", 10), null);
  assert.equal(pythonInt("12\u00e9", 10), null);
  assert.equal(pythonFloat("infinity"), Infinity);
  assert.equal(pythonFloat("-Inf"), -Infinity);
  assert.equal(pythonFloat("1e5"), 100000);
  assert.equal(pythonFloat("."), null);
  assert.equal(pythonFloat("0x10"), null);
  assert.equal(pythonFloat(""), null);
});
