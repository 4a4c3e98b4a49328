import assert from "node:assert/strict";
import { AMOD_LIMITS, ANPKG_LIMITS, exceedsRatio, parseLimitValue } from "../../lib/zip/limits.ts";

const MIB = 1024 * 1024;

Deno.test("limit defaults are the per-format values of spec/README.md", () => {
  assert.deepEqual({ ...ANPKG_LIMITS }, { maxMembers: 10_000, maxTotalBytes: 64 * MIB, maxRatio: 100 });
  assert.deepEqual({ ...AMOD_LIMITS }, { maxMembers: 100_000, maxTotalBytes: 4_294_967_296, maxRatio: 200 });
});

Deno.test("parseLimitValue accepts decimal values and binary suffixes for bytes", () => {
  const table: [string, boolean, number | null][] = [
    ["0", false, 0],
    ["10000", false, 10000],
    ["007", false, 7],
    ["1K", true, 1024],
    ["1k", true, 1024],
    ["1M", true, MIB],
    ["64M", true, 64 * MIB],
    ["4G", true, 4 * 1024 * MIB],
    ["1M", false, null],
    ["", true, null],
    ["-1", true, null],
    ["+1", true, null],
    ["1.5", true, null],
    [" 1", true, null],
    ["1 ", true, null],
    ["1KB", true, null],
    ["1T", true, null],
    ["0x10", false, null],
    ["9007199254740992", false, null],
    ["9007199254740991", false, 9007199254740991],
    ["99999999999G", true, null],
  ];
  for (const [text, bytes, want] of table) {
    assert.equal(parseLimitValue(text, { bytes }), want, JSON.stringify(text));
  }
});

Deno.test("exceedsRatio applies to entries of at least 1 MiB and treats size 0 as 1", () => {
  const table: [number, number, number, boolean][] = [
    [MIB, MIB / 100, 100, false],
    [MIB, MIB / 100 - 1, 100, true],
    [MIB - 1, 1, 100, false],
    [MIB, 0, 100, true],
    [MIB, 0, 0, false],
    [2 * MIB, 2048, 200, true],
  ];
  for (const [u, c, r, want] of table) assert.equal(exceedsRatio(u, c, r), want, `${u}/${c} vs ${r}`);
});
