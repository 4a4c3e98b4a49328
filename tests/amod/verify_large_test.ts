/**
 * V25: archives of 70 000 members — one written by the toolkit's writer, one by Python's
 * `zipfile` — validate with the default limits, through zip64 end records. Slower than the other
 * tests (a few seconds each), so it lives in its own file.
 */
import assert from "node:assert/strict";
import { formatMode, type InventoryEntry, renderInventory, renderManifest } from "../../lib/amod/json.ts";
import { validateSnapshot } from "../../lib/amod/verify.ts";
import { compareCodePoints } from "../../lib/report/report.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import { readZip } from "../../lib/zip/read.ts";
import { bytesSource } from "../../lib/zip/source.ts";
import { memorySink, ZipWriter } from "../../lib/zip/write.ts";
import { hasPython } from "../helpers/python.ts";
import { codes } from "./_tamper.ts";
import { countingWorkers } from "../helpers/workers.ts";

const MEMBERS = 70_000;
const DIRS = 100;
/** Root documents (6), `.agentmod/`, the marker and the directories; the rest are files. */
const FILES = MEMBERS - 6 - 2 - DIRS;
const enc = new TextEncoder();

interface Planned {
  name: string;
  kind: "dir" | "file";
  content: Uint8Array;
}

/** The payload in walk order: `.agentmod/`, the marker, then each directory with its files. */
function payload(): Planned[] {
  const out: Planned[] = [
    { name: "payload/.agentmod/", kind: "dir", content: new Uint8Array(0) },
    { name: "payload/.agentmod/agentmod.toml", kind: "file", content: enc.encode("schema_version = 1\n") },
  ];
  const perDir = Math.ceil(FILES / DIRS);
  let n = 0;
  for (let d = 0; d < DIRS; d++) {
    const dir = `payload/.agentmod/d${String(d).padStart(3, "0")}/`;
    out.push({ name: dir, kind: "dir", content: new Uint8Array(0) });
    for (let f = 0; f < perDir && n < FILES; f++, n++) {
      out.push({
        name: `${dir}f${String(f).padStart(4, "0")}.md`,
        kind: "file",
        content: enc.encode(`file ${n}\n`),
      });
    }
  }
  return out;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update(bytes).digest("hex");
}

/** The six root documents for a payload, with consistent lists. */
async function rootDocs(files: readonly Planned[]): Promise<[string, Uint8Array][]> {
  const entries: InventoryEntry[] = [];
  for (const f of files) {
    if (f.kind !== "file") continue;
    entries.push({
      path: f.name,
      size: f.content.length,
      sha256: await sha256(f.content),
      mode: formatMode(0o644),
    });
  }
  const docs: [string, Uint8Array][] = [
    [
      "manifest.json",
      enc.encode(renderManifest({
        schema_version: 1,
        created_at: "2026-06-11T12:30:45Z",
        agentmod_version: "test-version",
        platform: "testos/testarch",
      })),
    ],
    ["inventory.json", enc.encode(renderInventory(entries))],
    [
      "REDACTION.md",
      enc.encode("# Redaction report\n\n## Excluded from the payload\n\n## Secret-candidate scan\n"),
    ],
    ["HANDOFF.md", enc.encode("# Handoff\n")],
    ["RESTORE.md", enc.encode("# Restore\n")],
  ];
  let sums = "";
  for (const [name, bytes] of docs) sums += `${await sha256(bytes)}  ${name}\n`;
  for (const e of [...entries].sort((a, b) => compareCodePoints(a.path, b.path))) {
    sums += `${e.sha256}  ${e.path}\n`;
  }
  docs.push(["checksums.txt", enc.encode(sums)]);
  return docs;
}

async function checkLarge(path: string, bytes: Uint8Array): Promise<void> {
  const archive = await readZip(bytesSource(bytes), { limits: AMOD_LIMITS });
  assert.equal(archive.zip64, true);
  assert.equal(archive.entries.length, MEMBERS);
  const started = performance.now();
  const r = await validateSnapshot(path, { limits: AMOD_LIMITS });
  const ms = performance.now() - started;
  assert.deepEqual(codes(r), []);
  assert.deepEqual(r.summary, {
    members: MEMBERS,
    payload_files: FILES + 1,
    payload_bytes: r.summary!.payload_bytes,
    payload_dirs: DIRS + 1,
    checked: FILES + 1 + 5,
    plan: { dirs: DIRS + 1, files: FILES + 1, links: 0 },
  });
  // Measured on the CI machine class: ~2–4 s; the bound only catches a pathological regression.
  assert.ok(ms < 60_000, `validation took ${ms} ms`);
}

Deno.test("validate accepts 70 000 members written by the toolkit's writer, through zip64 end records (V25)", async () => {
  const files = payload();
  const sink = memorySink();
  const w = new ZipWriter(sink, { time: 1781181045 });
  for (const f of files) {
    if (f.kind === "dir") await w.addDirectory(f.name, 0o755);
    else await w.addFile(f.name, 0o644, f.content);
  }
  for (const [name, bytes] of await rootDocs(files)) await w.addFile(name, 0o644, bytes);
  const done = await w.finish();
  assert.equal(done.zip64, true);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/large.amod`;
    await Deno.writeFile(path, sink.bytes());
    await checkLarge(path, sink.bytes());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const PYTHON_WRITER = `
import sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with open(src, "rb") as f:
    data = f.read()
# Records: name NUL kind NUL length NUL bytes.
items, at = [], 0
while at < len(data):
    n = data.index(b"\\0", at); name = data[at:n].decode(); at = n + 1
    k = data.index(b"\\0", at); kind = data[at:k].decode(); at = k + 1
    l = data.index(b"\\0", at); size = int(data[at:l]); at = l + 1
    items.append((name, kind, data[at:at + size])); at += size
with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
    for name, kind, content in items:
        info = zipfile.ZipInfo(name, date_time=(2026, 6, 11, 12, 30, 44))
        info.create_system = 3
        if kind == "dir":
            info.external_attr = (0o40755 << 16) | 0x10
            info.compress_type = zipfile.ZIP_STORED
        else:
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, content)
`;

Deno.test({
  name:
    "validate accepts 70 000 members written by Python's zipfile (real sizes in local headers, no descriptors) (V25)",
  ignore: !(await hasPython()),
  async fn() {
    const files = payload();
    const all: Planned[] = [...files];
    for (const [name, content] of await rootDocs(files)) all.push({ name, kind: "file", content });
    const parts: Uint8Array[] = [];
    for (const f of all) parts.push(enc.encode(`${f.name}\0${f.kind}\0${f.content.length}\0`), f.content);
    const input = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      input.set(p, at);
      at += p.length;
    }
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeFile(`${dir}/items.bin`, input);
      const path = `${dir}/python.amod`;
      const out = await new Deno.Command("python3", {
        args: ["-c", PYTHON_WRITER, `${dir}/items.bin`, path],
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      await checkLarge(path, await Deno.readFile(path));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a file past the threading bound is hashed on a thread, in a .amod and in a tree package", async () => {
  const { createSnapshot } = await import("../../lib/amod/snapshot.ts");
  const { createTreePackage } = await import("../../lib/amod/tree.ts");
  const { THREAD_DIGEST_BYTES } = await import("../../lib/digest.ts");
  const { makeProject, minimalTree, removeProject, TEST_OPTIONS } = await import("./_trees.ts");
  const root = await makeProject(minimalTree());
  try {
    await countingWorkers(async (started) => {
      // Numbered lines: compressible, but well under the ratio limit.
      const big = new Uint8Array(THREAD_DIGEST_BYTES + 12345);
      const line = enc.encode("line 0000000 of a long session log, long enough to be worth keeping\n");
      for (let at = 0, n = 0; at < big.length; at += line.length, n++) {
        enc.encodeInto(String(n).padStart(7, "0"), line.subarray(5));
        big.set(line.subarray(0, Math.min(line.length, big.length - at)), at);
      }
      await Deno.writeFile(`${root}/.agentmod/session.log`, big);
      const amod = await createSnapshot({ root, ...TEST_OPTIONS, output: `${root}/big.amod` });
      assert.ok(amod.ok);
      const tree = await createTreePackage({ root, ...TEST_OPTIONS });
      assert.ok(tree.ok);
      for (const path of [amod.snapshot.output, tree.snapshot.output]) {
        const before = started();
        const r = await validateSnapshot(path, { limits: AMOD_LIMITS });
        assert.deepEqual(codes(r), [], path);
        assert.equal(r.summary?.payload_bytes, big.length + 19);
        assert.equal(started(), before + 1, "one hashing thread per validation");
      }
    });
  } finally {
    await removeProject(root);
  }
});
