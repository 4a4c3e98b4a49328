import assert from "node:assert/strict";
import {
  compareCodePoints,
  dedupeProblems,
  problem,
  reportCore,
  sortAnpkgProblems,
} from "../../lib/report/report.ts";
import { displayEscape, githubAnnotation, problemLine, verdictLine } from "../../lib/report/render.ts";

Deno.test("compareCodePoints orders astral characters after U+E000–U+FFFF, unlike UTF-16 order", () => {
  const astral = "\u{1F600}";
  const bmp = "\uFF21";
  assert.ok(astral < bmp, "JavaScript's default order puts the surrogate first");
  assert.ok(compareCodePoints(astral, bmp) > 0);
  assert.ok(compareCodePoints("a", "ab") < 0);
  assert.equal(compareCodePoints("x", "x"), 0);
});

Deno.test("anpkg problems sort by registry row, then member, path and message", () => {
  const ps = [
    problem("token-leak", "b", { member: "b.yaml", path: "$.x" }),
    problem("token-leak", "a", { member: "a.yaml", path: "$.y" }),
    problem("zip-gap", "gap"),
    problem("zip-no-end-record", "no end"),
  ];
  assert.deepEqual(sortAnpkgProblems(ps).map((p) => `${p.code}:${p.member}`), [
    "zip-no-end-record:null",
    "zip-gap:null",
    "token-leak:a.yaml",
    "token-leak:b.yaml",
  ]);
});

Deno.test("dedupeProblems keeps the first problem per code, member and key path", () => {
  const a = problem("schema-invalid", "first", { member: "m", path: "$.a" });
  const b = problem("schema-invalid", "second", { member: "m", path: "$.a" });
  const c = problem("schema-invalid", "other path", { member: "m", path: "$.b" });
  assert.deepEqual(dedupeProblems([a, b, c]), [a, c]);
});

Deno.test("messages are forced onto one line", () => {
  assert.equal(problem("replay-failed", "line1\nline2\r\nline3").message, "line1 line2 line3");
});

Deno.test("reportCore counts errors and warnings and sets valid", () => {
  const r = reportCore("anpkg", "validate", "x.anpkg", "archive", [
    problem("member-unreferenced", "w", { member: "x" }),
    problem("checksum-mismatch", "e", { member: "y" }),
  ]);
  assert.equal(r.valid, false);
  assert.equal(r.errors, 1);
  assert.equal(r.warnings, 1);
  assert.equal(r.problems[0]?.code, "checksum-mismatch");
});

Deno.test("text, verdict and GitHub renderings", () => {
  const p = problem("checksum-mismatch", "Digest differs", { member: "providers/a.yaml" });
  assert.equal(problemLine(p, "pkg.anpkg"), "error[checksum-mismatch] providers/a.yaml: Digest differs");
  assert.equal(
    problemLine(problem("zip-no-end-record", "No end"), "pkg.anpkg"),
    "error[zip-no-end-record] pkg.anpkg: No end",
  );
  assert.equal(
    problemLine(problem("token-leak", "Leak", { member: "a.yaml", path: "$.x.api_token" }), "p"),
    "error[token-leak] a.yaml: Leak (at $.x.api_token)",
  );
  assert.equal(verdictLine({ valid: true, errors: 0, warnings: 2, input: "p" }), "valid: p");
  assert.equal(
    verdictLine({ valid: false, errors: 1, warnings: 2, input: "p" }),
    "invalid: p (1 errors, 2 warnings)",
  );
  assert.equal(
    githubAnnotation(problem("member-unreferenced", "Unused, really", { member: "a,b" }), "dir/p:1.anpkg"),
    "::warning file=dir/p%3A1.anpkg,title=member-unreferenced::a,b: Unused, really",
  );
});

Deno.test("displayEscape neutralizes terminal controls and bidirectional overrides", () => {
  assert.equal(displayEscape("a\u001b[2J\u202eb"), "a\\u{001B}[2J\\u{202E}b");
  assert.equal(displayEscape("x\ty\n", { document: true }), "x\ty\n");
  assert.equal(displayEscape("x\ty"), "x\\u{0009}y");
});
