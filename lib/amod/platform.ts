/**
 * The manifest's `platform` string in Go's `GOOS/GOARCH` naming (amod.md §1.16).
 *
 * @module
 */

/** Rust/Deno architecture names that Go spells differently. */
const GO_ARCH: Readonly<Record<string, string>> = {
  x86_64: "amd64",
  aarch64: "arm64",
  riscv64gc: "riscv64",
  riscv64: "riscv64",
  x86: "386",
  i686: "386",
  arm: "arm",
  armv7: "arm",
  powerpc64le: "ppc64le",
  s390x: "s390x",
  loongarch64: "loong64",
};

/**
 * `<os>/<arch>` in Go's naming from Deno's `Deno.build.os` and `Deno.build.arch`. Deno's OS names
 * already match Go's; architectures are mapped, unknown ones pass through unchanged, and an empty
 * OS becomes `unknown`.
 *
 * @example
 * ```ts
 * import { goPlatform } from "./platform.ts";
 * console.assert(goPlatform("linux", "x86_64") === "linux/amd64");
 * console.assert(goPlatform("darwin", "aarch64") === "darwin/arm64");
 * ```
 */
export function goPlatform(os: string, arch: string): string {
  const goOs = os === "" ? "unknown" : os;
  const goArch = Object.hasOwn(GO_ARCH, arch) ? GO_ARCH[arch] as string : arch;
  return `${goOs}/${goArch}`;
}

/**
 * The platform string of the running process.
 *
 * @example
 * ```ts
 * import { hostPlatform } from "./platform.ts";
 * console.assert(hostPlatform().includes("/"));
 * ```
 */
export function hostPlatform(): string {
  return goPlatform(Deno.build.os, Deno.build.arch);
}
