/**
 * `.anpkg` inspect (anpkg.md §6.1, §6.3): members, provenance, the profile summary, stage-A
 * problems only, and `canonical` — true for our exports, false for other framings of the same
 * members, null for an extracted directory.
 */

import assert from "node:assert/strict";
import { inspectPackage, type InspectReport } from "../../lib/anpkg/inspect.ts";
import { sha256Hex } from "../../lib/digest.ts";
import { buildZip, type EntrySpec } from "../zip/_build.ts";
import { baseMembers, basePackage, edit, extractTo, type Members, repack } from "./_build.ts";

async function inspectBytes(bytes: Uint8Array): Promise<InspectReport> {
  const dir = await Deno.makeTempDir({ prefix: "handoff-anpkg-" });
  try {
    await Deno.writeFile(`${dir}/p.anpkg`, bytes);
    return await inspectPackage(`${dir}/p.anpkg`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function entriesOf(m: Members, extra: Partial<EntrySpec> = {}): EntrySpec[] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, content]) => ({ name, content, ...extra }));
}

Deno.test("inspect lists members, provenance and the profile summary of an export, which is canonical", async () => {
  const bytes = await basePackage();
  const members = await baseMembers();
  const r = await inspectBytes(bytes);
  assert.deepEqual(r.problems, []);
  assert.equal(r.valid, true);
  assert.equal(r.operation, "inspect");
  assert.equal(r.input_kind, "archive");
  assert.equal(r.archive.size, bytes.length);
  assert.equal(r.archive.sha256, await sha256Hex(bytes));
  assert.equal(r.archive.entries, 7);
  assert.equal(r.archive.canonical, true);
  assert.deepEqual(r.archive.members.map((m) => m.name), [...members.keys()]);
  for (const m of r.archive.members) {
    const data = members.get(m.name) as Uint8Array;
    assert.equal(m.size, data.length);
    assert.equal(m.compressed_size, data.length);
    assert.equal(m.method, 0);
    assert.match(m.crc32 ?? "", /^[0-9a-f]{8}$/);
    assert.equal(m.sha256, await sha256Hex(data));
    assert.equal(m.mode, "0644");
  }
  assert.deepEqual(
    r.archive.provenance,
    JSON.parse(new TextDecoder().decode(members.get("meta/provenance.json"))),
  );
  assert.deepEqual(r.archive.profile, {
    machine_id: "test-rig",
    display_name: "Test rig",
    providers: [
      { id: "sim0", config: "providers/sim0.yaml", command: "anolis-provider-sim" },
      { id: "bus0", config: "providers/bus0.yaml", command: "anolis-provider-bread" },
    ],
    behaviors: ["runtime/behaviors/main.xml"],
  });
  assert.equal("replay" in r, false);
});

Deno.test("inspect says a deflated archive of the same members is not canonical", async () => {
  const r = await inspectBytes(buildZip({ entries: entriesOf(await baseMembers(), { deflate: true }) }));
  assert.deepEqual(r.problems, []);
  assert.equal(r.archive.canonical, false);
  assert.ok(r.archive.members.every((m) => m.method === 8 && (m.compressed_size ?? 0) > 0));
});

Deno.test("inspect says an archive with explicit directory entries is not canonical", async () => {
  const entries = entriesOf(await baseMembers());
  entries.unshift({ name: "meta/" });
  const r = await inspectBytes(buildZip({ entries }));
  assert.deepEqual(r.problems, []);
  assert.equal(r.archive.canonical, false);
  assert.equal(r.archive.members.length, 7);
  assert.equal(r.archive.entries, 8, "the directory entry counts as an entry");
  const { describeInspect } = await import("../../lib/cli/inspect.ts");
  assert.ok(describeInspect(r).includes("members: 7 (in 8 zip entries)"));
  const canonical = describeInspect(await inspectBytes(await basePackage()));
  assert.ok(canonical.includes("members: 7"), "no entry count when it equals the members'");
});

Deno.test("inspect says an archive differing only in member timestamps is not canonical", async () => {
  const r = await inspectBytes(buildZip({ entries: entriesOf(await baseMembers()) }));
  assert.deepEqual(r.problems, []);
  assert.equal(r.archive.canonical, false);
});

Deno.test("inspect of a canonical archive whose content fails later stages is still canonical and valid", async () => {
  const m = await baseMembers();
  edit(m, "providers/sim0.yaml", "name: sim0", "name: sim9");
  const r = await inspectBytes(await repack(m, { rehash: false }));
  assert.deepEqual(r.problems, [], "inspect reports stage A only");
  assert.equal(r.valid, true);
  assert.equal(r.archive.canonical, true);
});

Deno.test("inspect reports stage-A problems and calls a damaged archive not canonical", async () => {
  const bytes = (await basePackage()).slice();
  bytes[14] = bytes[14]! ^ 0xff; // the first entry's local CRC-32
  const r = await inspectBytes(bytes);
  assert.deepEqual(r.problems.map((p) => p.code), ["zip-header-mismatch"]);
  assert.equal(r.valid, false);
  assert.equal(r.archive.canonical, false);
});

Deno.test("inspect of a non-zip file reports zip-no-end-record and still describes the file", async () => {
  const bytes = new TextEncoder().encode("not a package\n");
  const r = await inspectBytes(bytes);
  assert.deepEqual(r.problems.map((p) => p.code), ["zip-no-end-record"]);
  assert.equal(r.valid, false);
  assert.equal(r.archive.size, bytes.length);
  assert.equal(r.archive.sha256, await sha256Hex(bytes));
  assert.equal(r.archive.canonical, false);
  assert.equal(r.archive.entries, 0);
  assert.equal(r.archive.profile, null);
  assert.equal(r.archive.provenance, null);
});

Deno.test("inspect of a missing path reports input-not-found and no file facts", async () => {
  const r = await inspectPackage("/nonexistent/handoff/p.anpkg");
  assert.deepEqual(r.problems.map((p) => p.code), ["input-not-found"]);
  assert.deepEqual([r.archive.size, r.archive.sha256, r.archive.canonical], [null, null, null]);
});

Deno.test("inspect of an extracted directory: archive-only facts are null and canonical is null", async () => {
  const dir = await Deno.makeTempDir({ prefix: "handoff-anpkg-" });
  try {
    await extractTo(await baseMembers(), dir);
    const r = await inspectPackage(dir);
    assert.deepEqual(r.problems, []);
    assert.equal(r.input_kind, "directory");
    assert.equal(r.archive.canonical, null);
    assert.equal(r.archive.size, null);
    assert.equal(r.archive.sha256, null);
    assert.equal(r.archive.members.length, 7);
    for (const m of r.archive.members) {
      assert.deepEqual([m.compressed_size, m.method, m.crc32], [null, null, null]);
      assert.match(m.sha256 ?? "", /^[0-9a-f]{64}$/);
    }
    assert.equal(r.archive.profile?.machine_id, "test-rig");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
