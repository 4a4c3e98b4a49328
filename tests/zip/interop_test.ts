import assert from "node:assert/strict";
import { Uint8ArrayReader, Uint8ArrayWriter, ZipReader } from "npm:@zip.js/zip.js@2.24.0";
import { decodeEntry } from "../../lib/zip/decode.ts";
import { AMOD_LIMITS } from "../../lib/zip/limits.ts";
import { readZip, type ZipArchive } from "../../lib/zip/read.ts";
import { bytesSource, type ZipSource } from "../../lib/zip/source.ts";
import { writeStoredZip } from "../../lib/zip/stored.ts";
import { memorySink, ZipWriter } from "../../lib/zip/write.ts";
import { cat } from "./_build.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const T = 1781181045;

async function has(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()).success;
  } catch {
    return false;
  }
}
const python = await has("python3", ["-c", "import zipfile"]);
const infoZip = await has("zip", ["-v"]);
const unzip = await has("unzip", ["-v"]);

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", ...(cwd ? { cwd } : {}) })
    .output();
  const text = dec.decode(out.stdout) + dec.decode(out.stderr);
  assert.ok(out.success, `${cmd} ${args.join(" ")}: ${text}`);
  return text;
}

async function contents(source: ZipSource, archive: ZipArchive): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const e of archive.entries) {
    const parts: Uint8Array[] = [];
    const o = await decodeEntry(source, e, (c) => void parts.push(c.slice()));
    assert.equal(o.status, "ok", e.displayName);
    out.set(e.name!, cat(...parts));
  }
  return out;
}

async function sample(): Promise<Uint8Array> {
  const sink = memorySink();
  const w = new ZipWriter(sink, { time: T });
  await w.addDirectory("payload/.agentmod/", 0o755);
  await w.addFile("payload/.agentmod/agentmod.toml", 0o644, enc.encode("schema_version = 1\n"));
  await w.addDirectory("payload/.agentmod/sub~é/", 0o700);
  await w.addFile("payload/.agentmod/sub~é/notes.md", 0o600, enc.encode("# notes\n".repeat(500)));
  await w.addSymlink("payload/.agentmod/link.toml", "agentmod.toml", 0o777);
  await w.addFile("payload/.agentmod/zeros.bin", 0o644, new Uint8Array(2 * 1024 * 1024));
  await w.addFile("payload/.agentmod/random.bin", 0o644, crypto.getRandomValues(new Uint8Array(50_000)));
  await w.addFile("manifest.json", 0o644, enc.encode("{}\n"));
  await w.finish();
  return sink.bytes();
}

Deno.test("zip.js reads archives we write with the same names and contents", async () => {
  const stored = writeStoredZip([
    { name: "machine-profile.yaml", data: enc.encode("a: 1\n") },
    { name: "providers/sim0.yaml", data: enc.encode("b: 2\n") },
  ]);
  assert.ok(stored.ok);
  for (const bytes of [await sample(), stored.bytes]) {
    const source = bytesSource(bytes);
    const ours = await contents(source, await readZip(source, { limits: AMOD_LIMITS }));
    const reader = new ZipReader(new Uint8ArrayReader(bytes), { useWebWorkers: false, checkSignature: true });
    const theirs = new Map<string, Uint8Array>();
    for (const e of await reader.getEntries()) {
      theirs.set(
        e.filename,
        e.directory ? new Uint8Array(0) : await e.getData!(new Uint8ArrayWriter(), { checkSignature: true }),
      );
    }
    await reader.close();
    assert.deepEqual([...theirs.keys()], [...ours.keys()]);
    for (const [name, data] of ours) assert.deepEqual(theirs.get(name), data, name);
  }
});

Deno.test({
  name: "unzip -t accepts archives we write, including zip64 end records",
  ignore: !unzip,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeFile(`${dir}/sample.amod`, await sample());
      await run("unzip", ["-tq", `${dir}/sample.amod`]);
      const sink = memorySink();
      const w = new ZipWriter(sink, { time: T });
      for (let i = 0; i < 65_600; i++) await w.addDirectory(`d${i}/`, 0o755);
      await w.addFile("f", 0o644, enc.encode("x"));
      assert.equal((await w.finish()).zip64, true);
      await Deno.writeFile(`${dir}/many.amod`, sink.bytes());
      await run("unzip", ["-tq", `${dir}/many.amod`]);
      const stored = writeStoredZip([{ name: "a/é.yaml", data: enc.encode("x: 1\n") }]);
      assert.ok(stored.ok);
      await Deno.writeFile(`${dir}/p.anpkg`, stored.bytes);
      await run("unzip", ["-tq", `${dir}/p.anpkg`]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

async function readFile(
  path: string,
  requireUnixHost = true,
): Promise<{ archive: ZipArchive; source: ZipSource }> {
  const source = bytesSource(await Deno.readFile(path));
  return { archive: await readZip(source, { limits: AMOD_LIMITS, requireUnixHost }), source };
}

Deno.test({
  name: "archives written by Python zipfile read cleanly (deflate, stored, force_zip64, 70 000 members)",
  ignore: !python,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const script = `
import sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(d + "/small.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("dir/", b"")
    z.writestr("dir/a.txt", b"alpha\\n" * 100)
    z.writestr(zipfile.ZipInfo("stored.bin"), b"\\x00\\x01\\x02")
    z.writestr("ünïcode.txt", "é".encode())
    with z.open("forced.txt", "w", force_zip64=True) as f:
        f.write(b"zip64 local header\\n")
with zipfile.ZipFile(d + "/many.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(70000):
        z.writestr("f%d.txt" % i, b"x%d" % i)
`;
      await run("python3", ["-c", script, dir]);
      const small = await readFile(`${dir}/small.zip`);
      assert.deepEqual(small.archive.problems, []);
      const files = await contents(small.source, small.archive);
      assert.equal(dec.decode(files.get("dir/a.txt")), "alpha\n".repeat(100));
      assert.equal(dec.decode(files.get("forced.txt")), "zip64 local header\n");
      assert.equal(dec.decode(files.get("ünïcode.txt")), "é");
      const many = await readFile(`${dir}/many.zip`);
      assert.deepEqual(many.archive.problems, []);
      assert.equal(many.archive.zip64, true);
      assert.equal(many.archive.entries.length, 70_000);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "archives written by Info-ZIP read cleanly (extra fields, symlinks, zip64 extras)",
  ignore: !infoZip,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${dir}/src/sub`, { recursive: true });
      await Deno.writeTextFile(`${dir}/src/a.txt`, "alpha\n".repeat(1000));
      await Deno.writeTextFile(`${dir}/src/sub/b.txt`, "bravo\n");
      await Deno.writeFile(`${dir}/src/empty`, new Uint8Array(0));
      await Deno.symlink("a.txt", `${dir}/src/link`);
      await run("zip", ["-qry", "../plain.zip", "."], `${dir}/src`);
      await run("zip", ["-qry", "-fz", "../forced64.zip", "."], `${dir}/src`);
      await run("sh", ["-c", "zip -qr - . | cat > ../piped.zip"], `${dir}/src`);
      for (const name of ["plain", "forced64"]) {
        const { archive, source } = await readFile(`${dir}/${name}.zip`);
        assert.deepEqual(archive.problems, [], name);
        const files = await contents(source, archive);
        assert.equal(dec.decode(files.get("a.txt")), "alpha\n".repeat(1000), name);
        assert.equal(dec.decode(files.get("link")), "a.txt", name);
        assert.deepEqual(
          archive.entries.filter((e) => e.kind === "symlink").map((e) => e.name),
          ["link"],
          name,
        );
      }
      // Written to a pipe, Info-ZIP sets bit 3 but leaves the uncompressed size in the local
      // header with a zero CRC and compressed size: neither all zero nor the central values, which
      // amod.md §5.3 refuses (zip-header-mismatch), on every entry that has a descriptor.
      const piped = await readFile(`${dir}/piped.zip`);
      const mismatched = piped.archive.problems.map((p) => [p.code, p.member]);
      assert.ok(mismatched.length >= 3);
      assert.ok(mismatched.every(([code]) => code === "zip-header-mismatch"));
      for (const m of ["a.txt", "link", "sub/b.txt"]) {
        assert.ok(mismatched.some(([, member]) => member === m), m);
      }
      // A self-extracting stub: prepended as is, and with offsets adjusted by zip -A.
      const plain = await Deno.readFile(`${dir}/plain.zip`);
      await Deno.writeFile(`${dir}/sfx.zip`, cat(enc.encode("#!/bin/sh\nexit 0\n"), plain));
      const prefixed = await readFile(`${dir}/sfx.zip`);
      assert.deepEqual(prefixed.archive.problems.map((p) => p.code), ["zip-leading-data"]);
      await run("zip", ["-qA", `${dir}/sfx.zip`]);
      const adjusted = await readFile(`${dir}/sfx.zip`);
      assert.deepEqual(adjusted.archive.problems.map((p) => p.code), ["zip-leading-data"]);
      assert.equal(adjusted.archive.prefixBytes, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
