import assert from "node:assert/strict";
import {
  checkAnpkgMemberNames,
  collisionKey,
  hasControlCharacter,
  hasDrivePrefix,
  hasTraversalSegment,
  invalidNameReason,
  isAbsoluteName,
  type NamedMember,
  normalizePath,
} from "../lib/names.ts";
import { ANPKG_LIMITS } from "../lib/zip/limits.ts";
import { readZip } from "../lib/zip/read.ts";
import { bytesSource } from "../lib/zip/source.ts";
import { buildZip } from "./zip/_build.ts";

Deno.test("collisionKey folds case and normalization as amod.md §5.4 says", () => {
  const same: [string, string][] = [
    ["A.md", "a.md"],
    ["\u00e9.md", "e\u0301.md"],
    ["\u03c2", "\u03c3"], // final sigma, sigma
    ["\u03a3", "\u03c3"],
    ["\u017f", "s"], // long s
    ["\u212a", "k"], // Kelvin sign
    ["stra\u00dfe", "strasse"], // accepted false positive
    ["Providers/x", "providers/X"],
  ];
  for (const [a, b] of same) assert.equal(collisionKey(a), collisionKey(b), `${a} ~ ${b}`);
  const different: [string, string][] = [
    ["a.md", "b.md"],
    ["a", "a "],
    ["\u00e9", "e"],
  ];
  for (const [a, b] of different) assert.notEqual(collisionKey(a), collisionKey(b), `${a} !~ ${b}`);
});

Deno.test("collisionKey of a path is the keys of its segments joined with /", () => {
  for (const p of ["\u03a3/a", "A\u03a3/\u03a3x", "x.\u03a3/Y", "\u1e9e/\u212a", "e\u0301/\u0301a"]) {
    assert.equal(collisionKey(p), p.split("/").map(collisionKey).join("/"), p);
  }
});

Deno.test("normalizePath cleans like Go's path.Clean for relative paths", () => {
  const table: [string, string][] = [
    ["", "."],
    [".", "."],
    ["a", "a"],
    ["a/b", "a/b"],
    ["a//b", "a/b"],
    ["a/./b", "a/b"],
    ["a/b/", "a/b"],
    ["a/b/..", "a"],
    ["a/..", "."],
    ["..", ".."],
    ["../x", "../x"],
    ["../../x", "../../x"],
    ["a/../../x", "../x"],
    [".agentmod/../../x", "../x"],
    ["/etc/passwd", "etc/passwd"],
    ["a/b/../../..", ".."],
  ];
  for (const [input, want] of table) assert.equal(normalizePath(input), want, JSON.stringify(input));
});

Deno.test("hasControlCharacter matches C0, DEL, C1, U+2028 and U+2029 only", () => {
  const bad = ["\u0000", "a\tb", "\n", "\u001f", "\u007f", "\u0080", "\u009f", "\u2028", "\u2029"];
  const good = ["", "a", " ", "~", "\u00a0", "\u00e9", "\u200e", "\u{1F600}"];
  for (const s of bad) assert.equal(hasControlCharacter(s), true, JSON.stringify(s));
  for (const s of good) assert.equal(hasControlCharacter(s), false, JSON.stringify(s));
});

Deno.test("hasDrivePrefix and isAbsoluteName", () => {
  const table: [string, boolean, boolean][] = [
    ["C:/x", true, true],
    ["c:x", true, true],
    ["z:", true, true],
    ["/abs.yaml", false, true],
    ["1:x", false, false],
    ["ab:x", false, false],
    ["x/C:", false, false],
    ["\u00e9:", false, false],
    ["rel.yaml", false, false],
  ];
  for (const [name, drive, absolute] of table) {
    assert.equal(hasDrivePrefix(name), drive, name);
    assert.equal(isAbsoluteName(name), absolute, name);
  }
});

Deno.test("hasTraversalSegment finds .. segments only", () => {
  const table: [string, boolean][] = [
    ["../evil.yaml", true],
    ["a/../b", true],
    ["a/..", true],
    ["..", true],
    ["..a/b", false],
    ["a/b..", false],
    ["a/.../b", false],
  ];
  for (const [name, want] of table) assert.equal(hasTraversalSegment(name), want, name);
});

Deno.test("invalidNameReason flags empty names, empty and . segments and control characters", () => {
  const bad = ["", "a//b", "./a", "a/./b", "a/.", "//", "a\nb", "a\u0085", "dir//", "."];
  const good = ["a", "a/b", "dir/", "/abs", "..", "a/../b", ".hidden", "a/.b/c", "a\\b"];
  for (const n of bad) assert.notEqual(invalidNameReason(n), null, JSON.stringify(n));
  for (const n of good) assert.equal(invalidNameReason(n), null, JSON.stringify(n));
});

const file = (name: string | null): NamedMember => ({ name, kind: "file", hasData: true });
const dir = (name: string, hasData = false): NamedMember => ({ name, kind: "directory", hasData });

function check(entries: NamedMember[]): [string, string | null][] {
  return checkAnpkgMemberNames(entries).map((p) => [p.code, p.member]);
}

Deno.test("anpkg member names: one code per bad name (anpkg.md §8 item 7)", () => {
  const table: [NamedMember[], [string, string | null][]][] = [
    [[file("machine-profile.yaml"), file("providers/sim0.yaml")], []],
    [[file("../evil.yaml")], [["member-name-traversal", "../evil.yaml"]]],
    [[file("/abs.yaml")], [["member-name-absolute", "/abs.yaml"]]],
    [[file("C:/x.yaml")], [["member-name-absolute", "C:/x.yaml"]]],
    [[file("a\\b.yaml")], [["member-name-backslash", "a\\b.yaml"]]],
    [[file("")], [["member-name-invalid", ""]]],
    [[file("a//b")], [["member-name-invalid", "a//b"]]],
    [[file("a/./b")], [["member-name-invalid", "a/./b"]]],
    [[file("a\u0007b")], [["member-name-invalid", "a\u0007b"]]],
    [[file("a\u2028b")], [["member-name-invalid", "a\u2028b"]]],
    [[file("x"), file("x")], [["duplicate-member", "x"]]],
    [[file("x"), file("x"), file("x")], [["duplicate-member", "x"], ["duplicate-member", "x"]]],
    [[dir("d/"), dir("d/")], [["duplicate-member", "d/"]]],
    [[file("providers"), file("providers/x.yaml")], [["member-path-conflict", "providers"]]],
    [[file("providers/x.yaml"), file("providers")], [["member-path-conflict", "providers"]]],
    [[file("a"), dir("a/")], [["member-path-conflict", "a"]]],
    [[dir("a/"), file("a/b")], []],
    [[dir("d/", true)], [["directory-has-content", "d/"]]],
    [[{ name: "l", kind: "symlink", hasData: true }], [["member-symlink", "l"]]],
    [[{ name: "f", kind: "other", hasData: false }], [["member-not-regular", "f"]]],
    [[file(null), file("ok")], []],
  ];
  for (const [entries, want] of table) {
    assert.deepEqual(check(entries), want, JSON.stringify(entries.map((e) => e.name)));
  }
});

Deno.test("anpkg member names: several rules can apply to one name", () => {
  assert.deepEqual(check([file("/../a\\b")]), [
    ["member-name-absolute", "/../a\\b"],
    ["member-name-traversal", "/../a\\b"],
    ["member-name-backslash", "/../a\\b"],
  ]);
});

Deno.test("anpkg member names: path-collision once per pair, ancestors included", () => {
  const table: [NamedMember[], string[]][] = [
    [[file("Providers/x"), file("providers/x")], ['"Providers" and "providers"']],
    [[file("providers/A.yaml"), file("providers/a.yaml")], ['"providers/A.yaml" and "providers/a.yaml"']],
    [[file("\u00e9.md"), file("e\u0301.md")], ['"\u00e9.md" and "e\u0301.md"']],
    [[file("Dir/x"), file("dir/y")], ['"Dir" and "dir"']],
    [[dir("Dir/"), file("dir/y")], ['"Dir" and "dir"']],
    [[file("A"), file("a"), file("\u0041")], ['"A" and "a"']],
    [[file("A"), file("a"), dir("a/")], ['"A" and "a"']],
    [
      [file("K"), file("k"), file("\u212a")],
      ['"K" and "k"', '"K" and "\u212a"', '"k" and "\u212a"'],
    ],
    [[file("x/a"), file("x/b")], []],
  ];
  for (const [entries, want] of table) {
    const got = checkAnpkgMemberNames(entries)
      .filter((p) => p.code === "path-collision")
      .map((p) => /(".*" and ".*") collide/.exec(p.message)![1]);
    assert.deepEqual(got, want, JSON.stringify(entries.map((e) => e.name)));
  }
});

Deno.test("anpkg member names: path-collision names the entry that introduced the second spelling", () => {
  const problems = checkAnpkgMemberNames([file("Providers/x"), file("providers/y"), file("providers/z")]);
  assert.deepEqual(problems.map((p) => [p.code, p.member]), [["path-collision", "providers/y"]]);
});

Deno.test("anpkg member names: many spellings stay linear", () => {
  // 2^10 case variants of one name: paired with the first spelling only beyond eight.
  const entries: NamedMember[] = [];
  for (let m = 0; m < 1024; m++) {
    let name = "";
    for (let i = 0; i < 10; i++) name += (m >> i) & 1 ? "A" : "a";
    entries.push(file(name));
  }
  const collisions = checkAnpkgMemberNames(entries).filter((p) => p.code === "path-collision");
  assert.ok(collisions.length < 1024 * 8);
  assert.ok(collisions.length >= 1023);
});

Deno.test("anpkg member names: a deep hostile name costs time linear in its length", () => {
  const deep = Array.from({ length: 30_000 }, () => "a").join("/");
  const deepUpper = Array.from({ length: 30_000 }, () => "A").join("/");
  const started = performance.now();
  const problems = checkAnpkgMemberNames([file(deep), file(deepUpper)]);
  assert.ok(performance.now() - started < 5000);
  assert.deepEqual(problems.map((p) => p.code), ["path-collision"]);
});

Deno.test("anpkg member names over a read archive: the name cases of anpkg.md §8 item 7", async () => {
  const enc = new TextEncoder();
  const bytes = buildZip({
    entries: [
      { name: "../evil.yaml", content: enc.encode("x") },
      { name: "/abs.yaml", content: enc.encode("x") },
      { name: "a\\b.yaml", content: enc.encode("x") },
      { name: "dup.yaml", content: enc.encode("x") },
      { name: "dup.yaml", content: enc.encode("y") },
      { name: "Providers/x", content: enc.encode("x") },
      { name: "providers/x", content: enc.encode("x") },
      { name: "link.yaml", content: enc.encode("target"), external: 0xa1ff0000 },
      { name: "fifo", external: 0x11a40000 },
      { name: "dir/", external: 0x41ed0010 },
      { name: "dir/ok.yaml", content: enc.encode("x") },
    ],
  });
  const archive = await readZip(bytesSource(bytes), { limits: ANPKG_LIMITS });
  assert.deepEqual(archive.problems, []);
  const problems = checkAnpkgMemberNames(
    archive.entries.map((e) => ({
      name: e.name,
      kind: e.kind,
      hasData: e.compressedSize > 0 || e.uncompressedSize > 0,
    })),
  );
  assert.deepEqual(problems.map((p) => [p.code, p.member]), [
    ["member-name-traversal", "../evil.yaml"],
    ["member-name-absolute", "/abs.yaml"],
    ["member-name-backslash", "a\\b.yaml"],
    ["duplicate-member", "dup.yaml"],
    ["member-symlink", "link.yaml"],
    ["member-not-regular", "fifo"],
    ["path-collision", "providers/x"],
  ]);
});
