import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { codeInfo } from "../../lib/report/codes.ts";
import { compareCodePoints } from "../../lib/report/report.ts";
import { decodeEntry } from "../../lib/zip/decode.ts";
import { AMOD_LIMITS, ANPKG_LIMITS } from "../../lib/zip/limits.ts";
import { readZip } from "../../lib/zip/read.ts";
import { bytesSource } from "../../lib/zip/source.ts";
import { writeStoredZip } from "../../lib/zip/stored.ts";
import { memorySink, ZipWriter } from "../../lib/zip/write.ts";
import { buildZip, cat, extraBlock, u64s } from "./_build.ts";

const RUNS = Number(Deno.env.get("HANDOFF_PROPERTY_RUNS") ?? "100") || 100;
const T = 1781181045;
const enc = new TextEncoder();

const segment = fc.stringMatching(/^[a-zA-Z0-9._~é€\u{1F600}-]{1,8}$/u).filter((s) =>
  s !== "." && s !== ".."
);

interface Member {
  name: string;
  kind: "file" | "directory" | "symlink";
  perm: number;
  data: Uint8Array;
}

const members = fc
  .uniqueArray(
    fc.record({
      path: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join("/")),
      kind: fc.constantFrom("file", "directory", "symlink"),
      perm: fc.integer({ min: 0, max: 0o777 }),
      data: fc.oneof(
        fc.uint8Array({ maxLength: 2000 }),
        fc.string({ maxLength: 300 }).map((s) => enc.encode(s.repeat(5))),
      ),
    }),
    { selector: (m) => m.path, maxLength: 20 },
  )
  .map((list) =>
    list.map((m): Member => ({
      name: m.kind === "directory" ? `${m.path}/` : m.path,
      kind: m.kind as Member["kind"],
      perm: m.perm,
      data: m.kind === "directory" ? new Uint8Array(0) : m.data,
    }))
  );

async function contentsOf(bytes: Uint8Array) {
  const source = bytesSource(bytes);
  const archive = await readZip(source, { limits: AMOD_LIMITS, requireUnixHost: true });
  const out = [];
  for (const e of archive.entries) {
    const parts: Uint8Array[] = [];
    const o = await decodeEntry(source, e, (c) => void parts.push(c.slice()));
    out.push({
      name: e.name,
      kind: e.kind,
      perm: (e.unixMode ?? 0) & 0o777,
      data: cat(...parts),
      status: o.status,
    });
  }
  return { problems: archive.problems, entries: out };
}

Deno.test("property: the streaming writer's archives read back with the same members", async () => {
  await fc.assert(
    fc.asyncProperty(members, async (list) => {
      const sink = memorySink();
      const w = new ZipWriter(sink, { time: T });
      for (const m of list) {
        if (m.kind === "directory") await w.addDirectory(m.name, m.perm);
        else if (m.kind === "symlink") await w.addSymlink(m.name, m.data, m.perm);
        else await w.addFile(m.name, m.perm, m.data);
      }
      await w.finish();
      const back = await contentsOf(sink.bytes());
      assert.deepEqual(back.problems, []);
      assert.deepEqual(
        back.entries,
        list.map((m) => ({ name: m.name, kind: m.kind, perm: m.perm, data: m.data, status: "ok" })),
      );
    }),
    { numRuns: RUNS },
  );
});

Deno.test("property: the stored writer's archives read back with the same members, sorted", async () => {
  await fc.assert(
    fc.asyncProperty(members, async (list) => {
      const files = list.filter((m) => m.kind === "file").map((m) => ({ name: m.name, data: m.data }));
      const r = writeStoredZip(files);
      assert.ok(r.ok);
      const back = await contentsOf(r.bytes);
      assert.deepEqual(back.problems, []);
      const names = back.entries.map((e) => e.name!);
      assert.deepEqual(names, files.map((f) => f.name).sort(compareCodePoints));
      for (const f of files) assert.deepEqual(back.entries.find((e) => e.name === f.name)!.data, f.data);
    }),
    { numRuns: RUNS },
  );
});

async function seeds(): Promise<Uint8Array[]> {
  const sink = memorySink();
  const w = new ZipWriter(sink, { time: T });
  await w.addDirectory("payload/.agentmod/", 0o755);
  await w.addFile("payload/.agentmod/agentmod.toml", 0o644, enc.encode("schema_version = 1\n".repeat(20)));
  await w.addSymlink("payload/.agentmod/l", "agentmod.toml", 0o777);
  await w.addFile("manifest.json", 0o644, enc.encode("{}\n"));
  await w.finish();
  const stored = writeStoredZip([
    { name: "machine-profile.yaml", data: enc.encode("a: 1\n") },
    { name: "providers/sim0.yaml", data: enc.encode("b: 2\n") },
  ]);
  assert.ok(stored.ok);
  const zip64 = buildZip({
    entries: [
      {
        name: "a",
        content: enc.encode("alpha alpha alpha"),
        deflate: true,
        flags: 8,
        descriptor: "unsigned",
      },
      {
        name: "z",
        content: enc.encode("zz"),
        usize: 0xffffffff,
        csize: 0xffffffff,
        localUsize: 2,
        localCsize: 2,
        centralExtra: extraBlock(1, u64s(2, 2)),
      },
    ],
    zip64: true,
  });
  const out = [sink.bytes(), stored.bytes, zip64];
  // The amod.md example fixture, when the shared folder is present (V24).
  try {
    out.push(
      await Deno.readFile(
        new URL(
          "../../../shared/fixtures/amod/layout-example/demo-project-20260611-123045.amod",
          import.meta.url,
        ),
      ),
    );
  } catch {
    // absent: the three built seeds suffice
  }
  return out;
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    kind: fc.constant("overwrite" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = bytes.length === 0 ? 0 : m.at % bytes.length;
  switch (m.kind) {
    case "flip": {
      const b = bytes.slice();
      if (b.length > 0) b[at]! ^= 1 << m.bit;
      return b;
    }
    case "truncate":
      return bytes.slice(0, at);
    case "insert":
      return cat(bytes.subarray(0, at), m.bytes, bytes.subarray(at));
    case "delete":
      return cat(bytes.subarray(0, at), bytes.subarray(at + m.count));
    case "overwrite": {
      const b = bytes.slice();
      b.set(m.bytes.subarray(0, Math.max(0, b.length - at)), at);
      return b;
    }
  }
}

Deno.test("property: mutated archives never throw or hang, and every problem code is registered", async () => {
  const bases = await seeds();
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: bases.length - 1 }),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      async (which, mutations, anpkg) => {
        let bytes = bases[which]!;
        for (const m of mutations) bytes = mutate(bytes, m);
        const source = bytesSource(bytes);
        const archive = await readZip(source, {
          limits: anpkg ? ANPKG_LIMITS : AMOD_LIMITS,
          requireUnixHost: !anpkg,
        });
        const problems = [...archive.problems];
        for (const e of archive.entries) {
          if (!e.readable) continue;
          const o = await decodeEntry(source, e, () => {});
          if (o.status === "problem") problems.push(o.problem);
        }
        for (const p of problems) {
          assert.ok(codeInfo(p.code) !== undefined, p.code);
          assert.equal(p.severity, "error");
          assert.ok(!p.message.endsWith("."), p.message);
          assert.ok(!/[\r\n]/.test(p.message), p.message);
        }
        if (archive.fatal) assert.equal(archive.entries.length, 0);
      },
    ),
    { numRuns: RUNS * 10 },
  );
});
