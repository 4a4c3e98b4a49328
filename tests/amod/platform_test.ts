import assert from "node:assert/strict";
import { goPlatform, hostPlatform } from "../../lib/amod/platform.ts";

Deno.test("goPlatform maps Deno architecture names to Go's", () => {
  const table: [string, string, string][] = [
    ["linux", "x86_64", "linux/amd64"],
    ["darwin", "aarch64", "darwin/arm64"],
    ["linux", "riscv64gc", "linux/riscv64"],
    ["linux", "riscv64", "linux/riscv64"],
    ["windows", "x86", "windows/386"],
    ["linux", "i686", "linux/386"],
    ["linux", "arm", "linux/arm"],
    ["linux", "armv7", "linux/arm"],
    ["linux", "powerpc64le", "linux/ppc64le"],
    ["linux", "s390x", "linux/s390x"],
    ["linux", "loongarch64", "linux/loong64"],
    ["freebsd", "sparc64", "freebsd/sparc64"],
    ["", "x86_64", "unknown/amd64"],
    ["illumos", "x86_64", "illumos/amd64"],
    ["linux", "toString", "linux/toString"],
  ];
  for (const [os, arch, want] of table) assert.equal(goPlatform(os, arch), want);
});

Deno.test("hostPlatform is the mapped Deno.build pair", () => {
  assert.equal(hostPlatform(), goPlatform(Deno.build.os, Deno.build.arch));
  assert.match(hostPlatform(), /^[a-z0-9]+\/[a-z0-9_]+$/);
});
