import assert from "node:assert/strict";
import { deployPackage, type DeployStep, installStatus, rollbackRelease } from "../../lib/anpkg/deploy.ts";
import { lockInstallDir, parseDeployLog, verifyRelease } from "../../lib/anpkg/install_dir.ts";
import { renderChecksums } from "../../lib/anpkg/checksums.ts";
import { sha256Hex } from "../../lib/digest.ts";
import { writeStoredZip } from "../../lib/zip/stored.ts";
import { tempDir } from "../helpers/fs.ts";
import { checkInstall, leftovers, makePackages, startChild, type TestPackage } from "./_deploy_fixtures.ts";

const CLOCK = () => new Date("2026-03-01T08:00:00Z");

/** A temporary work area with `count` packages and an install path inside it. */
async function setup(count: number): Promise<{
  root: string;
  install: string;
  pkgs: TestPackage[];
  cleanup: () => Promise<void>;
}> {
  const t = await tempDir();
  const pkgs = await makePackages(t.path, count);
  return { root: t.path, install: `${t.path}/install`, pkgs, cleanup: t.cleanup };
}

function pkg(pkgs: TestPackage[], i: number): TestPackage {
  const p = pkgs[i];
  if (!p) throw new Error(`no package ${i}`);
  return p;
}

async function readLog(install: string): Promise<Record<string, unknown>[]> {
  return parseDeployLog(await Deno.readTextFile(`${install}/deploy.log`));
}

async function releaseIds(install: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of Deno.readDir(`${install}/releases`)) ids.push(e.name);
  return ids.sort();
}

Deno.test("deploy extracts, verifies and switches current by a relative link, and logs one line", async () => {
  const s = await setup(1);
  try {
    const p = pkg(s.pkgs, 0);
    const r = await deployPackage(p.path, { installDir: s.install, now: CLOCK, pid: 4242 });
    assert.equal(r.operation, "deploy");
    assert.equal(r.valid, true, JSON.stringify(r.problems));
    assert.deepEqual(r.deploy, {
      install_dir: s.install,
      result: "deployed",
      release: p.id,
      package_sha256: p.sha256,
      previous: null,
      removed: [],
      cleaned: [],
    });
    assert.equal(await Deno.readLink(`${s.install}/current`), `releases/${p.id}`);
    assert.deepEqual((await checkInstall(s.install, s.pkgs, false)).violations, []);
    const meta = JSON.parse(await Deno.readTextFile(`${s.install}/releases/${p.id}/.release.json`));
    assert.equal(meta.package_sha256, p.sha256);
    assert.equal(meta.package_name, "p0.anpkg");
    assert.equal(meta.source_project, "sim-only");
    assert.equal(meta.deployed_at, "2026-03-01T08:00:00.000Z");
    assert.equal(
      meta.checksums_sha256,
      await sha256Hex(p.members.get("meta/checksums.sha256") as Uint8Array),
    );
    const log = await readLog(s.install);
    assert.deepEqual(log, [{
      time: "2026-03-01T08:00:00.000Z",
      action: "deploy",
      release: p.id,
      package_sha256: p.sha256,
      result: "deployed",
      previous: null,
      package: p.path,
      removed: [],
      cleaned: [],
      pid: 4242,
      message: null,
    }]);
    assert.deepEqual(Object.keys(log[0] as object).slice(0, 5), [
      "time",
      "action",
      "release",
      "package_sha256",
      "result",
    ]);
    assert.deepEqual(await leftovers(s.install), []);
    assert.equal(
      await Deno.readTextFile(`${s.install}/.lock`),
      "",
      "the lock file holds no pid once released",
    );
  } finally {
    await s.cleanup();
  }
});

Deno.test("deploying the same package twice is a no-op that says so", async () => {
  const s = await setup(1);
  try {
    const p = pkg(s.pkgs, 0);
    await deployPackage(p.path, { installDir: s.install, now: CLOCK });
    const before = (await Deno.stat(`${s.install}/releases/${p.id}/machine-profile.yaml`)).mtime;
    const steps: string[] = [];
    const r = await deployPackage(p.path, {
      installDir: s.install,
      now: CLOCK,
      onStep: (x) => void steps.push(x.step),
    });
    assert.equal(r.deploy.result, "unchanged");
    assert.equal(r.valid, true);
    assert.deepEqual(steps, ["lock-acquired", "logged"], "nothing but the log line is written");
    assert.deepEqual((await Deno.stat(`${s.install}/releases/${p.id}/machine-profile.yaml`)).mtime, before);
    const log = await readLog(s.install);
    assert.equal(log.length, 2);
    assert.equal(log[1]?.result, "unchanged");
    assert.match(String(log[1]?.message), /already current/);
  } finally {
    await s.cleanup();
  }
});

Deno.test("deploy refuses an invalid package and writes nothing, not even the install directory", async () => {
  const s = await setup(0);
  try {
    const bad = `${s.root}/bad.anpkg`;
    await Deno.writeTextFile(bad, "not a zip");
    const r = await deployPackage(bad, { installDir: s.install });
    assert.equal(r.deploy.result, "refused");
    assert.deepEqual(r.problems.map((p) => p.code), ["zip-no-end-record"]);
    assert.equal(await Deno.stat(s.install).catch(() => null), null);
    const missing = await deployPackage(`${s.root}/nope.anpkg`, { installDir: s.install });
    assert.deepEqual(missing.problems.map((p) => p.code), ["input-not-found"]);
    const dir = await deployPackage(s.root, { installDir: s.install });
    assert.deepEqual(dir.problems.map((p) => p.code), ["input-unsupported"]);
  } finally {
    await s.cleanup();
  }
});

Deno.test("deploy refuses a package whose member would overwrite .release.json", async () => {
  const s = await setup(1);
  try {
    const members = new Map(pkg(s.pkgs, 0).members);
    members.delete("meta/checksums.sha256");
    members.set(".release.json", new TextEncoder().encode("{}\n"));
    const entries = await Promise.all(
      [...members].map(async ([name, data]) => ({ name, sha256: await sha256Hex(data) })),
    );
    members.set("meta/checksums.sha256", new TextEncoder().encode(renderChecksums(entries)));
    const zip = writeStoredZip([...members].map(([name, data]) => ({ name, data })));
    assert.ok(zip.ok);
    const path = `${s.root}/reserved.anpkg`;
    await Deno.writeFile(path, zip.bytes);
    const r = await deployPackage(path, { installDir: s.install });
    assert.ok(r.problems.some((p) => p.code === "member-name-reserved" && p.member === ".release.json"));
    assert.equal(r.deploy.result, "refused");
    assert.equal(await Deno.stat(s.install).catch(() => null), null);
  } finally {
    await s.cleanup();
  }
});

Deno.test("deploy keeps the N previous releases, the replaced one first", async () => {
  const s = await setup(5);
  try {
    let t = 0;
    const clock = () => new Date(Date.UTC(2026, 0, 1, 0, 0, t++));
    for (let i = 0; i < 4; i++) {
      const r = await deployPackage(pkg(s.pkgs, i).path, { installDir: s.install, now: clock, keep: 2 });
      assert.equal(r.deploy.result, "deployed");
    }
    const ids = s.pkgs.map((p) => p.id);
    assert.deepEqual(await releaseIds(s.install), [ids[1], ids[2], ids[3]].sort());
    assert.equal(await Deno.readLink(`${s.install}/previous`), `releases/${ids[2]}`);
    // Roll back to the oldest kept release, then deploy: the replaced release (ids[1]) is kept
    // although it is the oldest, and the newest non-previous one fills the second place.
    const rb = await rollbackRelease({ installDir: s.install, toRelease: ids[1] as string, now: clock });
    assert.equal(rb.rollback.result, "rolled-back");
    const r = await deployPackage(pkg(s.pkgs, 4).path, { installDir: s.install, now: clock, keep: 2 });
    assert.deepEqual(r.deploy.removed, [ids[2]]);
    assert.equal(r.deploy.previous, ids[1]);
    assert.deepEqual(await releaseIds(s.install), [ids[1], ids[3], ids[4]].sort());
    assert.deepEqual(await leftovers(s.install), [], "retired releases leave no trash behind");
    const zero = await deployPackage(pkg(s.pkgs, 0).path, { installDir: s.install, now: clock, keep: 0 });
    assert.deepEqual([...zero.deploy.removed].sort(), [ids[1], ids[3], ids[4]].sort());
    assert.deepEqual(await releaseIds(s.install), [ids[0]]);
    assert.equal(
      await Deno.lstat(`${s.install}/previous`).catch(() => null),
      null,
      "--keep 0 keeps no previous link",
    );
    assert.deepEqual((await checkInstall(s.install, s.pkgs, false)).violations, []);
  } finally {
    await s.cleanup();
  }
});

Deno.test("rollback returns to the previous release, and a second rollback comes back", async () => {
  const s = await setup(2);
  try {
    const [a, b] = [pkg(s.pkgs, 0), pkg(s.pkgs, 1)];
    await deployPackage(a.path, { installDir: s.install, now: CLOCK });
    await deployPackage(b.path, { installDir: s.install, now: CLOCK });
    const r1 = await rollbackRelease({ installDir: s.install, now: CLOCK });
    assert.deepEqual(r1.rollback, {
      install_dir: s.install,
      result: "rolled-back",
      release: a.id,
      previous: b.id,
      cleaned: [],
    });
    assert.equal(r1.operation, "rollback");
    assert.equal((await checkInstall(s.install, s.pkgs, false)).current, a.id);
    const r2 = await rollbackRelease({ installDir: s.install, now: CLOCK });
    assert.equal(r2.rollback.release, b.id);
    assert.equal((await checkInstall(s.install, s.pkgs, false)).current, b.id);
    const same = await rollbackRelease({ installDir: s.install, toRelease: b.sha256, now: CLOCK });
    assert.equal(same.rollback.result, "unchanged", "a full SHA-256 names a release too");
    const log = await readLog(s.install);
    assert.deepEqual(log.map((l) => [l.action, l.result, l.release]), [
      ["deploy", "deployed", a.id],
      ["deploy", "deployed", b.id],
      ["rollback", "rolled-back", a.id],
      ["rollback", "rolled-back", b.id],
      ["rollback", "unchanged", b.id],
    ]);
    assert.equal(log[2]?.package_sha256, a.sha256);
  } finally {
    await s.cleanup();
  }
});

Deno.test("rollback refuses unknown, damaged or absent releases and changes nothing", async () => {
  const s = await setup(2);
  try {
    const [a, b] = [pkg(s.pkgs, 0), pkg(s.pkgs, 1)];
    const none = await rollbackRelease({ installDir: `${s.root}/absent` });
    assert.deepEqual(none.problems.map((p) => p.code), ["install-dir-invalid"]);
    await deployPackage(a.path, { installDir: s.install });
    const first = await rollbackRelease({ installDir: s.install });
    assert.deepEqual(
      first.problems.map((p) => p.code),
      ["release-not-found"],
      "nothing before the first release",
    );
    await deployPackage(b.path, { installDir: s.install });
    const unknown = await rollbackRelease({ installDir: s.install, toRelease: "0123456789ab" });
    assert.deepEqual(unknown.problems.map((p) => p.code), ["release-not-found"]);
    const malformed = await rollbackRelease({ installDir: s.install, toRelease: "../x" });
    assert.deepEqual(malformed.problems.map((p) => p.code), ["release-not-found"]);
    await Deno.writeTextFile(`${s.install}/releases/${a.id}/machine-profile.yaml`, "tampered: true\n");
    const damaged = await rollbackRelease({ installDir: s.install });
    assert.deepEqual(damaged.problems.map((p) => p.code), ["release-invalid"]);
    assert.match(damaged.problems[0]?.message ?? "", /machine-profile\.yaml/);
    assert.equal(damaged.rollback.result, "refused");
    assert.equal((await checkInstall(s.install, s.pkgs, false)).current, b.id);
  } finally {
    await s.cleanup();
  }
});

Deno.test("a deploy while another holds the lock fails with deploy-locked and changes nothing", async () => {
  const s = await setup(2);
  try {
    const [a, b] = [pkg(s.pkgs, 0), pkg(s.pkgs, 1)];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let paused!: () => void;
    const atStaging = new Promise<void>((r) => (paused = r));
    const first = deployPackage(a.path, {
      installDir: s.install,
      onStep: async (x: DeployStep) => {
        if (x.step === "staging-created") {
          paused();
          await gate;
        }
      },
    });
    await atStaging;
    const second = await deployPackage(b.path, { installDir: s.install, pid: 1 });
    assert.deepEqual(second.problems.map((p) => p.code), ["deploy-locked"]);
    assert.match(second.problems[0]?.message ?? "", new RegExp(`process ${Deno.pid}`));
    assert.equal(second.deploy.result, "failed");
    const rb = await rollbackRelease({ installDir: s.install });
    assert.deepEqual(rb.problems.map((p) => p.code), ["deploy-locked"]);
    release();
    assert.equal((await first).deploy.result, "deployed");
    assert.equal((await checkInstall(s.install, s.pkgs, false)).current, a.id);
    assert.equal((await readLog(s.install)).length, 1, "the refused attempts wrote nothing");
    const held = await lockInstallDir(s.install, 77);
    assert.ok("lock" in held);
    const again = await lockInstallDir(s.install, 78);
    assert.deepEqual(again, { heldBy: 77 });
    held.lock.release();
    assert.ok("lock" in (await lockInstallDir(s.install, 79)));
  } finally {
    await s.cleanup();
  }
});

Deno.test("deploy removes the leftovers of interrupted runs first and records them", async () => {
  const s = await setup(1);
  try {
    await Deno.mkdir(`${s.install}/.staging-0badc0ffee00/meta`, { recursive: true });
    await Deno.writeTextFile(`${s.install}/.staging-0badc0ffee00/meta/x`, "partial");
    await Deno.mkdir(`${s.install}/.trash-123`);
    await Deno.symlink("releases/000000000000", `${s.install}/current.tmp-abc`);
    const r = await deployPackage(pkg(s.pkgs, 0).path, { installDir: s.install });
    assert.deepEqual(r.deploy.cleaned, [".staging-0badc0ffee00", ".trash-123", "current.tmp-abc"]);
    assert.deepEqual(await leftovers(s.install), []);
    assert.deepEqual((await readLog(s.install))[0]?.cleaned, r.deploy.cleaned);
  } finally {
    await s.cleanup();
  }
});

Deno.test("deploy refuses a current or previous entry it did not make, and leaves it alone", async () => {
  const s = await setup(1);
  try {
    await Deno.mkdir(s.install);
    await Deno.writeTextFile(`${s.install}/current`, "precious");
    const r = await deployPackage(pkg(s.pkgs, 0).path, { installDir: s.install });
    assert.deepEqual(r.problems.map((p) => p.code), ["install-dir-invalid"]);
    assert.equal(await Deno.readTextFile(`${s.install}/current`), "precious");
    await Deno.remove(`${s.install}/current`);
    await Deno.symlink("/etc", `${s.install}/previous`);
    const r2 = await deployPackage(pkg(s.pkgs, 0).path, { installDir: s.install });
    assert.deepEqual(r2.problems.map((p) => p.code), ["install-dir-invalid"]);
    assert.equal(await Deno.readLink(`${s.install}/previous`), "/etc");
    const file = `${s.root}/plain-file`;
    await Deno.writeTextFile(file, "x");
    const r3 = await deployPackage(pkg(s.pkgs, 0).path, { installDir: file });
    assert.deepEqual(r3.problems.map((p) => p.code), ["install-dir-invalid"]);
  } finally {
    await s.cleanup();
  }
});

Deno.test("deploy re-hashes the staged files and switches nothing when one changed on disk", async () => {
  const s = await setup(2);
  try {
    const [a, b] = [pkg(s.pkgs, 0), pkg(s.pkgs, 1)];
    await deployPackage(a.path, { installDir: s.install });
    const r = await deployPackage(b.path, {
      installDir: s.install,
      onStep: async (x) => {
        if (x.step !== "metadata-written") return;
        for await (const e of Deno.readDir(s.install)) {
          if (e.name.startsWith(".staging-")) {
            await Deno.writeTextFile(`${s.install}/${e.name}/providers/chamber_sim.yaml`, "flipped: bit\n");
          }
        }
      },
    });
    assert.deepEqual(r.problems.map((p) => p.code), ["io-error"]);
    assert.match(r.problems[0]?.message ?? "", /providers\/chamber_sim\.yaml/);
    assert.equal(r.deploy.result, "failed");
    assert.deepEqual(await leftovers(s.install), [], "the staging folder is removed");
    assert.deepEqual(await releaseIds(s.install), [a.id]);
    assert.equal((await checkInstall(s.install, s.pkgs, false)).current, a.id);
    assert.equal((await readLog(s.install))[1]?.result, "failed");
  } finally {
    await s.cleanup();
  }
});

Deno.test("a kept release is reused when intact and extracted again when damaged", async () => {
  const s = await setup(2);
  try {
    const [a, b] = [pkg(s.pkgs, 0), pkg(s.pkgs, 1)];
    await deployPackage(a.path, { installDir: s.install });
    await deployPackage(b.path, { installDir: s.install });
    const steps: string[] = [];
    const r = await deployPackage(a.path, { installDir: s.install, onStep: (x) => void steps.push(x.step) });
    assert.equal(r.deploy.result, "deployed");
    assert.ok(!steps.includes("staging-created"), "an intact kept release is switched to, not extracted");
    await Deno.remove(`${s.install}/releases/${b.id}/meta/provenance.json`);
    steps.length = 0;
    const r2 = await deployPackage(b.path, { installDir: s.install, onStep: (x) => void steps.push(x.step) });
    assert.equal(r2.deploy.result, "deployed");
    assert.ok(steps.includes("damaged-release-retired") && steps.includes("staging-created"));
    assert.deepEqual((await checkInstall(s.install, s.pkgs, false)).violations, []);
  } finally {
    await s.cleanup();
  }
});

Deno.test("status describes releases, the last action, leftovers and damage", async () => {
  const s = await setup(2);
  try {
    const [a, b] = [pkg(s.pkgs, 0), pkg(s.pkgs, 1)];
    const absent = await installStatus(`${s.root}/absent`);
    assert.deepEqual(absent.problems.map((p) => p.code), ["install-dir-invalid"]);
    await deployPackage(a.path, { installDir: s.install, now: () => new Date("2026-01-01T00:00:00Z") });
    await deployPackage(b.path, { installDir: s.install, now: () => new Date("2026-01-02T00:00:00Z") });
    const st = await installStatus(s.install);
    assert.equal(st.operation, "status");
    assert.equal(st.current, b.id);
    assert.equal(st.previous, a.id);
    assert.deepEqual(st.releases.map((r) => [r.id, r.current, r.previous, r.verified]), [
      [b.id, true, false, true],
      [a.id, false, true, true],
    ]);
    assert.equal(st.releases[0]?.source_project, "sim-only");
    assert.equal(st.last_action?.release, b.id);
    assert.equal(st.valid, true);
    await Deno.mkdir(`${s.install}/.staging-feed`);
    await Deno.writeTextFile(`${s.install}/releases/${a.id}/providers/chamber_sim.yaml`, "x: 1\n");
    const st2 = await installStatus(s.install);
    assert.deepEqual(st2.leftovers, [".staging-feed"]);
    assert.deepEqual(st2.problems.map((p) => [p.code, p.severity]), [["release-invalid", "warning"]]);
    assert.equal(st2.valid, true, "a damaged older release is a warning");
    await Deno.writeTextFile(`${s.install}/releases/${b.id}/providers/chamber_sim.yaml`, "x: 1\n");
    const st3 = await installStatus(s.install);
    assert.equal(st3.valid, false, "a damaged current release is an error");
    assert.equal((await installStatus(s.install, { verify: false })).releases[0]?.verified, null);
  } finally {
    await s.cleanup();
  }
});

Deno.test("verifyRelease checks metadata, the exact file set and every digest", async () => {
  const s = await setup(1);
  try {
    const p = pkg(s.pkgs, 0);
    await deployPackage(p.path, { installDir: s.install });
    const dir = `${s.install}/releases/${p.id}`;
    assert.equal((await verifyRelease(dir, p.id, p.sha256)).ok, true);
    assert.deepEqual(await verifyRelease(dir, "0123456789ab"), {
      ok: false,
      reason: ".release.json names another release",
    });
    await Deno.writeTextFile(`${dir}/extra.txt`, "x");
    assert.deepEqual(await verifyRelease(dir, p.id), {
      ok: false,
      reason: '"extra.txt" is not part of the package',
    });
    await Deno.remove(`${dir}/extra.txt`);
    await Deno.remove(`${dir}/runtime/anolis-runtime.yaml`);
    assert.deepEqual(await verifyRelease(dir, p.id), {
      ok: false,
      reason: '"runtime/anolis-runtime.yaml" is missing',
    });
  } finally {
    await s.cleanup();
  }
});

Deno.test("deploy.log: a line cut short by a kill does not swallow the next entry", async () => {
  const s = await setup(1);
  try {
    await Deno.mkdir(s.install);
    await Deno.writeTextFile(`${s.install}/deploy.log`, '{"time":"2026-01-01T00:00:00.000Z","act');
    await deployPackage(pkg(s.pkgs, 0).path, { installDir: s.install });
    const text = await Deno.readTextFile(`${s.install}/deploy.log`);
    assert.equal(text.split("\n").length, 3);
    assert.equal(parseDeployLog(text).length, 1);
  } finally {
    await s.cleanup();
  }
});

// ─────────────── fault injection: SIGKILL after every file-system step ───────────────

interface Scenario {
  readonly name: string;
  /** Brings a fresh install directory to the starting state. */
  prepare(install: string, pkgs: TestPackage[]): Promise<void>;
  /** The job killed at each step. */
  job(install: string, pkgs: TestPackage[]): {
    mode: "deploy" | "rollback";
    package?: string;
    keep?: number;
    toRelease?: string;
  };
  /** Whether `current` may be absent after a kill. */
  readonly allowAbsent: boolean;
}

/** Deploys in a scenario's preparation, failing loudly when one does not go through. */
async function deployed(path: string, installDir: string): Promise<void> {
  const r = await deployPackage(path, { installDir });
  assert.equal(r.deploy.result, "deployed", JSON.stringify(r.problems));
}

const SCENARIOS: Scenario[] = [
  {
    name: "first deploy into an empty directory",
    prepare: async () => {},
    job: (_i, pkgs) => ({ mode: "deploy", package: pkg(pkgs, 0).path }),
    allowAbsent: true,
  },
  {
    name: "upgrade with retention (keep 1) retiring the oldest release",
    prepare: async (install, pkgs) => {
      await deployed(pkg(pkgs, 2).path, install);
      await deployed(pkg(pkgs, 0).path, install);
    },
    job: (_i, pkgs) => ({ mode: "deploy", package: pkg(pkgs, 1).path, keep: 1 }),
    allowAbsent: false,
  },
  {
    name: "re-extraction of a damaged kept release",
    prepare: async (install, pkgs) => {
      await deployed(pkg(pkgs, 1).path, install);
      await deployed(pkg(pkgs, 0).path, install);
      await Deno.writeTextFile(
        `${install}/releases/${pkg(pkgs, 1).id}/machine-profile.yaml`,
        "damaged: true\n",
      );
    },
    job: (_i, pkgs) => ({ mode: "deploy", package: pkg(pkgs, 1).path }),
    allowAbsent: false,
  },
  {
    name: "rollback",
    prepare: async (install, pkgs) => {
      await deployed(pkg(pkgs, 0).path, install);
      await deployed(pkg(pkgs, 1).path, install);
    },
    job: () => ({ mode: "rollback" }),
    allowAbsent: false,
  },
];

for (const sc of SCENARIOS) {
  Deno.test(`SIGKILL after every file-system step of ${sc.name} leaves current complete and verified`, async () => {
    const s = await setup(3);
    try {
      // Enumerate the steps of an undisturbed run.
      const probe = `${s.root}/probe`;
      await sc.prepare(probe, s.pkgs);
      const steps: string[] = [];
      const j = sc.job(probe, s.pkgs);
      const onStep = (x: DeployStep) => void steps.push(x.step);
      if (j.mode === "deploy") {
        await deployPackage(j.package as string, {
          installDir: probe,
          onStep,
          ...(j.keep !== undefined ? { keep: j.keep } : {}),
        });
      } else await rollbackRelease({ installDir: probe, onStep });
      assert.ok(steps.length >= 5, `steps: ${steps.join(", ")}`);
      assert.equal(steps[steps.length - 1], "logged");

      for (let k = 0; k < steps.length; k++) {
        const install = `${s.root}/kill-${k}`;
        await sc.prepare(install, s.pkgs);
        const child = await startChild({ ...sc.job(install, s.pkgs), installDir: install, pauseAt: k });
        assert.equal(child.line, `paused ${k} ${steps[k]}`, `child output at step ${k}`);
        await child.kill();
        const after = await checkInstall(install, s.pkgs, sc.allowAbsent);
        assert.deepEqual(after.violations, [], `after a kill at step ${k} (${steps[k]})`);
        // The next run cleans up what the killed one left and completes.
        const again = sc.job(install, s.pkgs);
        const rerun = again.mode === "deploy"
          ? (await deployPackage(again.package as string, {
            installDir: install,
            ...(again.keep !== undefined ? { keep: again.keep } : {}),
          })).valid
          : (await rollbackRelease({ installDir: install, toRelease: pkg(s.pkgs, 0).id })).valid;
        assert.ok(rerun, `the run after a kill at step ${k} succeeds`);
        assert.deepEqual(await leftovers(install), [], `leftovers after the run following step ${k}`);
        assert.deepEqual((await checkInstall(install, s.pkgs, false)).violations, []);
        await Deno.remove(install, { recursive: true });
      }
    } finally {
      await s.cleanup();
    }
  });
}
