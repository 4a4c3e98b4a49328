import assert from "node:assert/strict";
import { AMOD_ORDER, ANPKG_ORDER, codeInfo, codeRank, CODES, severityOf } from "../../lib/report/codes.ts";

Deno.test("every code is kebab-case and has a one-line meaning", () => {
  for (const [code, info] of Object.entries(CODES)) {
    assert.match(code, /^[a-z0-9]+(-[a-z0-9]+)*$/, code);
    assert.ok(info.meaning.length > 0 && !info.meaning.includes("\n"), code);
    assert.ok(info.formats.length > 0, code);
  }
});

Deno.test("each format's order lists exactly the codes registered for that format", () => {
  const anpkg = new Set(ANPKG_ORDER.flatMap((row) => typeof row === "string" ? [row] : [...row]));
  const amod = new Set(AMOD_ORDER);
  for (const [code, info] of Object.entries(CODES)) {
    if (info.formats.includes("anpkg")) assert.ok(anpkg.has(code as never), `anpkg order lacks ${code}`);
    if (info.formats.includes("amod")) assert.ok(amod.has(code as never), `amod order lacks ${code}`);
  }
  for (const code of [...anpkg, ...amod]) assert.ok(codeInfo(code), `unregistered code in an order: ${code}`);
  assert.equal(
    anpkg.size,
    ANPKG_ORDER.flatMap((r) => typeof r === "string" ? [r] : [...r]).length,
    "anpkg repeats",
  );
  assert.equal(amod.size, AMOD_ORDER.length, "amod order repeats a code");
});

Deno.test("mapped container codes share the rank of their broader anpkg name", () => {
  const r = codeRank("anpkg", "zip-no-end-record");
  for (
    const c of [
      "zip-central-directory-invalid",
      "zip64-invalid",
      "zip-multi-disk",
      "zip-local-header-invalid",
    ]
  ) {
    assert.equal(codeRank("anpkg", c), r);
  }
  assert.equal(codeRank("anpkg", "limit-total-bytes"), codeRank("anpkg", "limit-members"));
  assert.ok(codeRank("anpkg", "zip-leading-data") > r);
});

Deno.test("yaml-duplicate-key is a warning at export and an error in validation", () => {
  assert.equal(severityOf("yaml-duplicate-key", "export"), "warning");
  assert.equal(severityOf("yaml-duplicate-key", "validate"), "error");
  assert.equal(severityOf("yaml-duplicate-key"), "error");
});

Deno.test("operational codes are exactly the environment failures (exit 3)", () => {
  const ops = Object.entries(CODES).filter(([, i]) => "operational" in i).map(([c]) => c).sort();
  assert.deepEqual(ops, [
    "deploy-locked",
    "extraction-failed",
    "internal-error",
    "io-error",
    "platform-unsupported",
    "replay-spawn-failed",
    "source-changed",
  ]);
});
