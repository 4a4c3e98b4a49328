/**
 * .anpkg benchmarks (issue 3, item 5), each a ratio measured against a reference tool in one run:
 *
 * 1. whole-process `handoff validate` of a typical package vs a python3 process that imports yaml and
 *    jsonschema and hashes the members (the reference validator is such a process): target ≤ 1/3;
 * 2. validate (`--max-total-bytes 2G`) of a package with a 1 GiB behavior file vs `openssl dgst -sha256`
 *    of the same bytes: throughput ≥ 0.8× and peak RSS ≤ 150 MB;
 * 3. export of the largest fixture vs python3 with PyYAML re-emitting the same YAML files: ≤ 1/3.
 *
 * Usage: deno run -A scripts/bench/anpkg.ts [validate|big|export] [--runs N]
 *
 * @module
 */

import { alternate, DENO, peakRss, repo, report, runOnce } from "./_lib.ts";

const args = Deno.args.filter((a) => !a.startsWith("--"));
const runsFlag = Deno.args.indexOf("--runs");
const RUNS = runsFlag >= 0 ? Number(Deno.args[runsFlag + 1]) : 15;
const only = new Set(args.filter((a) => a !== String(RUNS)));
const want = (name: string) => only.size === 0 || only.has(name);

const tmp = await Deno.makeTempDir({ prefix: "handoff-bench-" });
const CLI = repo("cli.ts");

async function exportFixture(name: string, out: string, extra: string[] = []): Promise<void> {
  const copy = `${tmp}/src/${name}`;
  await new Deno.Command("cp", { args: ["-r", repo(`fixtures/projects/${name}`), copy] }).output();
  const r = await new Deno.Command(DENO, {
    args: ["run", "-A", CLI, "export", copy, "-o", out, ...extra],
    stdout: "null",
  }).output();
  if (!r.success) throw new Error(`export of ${name} failed`);
}

const PY_VALIDATE = `
import sys, zipfile, hashlib, json, yaml, jsonschema
schemas = {}
for kind in ("machine-profile", "runtime-config"):
    with open(sys.argv[2] + "/schemas/anpkg/" + kind + ".schema.json") as f:
        schemas[kind] = json.load(f)
with zipfile.ZipFile(sys.argv[1]) as z:
    sums = {}
    for info in z.infolist():
        data = z.read(info)
        sums[info.filename] = hashlib.sha256(data).hexdigest()
        if info.filename.endswith(".yaml"):
            doc = yaml.safe_load(data)
            if info.filename == "machine-profile.yaml":
                jsonschema.validate(doc, schemas["machine-profile"])
            elif info.filename.startswith("runtime/"):
                jsonschema.validate(doc, schemas["runtime-config"])
        elif info.filename.endswith(".json"):
            json.loads(data)
print(len(sums))
`;

try {
  await Deno.mkdir(`${tmp}/src`);
  if (want("validate")) {
    const pkg = `${tmp}/multi-provider.anpkg`;
    await exportFixture("multi-provider", pkg);
    const t = await alternate([
      { label: "handoff", cmd: DENO, args: ["run", `--allow-read=${pkg}`, CLI, "validate", pkg] },
      { label: "python", cmd: "python3", args: ["-c", PY_VALIDATE, pkg, repo("")] },
    ], RUNS);
    report("validate (whole process, typical package)", t.get("handoff")!, t.get("python")!, "ms", "≤ 0.333");
  }
  if (want("big")) {
    const project = `${tmp}/src/big-behavior`;
    await new Deno.Command("cp", { args: ["-r", repo("fixtures/projects/multi-provider"), project] })
      .output();
    // Replace the behavior tree with 1 GiB of XML-like text.
    const behavior = `${project}/behaviors/lines/a/mix.xml`;
    const block = new TextEncoder().encode(
      '<Sequence><Action ID="dose" volume="12"/></Sequence>\n'.repeat(20000),
    );
    const f = await Deno.open(behavior, { write: true, truncate: true });
    let written = 0;
    while (written < 1024 ** 3) {
      const n = Math.min(block.length, 1024 ** 3 - written);
      await f.write(block.subarray(0, n));
      written += n;
    }
    f.close();
    const pkg = `${tmp}/big.anpkg`;
    const r = await new Deno.Command(DENO, {
      args: ["run", "-A", CLI, "export", project, "-o", pkg, "--max-total-bytes", "2G"],
      stdout: "null",
    }).output();
    if (!r.success) throw new Error("export of the 1 GiB package failed");
    await Deno.remove(behavior);
    const ours = {
      label: "handoff",
      cmd: DENO,
      args: ["run", `--allow-read=${pkg}`, CLI, "validate", pkg, "--max-total-bytes", "2G"],
    };
    const ref = { label: "openssl", cmd: "openssl", args: ["dgst", "-sha256", pkg] };
    const times: { ours: number[]; ref: number[] } = { ours: [], ref: [] };
    await runOnce(ours);
    await runOnce(ref);
    for (let i = 0; i < 3; i++) {
      times.ours.push(await runOnce(ours));
      times.ref.push(await runOnce(ref));
    }
    const size = (await Deno.stat(pkg)).size;
    const o = Math.min(...times.ours);
    const p = Math.min(...times.ref);
    console.log(
      `validate 1 GiB: ours ${(size / 1e6 / (o / 1000)).toFixed(0)} MB/s, openssl ${
        (size / 1e6 / (p / 1000)).toFixed(0)
      } MB/s, throughput ratio ${(p / o).toFixed(3)} (target ≥ 0.8)`,
    );
    const rss = await peakRss(ours);
    console.log(`validate 1 GiB: peak RSS ${rss.rssMiB.toFixed(0)} MiB (target ≤ 150 MB)`);
    await Deno.remove(pkg);
  }
  if (want("export")) {
    const name = "large-plant";
    const copy = `${tmp}/src/${name}`;
    await new Deno.Command("cp", { args: ["-r", repo(`fixtures/projects/${name}`), copy] }).output();
    const yamlFiles: string[] = [];
    for await (const e of Deno.readDir(`${copy}/config`)) {
      if (e.name.endsWith(".yaml")) yamlFiles.push(`${copy}/config/${e.name}`);
    }
    yamlFiles.push(`${copy}/machine-profile.yaml`);
    const py = `
import sys, yaml
for path in sys.argv[1:]:
    with open(path) as f:
        doc = yaml.safe_load(f)
    with open(path + ".out", "w") as f:
        f.write(yaml.safe_dump(doc, sort_keys=False))
`;
    const out = `${tmp}/${name}.anpkg`;
    const t = await alternate([
      {
        label: "handoff",
        cmd: DENO,
        args: ["run", "--allow-read", "--allow-write", CLI, "export", copy, "-o", out],
      },
      { label: "python", cmd: "python3", args: ["-c", py, ...yamlFiles] },
    ], RUNS);
    report(
      `export of ${name} (${yamlFiles.length} YAML files)`,
      t.get("handoff")!,
      t.get("python")!,
      "ms",
      "≤ 0.333",
    );
  }
} finally {
  await Deno.remove(tmp, { recursive: true });
}
