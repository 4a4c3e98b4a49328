import assert from "node:assert/strict";
import { crc32 } from "../../lib/zip/crc32.ts";
import { u16, u32 } from "../../lib/zip/format.ts";
import { ANPKG_LIMITS } from "../../lib/zip/limits.ts";
import { readZip } from "../../lib/zip/read.ts";
import { bytesSource } from "../../lib/zip/source.ts";
import { type StoredMember, writeStoredZip } from "../../lib/zip/stored.ts";

const enc = new TextEncoder();

function filled(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => 0x20 + ((i * 7 + seed) % 90));
}

// Names and sizes of the anpkg.md §2.14 worked example, given out of order.
const EXAMPLE: StoredMember[] = [
  { name: "runtime/anolis-runtime.yaml", data: filled(600, 5) },
  { name: "meta/provenance.json", data: filled(369, 3) },
  { name: "machine-profile.yaml", data: filled(505, 1) },
  { name: "providers/sim0.yaml", data: filled(291, 4) },
  { name: "meta/checksums.sha256", data: filled(354, 2) },
];

function ok(members: readonly StoredMember[]): Uint8Array {
  const r = writeStoredZip(members);
  if (!r.ok) throw new Error(r.message);
  return r.bytes;
}

Deno.test("stored writer lays out the anpkg.md §2.14 example at the documented offsets", () => {
  const b = ok(EXAMPLE);
  assert.equal(b.length, 2735);
  const names = [
    "machine-profile.yaml",
    "meta/checksums.sha256",
    "meta/provenance.json",
    "providers/sim0.yaml",
    "runtime/anolis-runtime.yaml",
  ];
  const offsets = [0, 555, 960, 1379, 1719];
  for (const [i, at] of offsets.entries()) {
    assert.equal(u32(b, at), 0x04034b50);
    assert.equal(new TextDecoder().decode(b.subarray(at + 30, at + 30 + u16(b, at + 26))), names[i]);
  }
  const end = 2713;
  assert.equal(u32(b, end), 0x06054b50);
  assert.equal(u32(b, end + 12), 337);
  assert.equal(u32(b, end + 16), 2376);
  assert.equal(u16(b, end + 8), 5);
  assert.equal(u16(b, end + 10), 5);
  assert.equal(u16(b, end + 20), 0);
  let c = 2376;
  for (const [i, at] of offsets.entries()) {
    assert.equal(u32(b, c), 0x02014b50);
    assert.equal(u32(b, c + 42), at);
    c += 46 + names[i]!.length;
  }
  assert.equal(c, end);
});

Deno.test("stored writer writes the exact header values of anpkg.md §2.10", () => {
  const data = enc.encode("hello\n");
  const b = ok([{ name: "a.yaml", data }]);
  // local header
  assert.deepEqual(
    [
      u32(b, 0),
      u16(b, 4),
      u16(b, 6),
      u16(b, 8),
      u16(b, 10),
      u16(b, 12),
      u32(b, 14),
      u32(b, 18),
      u32(b, 22),
      u16(b, 26),
      u16(b, 28),
    ],
    [0x04034b50, 20, 0, 0, 0x0000, 0x0021, crc32(data), 6, 6, 6, 0],
  );
  const c = 30 + 6 + 6;
  assert.deepEqual(
    [
      u32(b, c),
      u16(b, c + 4),
      u16(b, c + 6),
      u16(b, c + 8),
      u16(b, c + 10),
      u16(b, c + 12),
      u16(b, c + 14),
      u32(b, c + 16),
      u32(b, c + 20),
      u32(b, c + 24),
      u16(b, c + 28),
      u16(b, c + 30),
      u16(b, c + 32),
      u16(b, c + 34),
      u16(b, c + 36),
      u32(b, c + 38),
      u32(b, c + 42),
    ],
    [0x02014b50, 0x0314, 20, 0, 0, 0, 0x0021, crc32(data), 6, 6, 6, 0, 0, 0, 0, 0x81a40000, 0],
  );
  assert.equal(b.length, 30 + 6 + 6 + 46 + 6 + 22);
});

Deno.test("stored writer sets flag 11 exactly for names with a byte of 0x80 or more", () => {
  const b = ok([{ name: "é.yaml", data: new Uint8Array(0) }, { name: "a~b", data: new Uint8Array(0) }]);
  assert.equal(u16(b, 6), 0); // "a~b" sorts first and stays 0
  const second = 30 + 3;
  assert.equal(u16(b, second + 6), 0x0800);
});

Deno.test("stored writer sorts names by code point, not UTF-16 unit", () => {
  const b = ok([
    { name: "\u{1F600}", data: new Uint8Array(0) },
    { name: "\uFF5E", data: new Uint8Array(0) },
    { name: "Z", data: new Uint8Array(0) },
  ]);
  const first = new TextDecoder().decode(b.subarray(30, 30 + u16(b, 26)));
  assert.equal(first, "Z");
  const at2 = 30 + 1;
  assert.equal(new TextDecoder().decode(b.subarray(at2 + 30, at2 + 30 + u16(b, at2 + 26))), "\uFF5E");
});

Deno.test("stored writer output reads back cleanly with the same members", async () => {
  const b = ok(EXAMPLE);
  const a = await readZip(bytesSource(b), { limits: ANPKG_LIMITS });
  assert.deepEqual(a.problems, []);
  assert.deepEqual(
    a.entries.map((e) => [e.name, e.uncompressedSize, e.kind]),
    [...EXAMPLE].sort((x, y) => (x.name < y.name ? -1 : 1)).map((m) => [m.name, m.data.length, "file"]),
  );
});

Deno.test("stored writer refuses 65 535 members with limit-members", () => {
  const members = Array.from({ length: 65_535 }, (_, i) => ({ name: `m${i}`, data: new Uint8Array(0) }));
  const r = writeStoredZip(members);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.code, "limit-members");
  assert.equal(writeStoredZip(members.slice(1)).ok, true);
});

Deno.test("stored writer refuses a member of 2^32 − 1 bytes with limit-total-bytes", () => {
  // Only the length is consulted before refusing, so a stand-in avoids allocating 4 GiB.
  const huge = { length: 0xffffffff } as unknown as Uint8Array;
  const r = writeStoredZip([{ name: "big", data: huge }]);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.code, "limit-total-bytes");
});

Deno.test("stored writer refuses offsets reaching 2^32 − 1 with limit-total-bytes", () => {
  const big = { length: 0x7fffffff } as unknown as Uint8Array;
  const r = writeStoredZip([{ name: "a", data: big }, { name: "b", data: big }, { name: "c", data: big }]);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.code, "limit-total-bytes");
});
