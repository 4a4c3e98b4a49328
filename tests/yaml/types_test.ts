import assert from "node:assert/strict";
import { base64, keyIdentity, keyText, YamlBinary, YamlMap, YamlTimestamp } from "../../lib/yaml/types.ts";

Deno.test("YamlMap keeps insertion order and the first position of a re-assigned key", () => {
  const m = new YamlMap();
  m.set("b", 1n).set("10", 2n).set("2", 3n).set("b", 4n);
  assert.deepEqual(m.entries(), [["b", 4n], ["10", 2n], ["2", 3n]]);
  assert.equal(m.size, 3);
  assert.ok(m.delete("10"));
  assert.ok(!m.delete("10"));
  assert.deepEqual(m.keys(), ["b", "2"]);
  assert.equal(m.get("2"), 3n);
  assert.deepEqual([...m].map(([k]) => k), ["b", "2"]);
});

Deno.test("YamlMap treats numerically equal keys as one key, as the reference does", () => {
  const m = new YamlMap([[1n, "int"], [1, "float"], [true, "bool"], ["1", "string"], [0, "zero"], [
    -0,
    "minus zero",
  ], [false, "false"]]);
  assert.deepEqual(m.entries(), [[1n, "bool"], ["1", "string"], [0, "false"]]);
  assert.ok(m.has(1.0) && m.has(true) && !m.has(2n));
  assert.equal(keyIdentity(2 ** 60), keyIdentity(2n ** 60n));
  assert.notEqual(keyIdentity(2 ** 53 + 2), keyIdentity(2n ** 53n + 1n));
  assert.equal(keyIdentity(NaN), keyIdentity(NaN));
  assert.notEqual(keyIdentity(null), keyIdentity("null"));
});

Deno.test("keyText gives the key-path text of every key type", () => {
  assert.equal(keyText("a.b"), "a.b");
  assert.equal(keyText(12n), "12");
  assert.equal(keyText(1.5), "1.5");
  assert.equal(keyText(25), "25.0");
  assert.equal(keyText(false), "false");
  assert.equal(keyText(null), "null");
  assert.equal(keyText(YamlTimestamp.parse("2001-02-03") as YamlTimestamp), "2001-02-03");
  assert.equal(keyText(new YamlBinary(new Uint8Array([104, 105]))), "aGk=");
  assert.equal(YamlMap.keyText(7n), "7");
});

Deno.test("YamlTimestamp accepts real dates and compares zoned times by instant", () => {
  for (
    const bad of [
      "2001-02-29",
      "2001-13-01",
      "0000-01-01",
      "2001-01-01 24:00:00",
      "2001-01-01 10:00:00 +24",
      "nope",
    ]
  ) {
    assert.equal(YamlTimestamp.parse(bad), null, bad);
  }
  const leap = YamlTimestamp.parse("2000-02-29");
  assert.ok(leap !== null && leap.time === null);
  const a = YamlTimestamp.parse("2001-01-01 10:00:00+01:00") as YamlTimestamp;
  const b = YamlTimestamp.parse("2001-01-01T09:00:00Z") as YamlTimestamp;
  const naive = YamlTimestamp.parse("2001-01-01 09:00:00") as YamlTimestamp;
  assert.equal(keyIdentity(a), keyIdentity(b));
  assert.notEqual(keyIdentity(b), keyIdentity(naive));
  assert.equal(
    (YamlTimestamp.parse("2001-01-01 09:00:00.1234567") as YamlTimestamp).time?.microsecond,
    123456,
  );
});

Deno.test("base64 encodes with padding", () => {
  assert.equal(base64(new Uint8Array([])), "");
  assert.equal(base64(new TextEncoder().encode("hello")), "aGVsbG8=");
  assert.equal(base64(new TextEncoder().encode("hell")), "aGVsbA==");
});
