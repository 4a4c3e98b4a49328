import assert from "node:assert/strict";
import { buildPackage, exportProject } from "../../lib/anpkg/export.ts";
import { validatePackage } from "../../lib/anpkg/validate.ts";
import { sha256Hex } from "../../lib/digest.ts";
import { copyProject, repoPath, sharedDir } from "../helpers/fs.ts";
import { countingWorkers } from "../helpers/workers.ts";

const SHARED = sharedDir();
const UPSTREAM: [string, number, string][] = [
  ["sim-quickstart", 2735, "fc9fe55196956c24f4112a565afccca7193eaab318ebec2723a6d3976be66406"],
  ["mixed-bus-mock", 4030, "b0b696c4afdd384eede19b1f310188165895148531f761e79d7e18ab43122f35"],
  ["imported-profile", 4271, "c53522c51dd3537b11b1ae1d2241f6546dcb75bb9454dfdcbf272d3c31771744"],
];

for (const [name, size, sha] of UPSTREAM) {
  Deno.test({
    name: `export of the upstream "${name}" project is byte-identical to the reference package`,
    ignore: SHARED === null,
    fn: async () => {
      const copy = await copyProject(`${SHARED}/fixtures/anolis/${name}`);
      try {
        const built = await buildPackage(copy.path);
        assert.deepEqual(built.problems.filter((p) => p.severity === "error"), []);
        const warnings = new Set(built.problems.map((p) => p.code));
        assert.ok(warnings.has("provider-command-unresolvable"));
        if (name === "imported-profile") assert.ok(warnings.has("variants-omitted"));
        assert.ok(built.bytes);
        assert.equal(built.bytes.length, size);
        assert.equal(await sha256Hex(built.bytes), sha);
        const again = await buildPackage(copy.path);
        assert.deepEqual(again.bytes, built.bytes, "exporting twice gives identical bytes");
      } finally {
        await copy.cleanup();
      }
    },
  });
}

const OURS = ["sim-only", "multi-provider", "telemetry-redact", "imported-variants"];

for (const name of OURS) {
  Deno.test(`export then validate is clean for our fixture "${name}"`, async () => {
    const copy = await copyProject(repoPath(`fixtures/projects/${name}`));
    try {
      const out = `${copy.path}/../${name}.anpkg`;
      const report = await exportProject(copy.path, out);
      assert.equal(report.errors, 0, JSON.stringify(report.problems));
      assert.equal(report.written, true);
      const v = await validatePackage(out);
      assert.equal(v.valid, true, JSON.stringify(v.problems));
      assert.equal(v.errors, 0);
      const again = await buildPackage(copy.path);
      assert.equal(await sha256Hex(again.bytes as Uint8Array), report.sha256);
    } finally {
      await copy.cleanup();
    }
  });
}

Deno.test({
  name: "the worked example's archive framing matches anpkg.md §2.14 byte for byte",
  ignore: SHARED === null,
  fn: async () => {
    const copy = await copyProject(`${SHARED}/fixtures/anolis/sim-quickstart`);
    try {
      const bytes = (await buildPackage(copy.path)).bytes as Uint8Array;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const locals = [
        ["machine-profile.yaml", 0, 505],
        ["meta/checksums.sha256", 555, 354],
        ["meta/provenance.json", 960, 369],
        ["providers/sim0.yaml", 1379, 291],
        ["runtime/anolis-runtime.yaml", 1719, 600],
      ] as const;
      for (const [name, at, size] of locals) {
        assert.equal(view.getUint32(at, true), 0x04034b50, `local signature of ${name}`);
        assert.equal(view.getUint16(at + 4, true), 20);
        assert.equal(view.getUint16(at + 6, true), 0);
        assert.equal(view.getUint16(at + 8, true), 0);
        assert.equal(view.getUint16(at + 10, true), 0x0000);
        assert.equal(view.getUint16(at + 12, true), 0x0021);
        assert.equal(view.getUint32(at + 18, true), size);
        assert.equal(view.getUint32(at + 22, true), size);
        assert.equal(view.getUint16(at + 26, true), name.length);
        assert.equal(view.getUint16(at + 28, true), 0);
        assert.equal(new TextDecoder().decode(bytes.subarray(at + 30, at + 30 + name.length)), name);
      }
      let cd = 2376;
      for (const [name, at] of locals) {
        assert.equal(view.getUint32(cd, true), 0x02014b50);
        assert.equal(view.getUint16(cd + 4, true), 0x0314);
        assert.equal(view.getUint32(cd + 38, true), 0x81a40000);
        assert.equal(view.getUint32(cd + 42, true), at);
        cd += 46 + name.length;
      }
      assert.equal(cd, 2713);
      assert.equal(view.getUint32(2713, true), 0x06054b50);
      assert.equal(view.getUint16(2713 + 10, true), 5);
      assert.equal(view.getUint32(2713 + 12, true), 337);
      assert.equal(view.getUint32(2713 + 16, true), 2376);
      assert.equal(view.getUint16(2713 + 20, true), 0);
      assert.equal(bytes.length, 2735);
    } finally {
      await copy.cleanup();
    }
  },
});

Deno.test("a behavior file past the threading bound is hashed on a thread, on export and on validate", async () => {
  const { THREAD_DIGEST_BYTES } = await import("../../lib/digest.ts");
  const copy = await copyProject(repoPath("fixtures/projects/multi-provider"));
  try {
    await countingWorkers(async (started) => {
      const behavior = `${copy.path}/behaviors/lines/a/mix.xml`;
      const block = new TextEncoder().encode('<Sequence><Action ID="dose" volume="12"/></Sequence>\n');
      const big = new Uint8Array(THREAD_DIGEST_BYTES + 1000);
      for (let at = 0; at < big.length; at += block.length) big.set(block.subarray(0, big.length - at), at);
      await Deno.writeFile(behavior, big);
      const limits = { maxMembers: 10_000, maxTotalBytes: 2 ** 31, maxRatio: 100 };
      const out = `${copy.path}/../big.anpkg`;
      const report = await exportProject(copy.path, out, { limits });
      assert.equal(report.errors, 0, JSON.stringify(report.problems));
      // Export computed the checksums in this thread; a clean self-validation shows the thread agrees.
      assert.equal(started(), 1, "self-validation hashed the behavior on a thread");
      const v = await validatePackage(out, { limits });
      assert.equal(v.valid, true, JSON.stringify(v.problems));
      assert.equal(started(), 2);
    });
  } finally {
    await copy.cleanup();
  }
});
