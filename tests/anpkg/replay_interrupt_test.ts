import assert from "node:assert/strict";
import { basePackage } from "./_build.ts";
import { tempDir } from "../helpers/fs.ts";

const CLI = new URL("../../cli.ts", import.meta.url).pathname;

/** True while a process runs (a zombie waiting for a parent that never reaps it counts as gone). */
function alive(pid: number): boolean {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

Deno.test({
  name: "Ctrl-C during a replay stops the runtime's whole process group and removes the temporary root",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const dir = await tempDir();
    try {
      const pkg = `${dir.path}/p.anpkg`;
      await Deno.writeFile(pkg, await basePackage());
      const stub = `${dir.path}/runtime.sh`;
      const record = `${dir.path}/record`;
      // The stub records its working directory and the pid of a grandchild, then waits.
      await Deno.writeTextFile(
        stub,
        `#!/bin/sh\npwd > ${record}.cwd\nsleep 30 &\necho $! > ${record}.pid\nwait\n`,
      );
      await Deno.chmod(stub, 0o755);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CLI, "validate", pkg, "--runtime-bin", stub],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      let pid = 0;
      for (let i = 0; i < 200 && pid === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        pid = Number(await Deno.readTextFile(`${record}.pid`).catch(() => "0")) || 0;
      }
      assert.ok(pid > 0, "the stub started");
      const cwd = (await Deno.readTextFile(`${record}.cwd`)).trim();
      child.kill("SIGINT");
      const status = await child.output();
      assert.equal(status.code, 130);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(alive(pid), false, "the runtime's child was killed with its group");
      assert.equal(await Deno.lstat(cwd).then(() => true, () => false), false, "the temporary root is gone");
    } finally {
      await dir.cleanup();
    }
  },
});
