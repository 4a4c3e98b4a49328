import assert from "node:assert/strict";
import {
  plainAmbiguity,
  plainReadsAsString,
  resolveCore,
  resolvePlainTag,
  TAG,
} from "../../lib/yaml/resolve.ts";

Deno.test("resolvePlainTag gives the §2.12 type of each pattern", () => {
  const cases: [string, string][] = [
    ["~", TAG.null],
    ["", TAG.null],
    ["NULL", TAG.null],
    ["Off", TAG.bool],
    ["0b1_0", TAG.int],
    ["0755", TAG.int],
    ["-12", TAG.int],
    ["0xFF", TAG.int],
    ["1:59", TAG.int],
    ["1.", TAG.float],
    [".5", TAG.float],
    ["-1.5e+3", TAG.float],
    ["1:30.5", TAG.float],
    ["-.inf", TAG.float],
    [".NaN", TAG.float],
    ["2026-04-03", TAG.timestamp],
    ["2026-4-3 1:02:03.5 +1:00", TAG.timestamp],
    ["<<", TAG.merge],
    ["=", TAG.value],
    ["1e3", TAG.str],
    ["-.5", TAG.str],
    ["+.nan", TAG.str],
    ["0o17", TAG.str],
    ["09", TAG.str],
    ["y", TAG.str],
    ["1:60", TAG.str],
    ["12\n", TAG.int], // Python's `$` matches before a final line feed
  ];
  for (const [text, tag] of cases) assert.equal(resolvePlainTag(text), tag, JSON.stringify(text));
});

Deno.test("resolveCore reads the YAML 1.2 core schema", () => {
  assert.equal(resolveCore("0o17"), 15n);
  assert.equal(resolveCore("017"), 17n);
  assert.equal(resolveCore("1e3"), 1000);
  assert.equal(resolveCore("-.5"), -0.5);
  assert.equal(resolveCore("yes"), "yes");
  assert.equal(resolveCore("TRUE"), true);
  assert.equal(resolveCore("1_000"), "1_000");
  assert.equal(resolveCore("+.nan"), "+.nan");
});

Deno.test("plainReadsAsString decides which strings may be written plain", () => {
  for (const s of ["abc", "a-", "-a", ":a", "1:60", "0.2.7", "+.nan", "it's", "http://localhost:3000"]) {
    assert.ok(plainReadsAsString(s), s);
  }
  for (
    const s of ["yes", "on", "null", "~", "1.0", "0x0A", "017", "1_0", "+1", "1:30", "2026-04-03", "=", "<<"]
  ) {
    assert.ok(!plainReadsAsString(s), s);
  }
  for (const s of ["1e3", "1.0e5", "-.5", "09", "0o17", "y", "Y", "n", "N", "True", "FALSE"]) {
    assert.ok(!plainReadsAsString(s), s);
  }
});

Deno.test("plainAmbiguity explains disagreements and stays silent otherwise", () => {
  for (
    const s of [
      "yes",
      "Off",
      "0o17",
      "1e3",
      "017",
      "09",
      "1_000",
      "0b101",
      "1:30",
      "2026-04-03",
      "y",
      "N",
      "-.5",
    ]
  ) {
    assert.notEqual(plainAmbiguity(s), null, s);
  }
  for (
    const s of [
      "abc",
      "true",
      "TRUE",
      "null",
      "~",
      "12",
      "0x0A",
      "1.0",
      "1.",
      ".5",
      "1.0e+3",
      ".inf",
      "-.Inf",
      ".nan",
      "<<",
      "=",
      "+.nan",
    ]
  ) {
    assert.equal(plainAmbiguity(s), null, s);
  }
  assert.equal(plainAmbiguity("yes"), "is a boolean in YAML 1.1 but a string in YAML 1.2");
  assert.equal(plainAmbiguity("017"), "is 15 in YAML 1.1 but 17 in YAML 1.2");
});
