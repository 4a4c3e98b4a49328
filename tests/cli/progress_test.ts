import assert from "node:assert/strict";
import { formatBytes, NO_PROGRESS, startProgress } from "../../lib/cli/progress.ts";
import { memoryIo } from "../../lib/cli/io.ts";

Deno.test("progress shows nothing when stderr is not a terminal or --quiet is given", () => {
  const io = memoryIo();
  assert.equal(startProgress(io, "x"), NO_PROGRESS);
  assert.equal(startProgress({ ...io, errIsTerminal: true }, "x", { quiet: true }), NO_PROGRESS);
});

Deno.test("progress rewrites one line at most every 100 ms and clears it at the end", () => {
  const io = memoryIo();
  let t = 0;
  const p = startProgress({ ...io, errIsTerminal: true }, "export", { now: () => t });
  p.advance(1, 2048);
  t = 50;
  p.advance(1, 2048);
  t = 1000;
  p.advance(1, 1024 * 1024);
  p.done();
  const lines = io.stderr().split("\r\x1b[2K").filter((s) => s !== "");
  assert.deepEqual(lines, ["export: 1 members, 2.0 KiB, 2.0 MiB/s", "export: 3 members, 1.0 MiB, 1.0 MiB/s"]);
  assert.ok(io.stderr().endsWith("\r\x1b[2K"));
});

Deno.test("formatBytes uses binary units", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3.0 GiB");
});
