import assert from "node:assert/strict";
import { readZip, type ReadZipOptions, type ZipArchive } from "../../lib/zip/read.ts";
import { bytesSource, fileSource } from "../../lib/zip/source.ts";
import { AMOD_LIMITS, ANPKG_LIMITS } from "../../lib/zip/limits.ts";
import { buildZip, cat, type EntrySpec, extraBlock, u64s } from "./_build.ts";

const enc = new TextEncoder();
const text = (s: string): Uint8Array => enc.encode(s);

async function read(bytes: Uint8Array, options: Partial<ReadZipOptions> = {}): Promise<ZipArchive> {
  return await readZip(bytesSource(bytes), { limits: options.limits ?? AMOD_LIMITS, ...options });
}

function codes(a: ZipArchive): string[] {
  return a.problems.map((p) => p.code).sort();
}

const A: EntrySpec = { name: "a.txt", content: text("alpha\n") };
const B: EntrySpec = { name: "b.txt", content: text("bravo bravo bravo bravo\n"), deflate: true };
const DIR: EntrySpec = { name: "d/", external: 0x41ed0010 };

function zip(...entries: EntrySpec[]): Uint8Array {
  return buildZip({ entries });
}

interface Case {
  name: string;
  bytes: () => Uint8Array;
  expect: string[];
  options?: Partial<ReadZipOptions>;
  fatal?: boolean;
}

const MIB = 1024 * 1024;

const CLEAN: Case[] = [
  { name: "stored and deflated entries", bytes: () => zip(A, B, DIR), expect: [] },
  {
    name: "bit 3 with a signed 16-byte descriptor and zero local values",
    bytes: () => zip({ ...B, flags: 8, localCrc: 0, localCsize: 0, localUsize: 0, descriptor: "signed" }),
    expect: [],
  },
  {
    name: "bit 3 with an unsigned 12-byte descriptor",
    bytes: () => zip({ ...B, flags: 8, localCrc: 0, localCsize: 0, localUsize: 0, descriptor: "unsigned" }),
    expect: [],
  },
  {
    name: "bit 3 with local values equal to the central ones",
    bytes: () => zip({ ...B, flags: 8, descriptor: "signed" }),
    expect: [],
  },
  { name: "deflate option bits 1 and 2", bytes: () => zip({ ...B, flags: 0x0006 }), expect: [] },
  { name: "UTF-8 name with flag 11", bytes: () => zip({ name: "é.txt", flags: 0x0800 }), expect: [] },
  {
    name: "host 19 (macOS)",
    bytes: () => zip({ ...A, versionMadeBy: 0x1314 }),
    expect: [],
    options: { requireUnixHost: true },
  },
  {
    name: "host 0 when the caller does not require Unix",
    bytes: () => zip({ ...A, versionMadeBy: 0x0014 }),
    expect: [],
  },
  {
    name: "other extra blocks (0x7875, 0x000A) in both headers",
    bytes: () =>
      zip({
        ...A,
        centralExtra: extraBlock(0x7875, new Uint8Array([1, 4, 0, 0, 0, 0, 4, 0, 0, 0, 0])),
        localExtra: cat(extraBlock(0x000a, new Uint8Array(32)), extraBlock(0x5455, new Uint8Array(5))),
      }),
    expect: [],
  },
  {
    name: "central zip64 block supplying saturated sizes and offset",
    bytes: () => {
      const content = text("zip64 sized");
      return zip({
        name: "z.txt",
        content,
        csize: 0xffffffff,
        usize: 0xffffffff,
        offset: 0xffffffff,
        localCsize: content.length,
        localUsize: content.length,
        centralExtra: extraBlock(1, u64s(content.length, content.length, 0)),
      });
    },
    expect: [],
  },
  {
    name: "zip64 block with bytes after the needed fields",
    bytes: () => {
      const content = text("x");
      return zip({
        name: "z.txt",
        content,
        usize: 0xffffffff,
        localUsize: 1,
        centralExtra: extraBlock(1, u64s(1, 1, 0)),
      });
    },
    expect: [],
  },
  {
    name: "local zip64 block with a 24-byte descriptor",
    bytes: () =>
      zip({
        ...B,
        flags: 8,
        localCrc: 0,
        localCsize: 0xffffffff,
        localUsize: 0xffffffff,
        localExtra: extraBlock(1, u64s(0, 0)),
        descriptor: "wide-signed",
      }),
    expect: [],
  },
  {
    name: "zip64 end records with saturated end record fields",
    bytes: () => buildZip({ entries: [A, B], zip64: true }),
    expect: [],
  },
  {
    name: "zip64 end records with true end record fields",
    bytes: () => buildZip({ entries: [A, B], zip64: true, end: { entriesDisk: 2, entries: 2 } }),
    expect: [],
  },
  { name: "an empty archive", bytes: () => buildZip({ entries: [] }), expect: [] },
];

const HOSTILE: Case[] = [
  // End record and framing
  { name: "empty file", bytes: () => new Uint8Array(0), expect: ["zip-no-end-record"], fatal: true },
  {
    name: "text file",
    bytes: () => text("machine_name: x\n".repeat(20)),
    expect: ["zip-no-end-record"],
    fatal: true,
  },
  {
    name: "garbage",
    bytes: () => Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 251),
    expect: ["zip-no-end-record"],
    fatal: true,
  },
  {
    name: "truncated archive",
    bytes: () => zip(A, B).subarray(0, zip(A, B).length - 5),
    expect: ["zip-no-end-record"],
    fatal: true,
  },
  {
    name: "comment length running past the end",
    bytes: () => buildZip({ entries: [A], commentLength: 4 }),
    expect: ["zip-no-end-record"],
    fatal: true,
  },
  {
    name: "archive comment",
    bytes: () => buildZip({ entries: [A], comment: text("hello") }),
    expect: ["zip-comment"],
  },
  {
    name: "appended bytes",
    bytes: () => buildZip({ entries: [A], trailing: new Uint8Array(10) }),
    expect: ["zip-trailing-data"],
  },
  {
    name: "prepended bytes",
    bytes: () => buildZip({ entries: [A, B], prefix: new Uint8Array(100).fill(0x41) }),
    expect: ["zip-leading-data"],
  },
  {
    name: "inserted bytes between entries",
    bytes: () => buildZip({ entries: [A, B], gapAfter: { 0: text("junk!") } }),
    expect: ["zip-gap"],
  },
  {
    name: "bytes between the last entry and the central directory",
    bytes: () => buildZip({ entries: [A, B], gapAfter: { 1: text("junk!") } }),
    expect: ["zip-gap"],
  },
  {
    name: "central directory order differs from physical order",
    bytes: () => buildZip({ entries: [A, B], centralOrder: [1, 0] }),
    expect: ["zip-gap"],
  },
  {
    name: "two central entries sharing one local header",
    bytes: () => zip(A, { ...A, offset: 0, omitLocal: true }),
    expect: ["zip-overlap", "zip-overlap"],
  },
  {
    name: "two central entries with different names sharing one local header",
    bytes: () => zip(A, { ...A, name: "other.txt", offset: 0, omitLocal: true }),
    expect: ["zip-header-mismatch", "zip-overlap", "zip-overlap"],
  },
  {
    name: "shared data ranges (an entry inside another entry's data)",
    bytes: () => {
      // Entry 0 stores a complete local header + data; entry 1 points into it.
      const inner = buildZip({ entries: [{ name: "in.txt", content: text("inner") }] });
      const innerLocal = inner.subarray(0, 30 + 6 + 5);
      return zip(
        { name: "outer.bin", content: innerLocal },
        { name: "in.txt", content: text("inner"), offset: 30 + 9, omitLocal: true },
      );
    },
    expect: ["zip-overlap", "zip-overlap"],
  },
  // Disks and zip64
  {
    name: "end record disk 1",
    bytes: () => buildZip({ entries: [A], end: { disk: 1 } }),
    expect: ["zip-multi-disk"],
    fatal: true,
  },
  {
    name: "end record directory disk 1",
    bytes: () => buildZip({ entries: [A], end: { cdDisk: 1 } }),
    expect: ["zip-multi-disk"],
    fatal: true,
  },
  {
    name: "entry on disk 2",
    bytes: () => zip({ ...A, diskStart: 2 }),
    expect: ["zip-multi-disk"],
    fatal: true,
  },
  {
    name: "zip64 locator names disk 1",
    bytes: () => buildZip({ entries: [A], zip64: true, locator: { disk: 1 } }),
    expect: ["zip-multi-disk"],
    fatal: true,
  },
  {
    name: "zip64 locator counts 2 disks",
    bytes: () => buildZip({ entries: [A], zip64: true, locator: { disks: 2 } }),
    expect: ["zip-multi-disk"],
    fatal: true,
  },
  {
    name: "zip64 end record names disk 1",
    bytes: () => buildZip({ entries: [A], zip64: true, zip64End: { disk: 1 } }),
    expect: ["zip-multi-disk"],
    fatal: true,
  },
  {
    name: "zip64 end record size field 45",
    bytes: () => buildZip({ entries: [A], zip64: true, zip64End: { size: 45 } }),
    expect: ["zip64-invalid"],
    fatal: true,
  },
  {
    name: "zip64 locator pointing past the record",
    bytes: () => buildZip({ entries: [A], zip64: true, locator: { offset: 1_000_000 } }),
    expect: ["zip64-invalid"],
    fatal: true,
  },
  {
    name: "zip64 end record field disagreeing with the end record",
    bytes: () => buildZip({ entries: [A], zip64: true, end: { entries: 3 } }),
    expect: ["zip64-invalid"],
    fatal: true,
  },
  {
    name: "zip64 locator without its end record",
    bytes: () => {
      const b = buildZip({ entries: [A], zip64: true });
      const z = b.length - 22 - 20 - 56;
      b[z] = 0; // break the zip64 end record signature
      return b;
    },
    expect: ["zip64-invalid"],
    fatal: true,
  },
  // Central directory
  {
    name: "end record counts more entries than the directory holds",
    bytes: () => buildZip({ entries: [A, B], end: { entries: 3, entriesDisk: 3 } }),
    expect: ["zip-central-directory-invalid"],
    fatal: true,
  },
  {
    name: "end record counts fewer entries than the directory holds",
    bytes: () => buildZip({ entries: [A, B], end: { entries: 1, entriesDisk: 1 } }),
    expect: ["zip-central-directory-invalid"],
    fatal: true,
  },
  {
    name: "entries on this disk differ from the total",
    bytes: () => buildZip({ entries: [A, B], end: { entriesDisk: 1 } }),
    expect: ["zip-central-directory-invalid"],
    fatal: true,
  },
  {
    name: "central directory size too large",
    bytes: () => {
      const plain = zip(A, B);
      const cdSize = plain[plain.length - 22 + 12]!;
      return buildZip({ entries: [A, B], end: { cdSize: cdSize + 1 } });
    },
    expect: ["zip-central-directory-invalid"],
    fatal: true,
  },
  {
    name: "central directory size too small",
    bytes: () => {
      const plain = zip(A, B);
      const cdSize = plain[plain.length - 22 + 12]!;
      return buildZip({ entries: [A, B], end: { cdSize: cdSize - 1 } });
    },
    expect: ["zip-central-directory-invalid"],
    fatal: true,
  },
  {
    name: "central entry without its signature",
    bytes: () => {
      const b = zip(A, B);
      const cdOffset = b[b.length - 22 + 16]! | (b[b.length - 22 + 17]! << 8);
      b[cdOffset] = 0x51;
      return b;
    },
    expect: ["zip-central-directory-invalid"],
    fatal: true,
  },
  {
    name: "central entry name running past the directory",
    bytes: () => {
      const b = zip(A);
      const cdOffset = b[b.length - 22 + 16]! | (b[b.length - 22 + 17]! << 8);
      b[cdOffset + 28] = 200;
      return b;
    },
    expect: ["zip-central-directory-invalid"],
    fatal: true,
  },
  // Limits
  {
    name: "more entries than --max-members",
    bytes: () => zip(A, B),
    options: { limits: { ...ANPKG_LIMITS, maxMembers: 1 } },
    expect: ["limit-members"],
    fatal: true,
  },
  {
    name: "declared bytes above --max-total-bytes",
    bytes: () => zip(A, B),
    options: { limits: { ...ANPKG_LIMITS, maxTotalBytes: 10 } },
    expect: ["limit-total-bytes"],
  },
  {
    name: "a deflated 2 MiB run of zeros above --max-ratio 100",
    bytes: () => zip({ name: "zeros", content: new Uint8Array(2 * MIB), deflate: true }),
    options: { limits: ANPKG_LIMITS },
    expect: ["limit-ratio"],
  },
  {
    name: "a declared 1 GiB member deflated into a few bytes",
    bytes: () => zip({ name: "bomb", content: new Uint8Array(16), deflate: true, usize: 1024 * MIB }),
    expect: ["limit-ratio"],
  },
  // Entry-level
  {
    name: "host 0 when the caller requires Unix",
    bytes: () => zip({ ...A, versionMadeBy: 0x0014 }),
    options: { requireUnixHost: true },
    expect: ["zip-host-unsupported"],
  },
  {
    name: "invalid UTF-8 name with flag 11",
    bytes: () => zip({ name: cat(text("payload/.agentmod/"), new Uint8Array([0xff])), flags: 0x0800 }),
    expect: ["name-not-utf8"],
  },
  {
    name: "byte 0xFF in a name without flag 11",
    bytes: () => zip({ name: cat(text("payload/.agentmod/"), new Uint8Array([0xff])) }),
    expect: ["name-not-utf8"],
  },
  { name: "UTF-8 name without flag 11", bytes: () => zip({ name: "é.txt" }), expect: ["name-not-utf8"] },
  { name: "flag bit 0", bytes: () => zip({ ...A, flags: 0x0001 }), expect: ["zip-encrypted"] },
  { name: "flag bit 6", bytes: () => zip({ ...A, flags: 0x0041 }), expect: ["zip-encrypted"] },
  { name: "flag bit 13", bytes: () => zip({ ...A, flags: 0x2000 }), expect: ["zip-encrypted"] },
  { name: "method 99", bytes: () => zip({ ...A, method: 99 }), expect: ["zip-encrypted"] },
  { name: "flag bit 5", bytes: () => zip({ ...A, flags: 0x0020 }), expect: ["zip-unsupported-flags"] },
  { name: "flag bit 4", bytes: () => zip({ ...A, flags: 0x0010 }), expect: ["zip-unsupported-flags"] },
  { name: "method 12", bytes: () => zip({ ...A, method: 12 }), expect: ["zip-unsupported-method"] },
  {
    name: "extra area not a sequence of blocks",
    bytes: () => zip({ ...A, centralExtra: new Uint8Array([1, 2, 3]) }),
    expect: ["zip-extra-field-invalid"],
  },
  {
    name: "extra block length running past the area",
    bytes: () => zip({ ...A, localExtra: new Uint8Array([0x55, 0x54, 9, 0, 1]) }),
    expect: ["zip-extra-field-invalid"],
  },
  {
    name: "two zip64 blocks",
    bytes: () => zip({ ...A, centralExtra: cat(extraBlock(1, u64s(6)), extraBlock(1, u64s(6))) }),
    expect: ["zip-extra-field-invalid"],
  },
  {
    name: "saturated size without a zip64 block",
    bytes: () => zip({ ...A, usize: 0xffffffff, localUsize: 6 }),
    expect: ["zip-extra-field-invalid"],
  },
  {
    name: "zip64 block too short",
    bytes: () => zip({ ...A, usize: 0xffffffff, csize: 0xffffffff, centralExtra: extraBlock(1, u64s(6)) }),
    expect: ["zip-extra-field-invalid"],
  },
  {
    name: "zip64 block with a non-zero disk number",
    bytes: () => zip({ ...A, diskStart: 0xffff, centralExtra: extraBlock(1, new Uint8Array([1, 0, 0, 0])) }),
    expect: ["zip-extra-field-invalid"],
  },
  {
    name: "zip64 value above Number.MAX_SAFE_INTEGER",
    bytes: () =>
      zip({
        ...A,
        usize: 0xffffffff,
        centralExtra: extraBlock(1, new Uint8Array([0, 0, 0, 0, 0, 0, 0x40, 0])),
      }),
    expect: ["zip-extra-field-invalid"],
  },
  {
    name: "Unicode Path block in the central header",
    bytes: () => zip({ ...A, centralExtra: extraBlock(0x7075, cat(new Uint8Array(5), text("b.txt"))) }),
    expect: ["zip-unicode-path-field"],
  },
  {
    name: "Unicode Path block in the local header",
    bytes: () => zip({ ...A, localExtra: extraBlock(0x7075, cat(new Uint8Array(5), text("b.txt"))) }),
    expect: ["zip-unicode-path-field"],
  },
  {
    name: "local header offset without a signature",
    bytes: () => zip(A, { ...B, offset: 3 }),
    expect: ["zip-gap", "zip-local-header-invalid"],
  },
  {
    name: "local header offset past the end of the file",
    bytes: () => zip(A, { ...B, offset: 100_000 }),
    expect: ["zip-gap", "zip-local-header-invalid"],
  },
  {
    name: "data running past the end of the file",
    bytes: () => zip({ ...A, csize: 100_000, usize: 100_000, localCsize: 100_000, localUsize: 100_000 }),
    expect: ["zip-local-header-invalid"],
  },
  {
    name: "local and central names differ",
    bytes: () => zip({ ...A, localName: "A.txt" }),
    expect: ["zip-header-mismatch"],
  },
  {
    name: "local and central methods differ",
    bytes: () => zip({ ...B, localMethod: 0 }),
    expect: ["zip-header-mismatch"],
  },
  {
    name: "local flag bit 11 differs",
    bytes: () => zip({ ...A, localFlags: 0x0800 }),
    expect: ["zip-header-mismatch"],
  },
  {
    name: "local CRC-32 differs with bit 3 clear",
    bytes: () => zip({ ...A, localCrc: 1 }),
    expect: ["zip-header-mismatch"],
  },
  {
    name: "local uncompressed size differs with bit 3 clear",
    bytes: () => zip({ ...A, localUsize: 7 }),
    expect: ["zip-header-mismatch"],
  },
  {
    name: "bit 3 with local values neither zero nor central",
    bytes: () => zip({ ...B, flags: 8, localCrc: 5, descriptor: "signed" }),
    expect: ["zip-header-mismatch"],
  },
  {
    name: "bit 3 without a descriptor",
    bytes: () => zip({ ...B, flags: 8, localCrc: 0, localCsize: 0, localUsize: 0 }),
    expect: ["zip-header-mismatch"],
  },
  {
    name: "descriptor with another CRC-32",
    bytes: () =>
      zip({
        ...B,
        flags: 8,
        localCrc: 0,
        localCsize: 0,
        localUsize: 0,
        descriptor: "signed",
        descriptorCrc: 9,
      }),
    expect: ["zip-header-mismatch"],
  },
  {
    name: "24-byte descriptor where the 16-byte form is due",
    bytes: () =>
      zip({ ...B, flags: 8, localCrc: 0, localCsize: 0, localUsize: 0, descriptor: "wide-signed" }),
    expect: ["zip-gap", "zip-header-mismatch"],
  },
  {
    name: "bit 3 on a directory entry",
    bytes: () => zip({ ...DIR, flags: 8, descriptor: "signed" }),
    expect: ["zip-header-mismatch"],
  },
  {
    name: "stored entry with different sizes",
    bytes: () => zip({ ...A, usize: 9, localUsize: 9 }),
    expect: ["zip-size-mismatch"],
  },
];

for (const c of CLEAN) {
  Deno.test(`reader accepts ${c.name}`, async () => {
    const a = await read(c.bytes(), c.options);
    assert.deepEqual(codes(a), c.expect);
    assert.equal(a.fatal, false);
    assert.ok(a.entries.every((e) => e.readable));
  });
}

for (const c of HOSTILE) {
  Deno.test(`reader reports ${c.expect.join(" + ")} for ${c.name}`, async () => {
    const a = await read(c.bytes(), c.options);
    assert.deepEqual(codes(a), [...c.expect].sort());
    assert.equal(a.fatal, c.fatal === true);
    if (a.fatal) assert.equal(a.entries.length, 0);
  });
}

Deno.test("reader marks entries with entry-level problems unreadable and names them", async () => {
  const a = await read(zip(A, { ...B, method: 12 }, { name: "c.txt", content: text("c"), flags: 1 }));
  assert.deepEqual(a.entries.map((e) => e.readable), [true, false, false]);
  assert.deepEqual(a.problems.map((p) => [p.code, p.member]), [
    ["zip-unsupported-method", "b.txt"],
    ["zip-encrypted", "c.txt"],
  ]);
});

Deno.test("reader keeps entries readable after zip-gap and zip-leading-data", async () => {
  const a = await read(buildZip({ entries: [A, B], prefix: new Uint8Array(3), gapAfter: { 0: text("x") } }));
  assert.deepEqual(codes(a), ["zip-gap", "zip-leading-data"]);
  assert.ok(a.entries.every((e) => e.readable));
  assert.equal(a.prefixBytes, 3);
});

Deno.test("reader reports and marks both entries of an overlap, once each", async () => {
  const a = await read(
    zip(A, B, { ...A, offset: 0, omitLocal: true }, { ...A, name: "x", offset: 0, omitLocal: true }),
  );
  assert.deepEqual(a.entries.map((e) => e.readable), [false, true, false, false]);
  assert.deepEqual(a.problems.filter((p) => p.code === "zip-overlap").map((p) => p.member), [
    "a.txt",
    "a.txt",
    "x",
  ]);
});

Deno.test("reader reports limit-total-bytes once and flags the archive", async () => {
  const a = await read(zip(A, B, A), { limits: { maxMembers: 0, maxTotalBytes: 10, maxRatio: 100 } });
  assert.equal(a.problems.filter((p) => p.code === "limit-total-bytes").length, 1);
  assert.equal(a.overTotalBytes, true);
  assert.equal(a.totalUncompressedBytes, 6 + 24 + 6);
});

Deno.test("reader limits are disabled by 0", async () => {
  const bytes = zip({ name: "zeros", content: new Uint8Array(2 * MIB), deflate: true }, A, B);
  const a = await read(bytes, { limits: { maxMembers: 0, maxTotalBytes: 0, maxRatio: 0 } });
  assert.deepEqual(codes(a), []);
});

Deno.test("reader accepts a higher --max-ratio for the 2 MiB run of zeros", async () => {
  const bytes = zip({ name: "zeros", content: new Uint8Array(2 * MIB), deflate: true });
  const a = await read(bytes, { limits: { ...ANPKG_LIMITS, maxRatio: 5000 } });
  assert.deepEqual(codes(a), []);
});

Deno.test("reader checks --max-members before parsing the directory", async () => {
  // 3 entries claimed, directory garbage: the member limit is reported, nothing else.
  const b = buildZip({ entries: [A, B, A] });
  const cdOffset = b[b.length - 22 + 16]! | (b[b.length - 22 + 17]! << 8);
  b.fill(0, cdOffset, b.length - 22);
  const a = await read(b, { limits: { ...AMOD_LIMITS, maxMembers: 2 } });
  assert.deepEqual(codes(a), ["limit-members"]);
});

Deno.test("reader derives kind, mode and host from the central header", async () => {
  const a = await read(zip(
    { name: "d/", external: 0x41ed0010 },
    { name: "f", content: text("x"), external: 0x81a40000 },
    { name: "l", content: text("f"), external: 0xa1ff0000 },
    { name: "p", external: 0x11a40000 },
    { name: "t", content: text("x"), external: 0x01a40000 },
    { name: "dos", external: 0x10, versionMadeBy: 0x0014 },
    { name: "w", content: text("x"), external: 0x20, versionMadeBy: 0x0014 },
    { name: "u", external: 0x41ed0000 },
  ));
  assert.deepEqual(
    a.entries.map((e) => [e.name, e.kind, e.unixMode, e.host]),
    [
      ["d/", "directory", 0o40755, 3],
      ["f", "file", 0o100644, 3],
      ["l", "symlink", 0o120777, 3],
      ["p", "other", 0o10644, 3],
      ["t", "file", 0o644, 3],
      ["dos", "directory", null, 0],
      ["w", "file", null, 0],
      ["u", "directory", 0o40755, 3],
    ],
  );
});

Deno.test("reader reports name-not-utf8 with a null name and a display form", async () => {
  const a = await read(zip({ name: cat(text("payload/.agentmod/"), new Uint8Array([0xff])), flags: 0x0800 }));
  const e = a.entries[0]!;
  assert.equal(e.name, null);
  assert.equal(e.displayName, "payload/.agentmod/\ufffd");
  assert.equal(a.problems[0]!.member, "payload/.agentmod/\ufffd");
  assert.equal(e.readable, false);
});

Deno.test("reader finds the last end record whose comment fits", async () => {
  // A comment that itself contains an end record signature with a comment length that does not fit.
  const fake = cat(
    new Uint8Array([0x50, 0x4b, 0x05, 0x06]),
    new Uint8Array(16),
    new Uint8Array([0xff, 0xff]),
  );
  const a = await read(buildZip({ entries: [A], comment: fake }));
  assert.deepEqual(codes(a), ["zip-comment"]);
  assert.equal(a.entries.length, 1);
});

Deno.test("reader reads through a file source", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, zip(A, B, DIR));
    using file = await Deno.open(path);
    const a = await readZip(fileSource(file, (await file.stat()).size), { limits: AMOD_LIMITS });
    assert.deepEqual(codes(a), []);
    assert.deepEqual(a.entries.map((e) => e.name), ["a.txt", "b.txt", "d/"]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("reader never throws on a truncation at any offset", async () => {
  const bytes = buildZip({
    entries: [A, { ...B, flags: 8, localCrc: 0, localCsize: 0, localUsize: 0, descriptor: "signed" }, DIR],
    zip64: true,
  });
  for (let n = 0; n <= bytes.length; n++) {
    const a = await read(bytes.subarray(0, n));
    if (n < bytes.length) assert.ok(a.problems.length > 0, `truncated at ${n}`);
  }
});

Deno.test("reader handles 100 000 entries each claiming 4 GiB without decoding or allocating for them", async () => {
  const entry = (i: number): EntrySpec => ({
    name: `big${i}`,
    content: new Uint8Array(0),
    method: 8,
    data: new Uint8Array([3, 0]),
    usize: 0xffffffff,
    localUsize: 0xffffffff,
    centralExtra: extraBlock(1, u64s(4 * 1024 * MIB)),
    localExtra: extraBlock(1, u64s(4 * 1024 * MIB, 2)),
  });
  const bytes = buildZip({ entries: Array.from({ length: 100_000 }, (_, i) => entry(i)), zip64: true });
  const before = Deno.memoryUsage().heapUsed;
  const a = await read(bytes);
  const grown = Deno.memoryUsage().heapUsed - before;
  assert.equal(a.entries.length, 100_000);
  assert.equal(a.overTotalBytes, true);
  assert.equal(a.totalUncompressedBytes, 100_000 * 4 * 1024 * MIB);
  assert.equal(a.problems.filter((p) => p.code === "limit-total-bytes").length, 1);
  assert.equal(a.problems.filter((p) => p.code === "limit-ratio").length, 100_000);
  assert.equal(a.problems.length, 100_001);
  // Entries and problems only: well under what a single declared size would need.
  assert.ok(grown < 512 * MIB, `heap grew by ${grown} bytes`);
});
