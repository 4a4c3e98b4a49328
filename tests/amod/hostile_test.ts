// deno-lint-ignore-file no-import-prefix -- the project pins every dependency in source (no import map)
import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { amodReport, verifySnapshot } from "../../lib/amod/verify.ts";
import { openArchiveSource, type SnapshotHandle } from "../../lib/amod/open.ts";
import { codeInfo } from "../../lib/report/codes.ts";
import { put16, put32 } from "../../lib/zip/format.ts";
import { AMOD_LIMITS, type ZipLimits } from "../../lib/zip/limits.ts";
import { bytesSource } from "../../lib/zip/source.ts";
import { readZip } from "../../lib/zip/read.ts";
import { renderInventory } from "../../lib/amod/json.ts";
import { hasPython } from "../helpers/python.ts";
import { FIXTURE_DIR, FIXTURE_EXISTS } from "./fixture.ts";
import {
  adding,
  buildArchive,
  cat,
  codes,
  extraBlock,
  find,
  fixtureBytes,
  fixtureMembers,
  nameOf,
  patch,
  tempArchive,
  timestampBlock,
  utf8,
  validateBytes,
  withContent,
  withLists,
} from "./_tamper.ts";

const ignore = !FIXTURE_EXISTS;
const RUNS = Number(Deno.env.get("HANDOFF_PROPERTY_RUNS") ?? "100");
const NOTES = "payload/.agentmod/claude/notes.md";
const dec = new TextDecoder();

/** Offset of the local header of a member in archive bytes. */
async function localOffset(bytes: Uint8Array, name: string): Promise<number> {
  const archive = await readZip(bytesSource(bytes), { limits: AMOD_LIMITS });
  return archive.entries.find((e) => e.name === name)!.localHeaderOffset;
}

/** The end record of a built archive (its last 22 bytes) patched by `edit`. */
function patchEnd(bytes: Uint8Array, edit: (end: Uint8Array) => void): Uint8Array {
  const out = bytes.slice();
  edit(out.subarray(out.length - 22));
  return out;
}

interface ContainerCase {
  readonly name: string;
  readonly build: () => Promise<Uint8Array>;
  readonly expect: readonly string[];
  readonly limits?: ZipLimits;
}

const CONTAINER_CASES: readonly ContainerCase[] = [
  {
    name: "V16 two central entries sharing one local header",
    build: async () => {
      const m = await fixtureMembers();
      return buildArchive(m, { sharedLocals: [{ of: m.findIndex((x) => nameOf(x) === NOTES) }] });
    },
    // Each entry involved in the overlap gets its own zip-overlap.
    expect: ["zip-overlap", "zip-overlap", "duplicate-member"],
  },
  {
    name: "V16 two central entries sharing one local header under different names",
    build: async () => {
      const m = await fixtureMembers();
      return buildArchive(m, {
        sharedLocals: [{
          of: m.findIndex((x) => nameOf(x) === NOTES),
          name: "payload/.agentmod/claude/other.md",
        }],
      });
    },
    expect: [
      "zip-header-mismatch",
      "zip-overlap",
      "zip-overlap",
      "checksums-unlisted-member",
      "inventory-unlisted-member",
    ],
  },
  {
    name: "V17 100 bytes prepended",
    build: async () => cat(new Uint8Array(100).fill(0x41), await fixtureBytes()),
    expect: ["zip-leading-data"],
  },
  {
    name: "V17 10 bytes appended",
    build: async () => cat(await fixtureBytes(), new Uint8Array(10)),
    expect: ["zip-trailing-data"],
  },
  {
    name: "V17 a 5-byte archive comment",
    build: async () => cat(patchEnd(await fixtureBytes(), (e) => put16(e, 20, 5)), utf8("hello")),
    expect: ["zip-comment"],
  },
  {
    name: "V18 method 12",
    build: async () => buildArchive(patch(await fixtureMembers(), NOTES, { method: 12 })),
    expect: ["zip-unsupported-method"],
  },
  {
    name: "V18 flag bit 0 (encrypted)",
    build: async () => buildArchive(patch(await fixtureMembers(), NOTES, { flags: 0x0009 })),
    expect: ["zip-encrypted"],
  },
  {
    name: "V18 flag bit 5",
    build: async () => buildArchive(patch(await fixtureMembers(), NOTES, { flags: 0x0028 })),
    expect: ["zip-unsupported-flags"],
  },
  {
    name: "V19 a local name that differs from the central name",
    build: async () =>
      buildArchive(patch(await fixtureMembers(), NOTES, { localName: "payload/.agentmod/claude/NOTES.md" })),
    expect: ["zip-header-mismatch"],
  },
  {
    name: "V19 a declared uncompressed size larger than the data (lists regenerated)",
    build: async () => {
      const m = await withLists(await fixtureMembers());
      return buildArchive(patch(m, NOTES, { usize: find(m, NOTES).content.length + 5 }));
    },
    expect: ["zip-size-mismatch"],
  },
  {
    name: "V20 an Info-ZIP Unicode Path block",
    build: async () =>
      buildArchive(patch(await fixtureMembers(), NOTES, {
        centralExtra: cat(timestampBlock(), extraBlock(0x7075, cat(new Uint8Array(5), utf8("x.md")))),
      })),
    expect: ["zip-unicode-path-field"],
  },
  {
    name: "V21 more members than --max-members 5",
    build: fixtureBytes,
    limits: { ...AMOD_LIMITS, maxMembers: 5 },
    expect: ["limit-members"],
  },
  {
    name: "V22 random garbage",
    build: () => Promise.resolve(Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)),
    expect: ["zip-no-end-record"],
  },
  {
    name: "V22 an empty file",
    build: () => Promise.resolve(new Uint8Array(0)),
    expect: ["zip-no-end-record"],
  },
  {
    name: "V22 the fixture truncated to half",
    build: async () => {
      const b = await fixtureBytes();
      return b.subarray(0, b.length >> 1);
    },
    expect: ["zip-no-end-record"],
  },
  {
    name: "a disk number in the end record",
    build: async () => patchEnd(await fixtureBytes(), (e) => put16(e, 4, 1)),
    expect: ["zip-multi-disk"],
  },
  {
    name: "a zip64 locator without a zip64 end record",
    build: async () => {
      const b = await fixtureBytes();
      const locator = new Uint8Array(20);
      put32(locator, 0, 0x07064b50);
      put32(locator, 16, 1);
      return cat(b.subarray(0, b.length - 22), locator, b.subarray(b.length - 22));
    },
    expect: ["zip64-invalid"],
  },
  {
    name: "an end record that counts one entry too few",
    build: async () =>
      patchEnd(await fixtureBytes(), (e) => {
        put16(e, 8, 24);
        put16(e, 10, 24);
      }),
    expect: ["zip-central-directory-invalid"],
  },
  {
    name: "a member from a non-Unix host",
    build: async () => buildArchive(patch(await fixtureMembers(), NOTES, { versionMadeBy: 0x0014 })),
    expect: ["zip-host-unsupported"],
  },
  {
    name: "a central extra area that is not a sequence of blocks",
    build: async () =>
      buildArchive(
        patch(await fixtureMembers(), NOTES, { centralExtra: cat(timestampBlock(), utf8("abc")) }),
      ),
    expect: ["zip-extra-field-invalid"],
  },
  {
    name: "a local header signature destroyed",
    build: async () => {
      const b = await fixtureBytes();
      const at = await localOffset(b, NOTES);
      const out = b.slice();
      out[at] = 0x51;
      return out;
    },
    // Its bytes then belong to no entry.
    expect: ["zip-local-header-invalid", "zip-gap"],
  },
  {
    name: "a declared CRC-32 that differs from the data",
    build: async () => buildArchive(patch(await fixtureMembers(), NOTES, { crc: 0x12345678 })),
    expect: ["zip-crc-mismatch"],
  },
  {
    name: "a malformed deflate stream",
    build: async () => buildArchive(patch(await fixtureMembers(), NOTES, { data: new Uint8Array([0x07]) })),
    expect: ["zip-deflate-invalid"],
  },
  {
    name: "bytes between two entries",
    build: async () => buildArchive(await fixtureMembers(), { gapAfter: { 3: new Uint8Array(7) } }),
    expect: ["zip-gap"],
  },
  {
    name: "a stored member whose sizes disagree",
    build: async () =>
      buildArchive(patch(await fixtureMembers(), NOTES, {
        method: 0,
        usize: find(await fixtureMembers(), NOTES).content.length + 1,
      })),
    expect: ["zip-size-mismatch"],
  },
];

for (const c of CONTAINER_CASES) {
  Deno.test({
    name: `validate reports exactly ${c.expect.join(", ")} for ${c.name}`,
    ignore,
    async fn() {
      const r = await validateBytes(await c.build(), c.limits ?? AMOD_LIMITS);
      assert.deepEqual([...codes(r)].sort(), [...c.expect].sort());
      // Report order is the table order of §5.3.
      const { codeRank } = await import("../../lib/report/codes.ts");
      const ranks = r.problems.map((p) => codeRank("amod", p.code));
      assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
      assert.equal(r.valid, false);
    },
  });
}

Deno.test({
  name: "validate of a fatal container problem has no summary, manifest or plan",
  ignore,
  async fn() {
    const r = await validateBytes(await fixtureBytes(), { ...AMOD_LIMITS, maxMembers: 5 });
    assert.equal(r.summary, null);
    assert.equal(r.manifest, null);
  },
});

/** Records which entries a handle was asked to read. */
function spy(handle: SnapshotHandle, reads: string[]): SnapshotHandle {
  return {
    ...handle,
    read: (e, sink, options) => {
      reads.push(e.displayName);
      return handle.read(e, sink, options);
    },
    close: () => handle.close(),
  };
}

async function verifyWithSpy(
  bytes: Uint8Array,
  limits: ZipLimits,
): Promise<{ codes: string[]; reads: string[] }> {
  const reads: string[] = [];
  const handle = spy(await openArchiveSource(bytesSource(bytes), "z.amod", limits), reads);
  const v = await verifySnapshot(handle, { limits, operation: "validate" });
  return { codes: codes(amodReport("validate", "z.amod", "archive", v.problems, v, null)), reads };
}

const GIB = 1024 * 1024 * 1024;
const ZEROS = "payload/.agentmod/zeros.bin";

/**
 * The fixture plus one member holding a 1 GiB run of zeros, deflated (about 1 MiB: a full-flushed
 * deflate of 1 MiB of zeros repeated 1024 times, then a final empty block), with lists that record
 * its true size and SHA-256.
 */
async function zerosArchive(): Promise<Uint8Array> {
  const zlib = await import("node:zlib");
  const { createHash } = await import("node:crypto");
  const { nativeCrc32 } = await import("../../lib/zip/crc32.ts");
  const mib = new Uint8Array(1024 * 1024);
  const block = zlib.deflateRawSync(mib, { finishFlush: zlib.constants.Z_FULL_FLUSH });
  const data = new Uint8Array(block.length * 1024 + 2);
  for (let i = 0; i < 1024; i++) data.set(block, i * block.length);
  data.set([0x03, 0x00], block.length * 1024);
  const crc = await nativeCrc32();
  const hash = createHash("sha256");
  let c = 0;
  for (let i = 0; i < 1024; i++) {
    c = crc(mib, c);
    hash.update(mib);
  }
  const sha = hash.digest("hex");
  const members = await withLists(adding(await fixtureMembers(), {
    name: ZEROS,
    mode: 0o100644,
    content: new Uint8Array(0),
    data,
    usize: GIB,
    crc: c,
  }));
  const inv = JSON.parse(dec.decode(find(members, "inventory.json").content));
  for (const f of inv.files) {
    if (f.path === ZEROS) Object.assign(f, { size: GIB, sha256: sha });
  }
  const fixed = await withLists(withContent(members, "inventory.json", renderInventory(inv.files)), {
    inventory: false,
  });
  const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const sums = dec.decode(find(fixed, "checksums.txt").content).replace(
    `${empty}  ${ZEROS}`,
    `${sha}  ${ZEROS}`,
  );
  return buildArchive(withContent(fixed, "checksums.txt", sums));
}

Deno.test({
  name:
    "validate refuses a 1 GiB run of zeros by limit-ratio, limit-total-bytes or limit-members without decoding it (V21)",
  ignore,
  async fn() {
    const bytes = await zerosArchive();
    assert.ok(bytes.length < 2 * 1024 * 1024, `${bytes.length} bytes`);

    const ratio = await verifyWithSpy(bytes, AMOD_LIMITS);
    assert.deepEqual(ratio.codes, ["limit-ratio"]);
    assert.ok(!ratio.reads.includes(ZEROS));

    const total = await verifyWithSpy(bytes, { ...AMOD_LIMITS, maxTotalBytes: 1024 * 1024, maxRatio: 0 });
    assert.deepEqual(total.codes, ["limit-total-bytes"]);
    // Only the root members are read.
    assert.deepEqual(total.reads.sort(), [
      "HANDOFF.md",
      "REDACTION.md",
      "RESTORE.md",
      "checksums.txt",
      "inventory.json",
      "manifest.json",
    ]);

    const members = await verifyWithSpy(bytes, { ...AMOD_LIMITS, maxMembers: 5 });
    assert.deepEqual(members.codes, ["limit-members"]);
    assert.deepEqual(members.reads, []);

    // The stream is genuine: with the ratio limit off, everything decodes and checks out.
    const all = await verifyWithSpy(bytes, { ...AMOD_LIMITS, maxRatio: 0 });
    assert.deepEqual(all.codes, []);
    assert.ok(all.reads.includes(ZEROS));
  },
});

/** One random mutation of an archive. */
type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "set32"; at: number; value: number };

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out: Uint8Array = bytes.slice();
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    switch (m.kind) {
      case "flip":
        out[at]! ^= 1 << m.bit;
        break;
      case "truncate":
        out = out.subarray(0, at);
        break;
      case "insert":
        out = cat(out.subarray(0, at), m.bytes, out.subarray(at));
        break;
      case "set32":
        if (at + 4 <= out.length) put32(out, at, m.value);
        break;
    }
  }
  return out;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
  fc.record({
    kind: fc.constant("set32" as const),
    at: fc.nat(),
    value: fc.oneof(fc.constant(0xffffffff), fc.constant(0), fc.nat()),
  }),
);

Deno.test({
  name:
    "validate never throws or hangs on random mutations of the fixture, and reports only registered codes (V24)",
  ignore,
  async fn() {
    const fixture = await fixtureBytes();
    const rebuilt = buildArchive(await withLists(await fixtureMembers()));
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        async (which, muts) => {
          const bytes = mutate(which ? fixture : rebuilt, muts);
          const r = await validateBytes(bytes);
          for (const p of r.problems) {
            assert.ok(codeInfo(p.code)?.formats.includes("amod"), p.code);
            assert.ok(!/[\r\n]/.test(p.message));
          }
          assert.equal(r.valid, r.errors === 0);
          assert.equal(r.errors + r.warnings, r.problems.length);
        },
      ),
      { numRuns: RUNS, timeout: 10_000 },
    );
  },
});

Deno.test({
  name: "the rebuilt fixture is accepted by the reference reader's checks",
  ignore: ignore || !(await hasPython()),
  async fn() {
    const path = await tempArchive(buildArchive(await withLists(await fixtureMembers())));
    const script = new URL("../make_example.py", FIXTURE_DIR).pathname;
    const out = await new Deno.Command("python3", { args: [script, "--check", path], stdout: "piped" })
      .output();
    assert.ok(out.success);
    assert.match(dec.decode(out.stdout), /^OK: 25 members, 15 verified; plan dirs=9 files=9 links=1/);
  },
});
