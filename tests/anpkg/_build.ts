/**
 * Test helpers for the `.anpkg` suite: a small valid project written from text, exports of it,
 * and tampered packages (members edited, checksums rewritten, re-zipped with anpkg.md §2.10).
 *
 * @module
 */

import { buildPackage, type ExportOptions } from "../../lib/anpkg/export.ts";
import { validatePackage, type ValidateReport } from "../../lib/anpkg/validate.ts";
import { sha256Hex } from "../../lib/digest.ts";
import type { Problem } from "../../lib/report/report.ts";
import type { ZipLimits } from "../../lib/zip/limits.ts";
import { writeStoredZip } from "../../lib/zip/stored.ts";
import { renderChecksums } from "../../lib/anpkg/checksums.ts";

/** A project or package as files: relative path → text or bytes. */
export type Files = Record<string, string | Uint8Array>;

/** Members of a package by name. */
export type Members = Map<string, Uint8Array>;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The machine profile of the base project. */
export const BASE_PROFILE = `# Test rig: two providers and one behavior tree.
schema_version: 1
machine_id: test-rig
display_name: Test rig
runtime_profiles:
  manual: config/anolis-runtime.manual.yaml
providers:
  sim0:
    config: config/provider-sim.sim0.yaml
  bus0:
    config: config/provider-bread.bus0.yaml
behaviors:
- behaviors/main.xml
validation:
  expected_providers:
  - sim0
  - bus0
compatibility:
  runtime:
    config_contract: 01-runtime-config
    http_contract: 02-runtime-http
  providers:
    sim0:
      strategy: pinned-ref
      version: 0.2.7
    bus0:
      strategy: semver-range
      version: '>=0.3.8'
components:
  runtime:
    repo: example/runtime
    version: 0.1.40
  providers:
    sim:
      repo: example/provider-sim
      version: 0.2.7
`;

/** The manual runtime configuration of the base project. */
export const BASE_RUNTIME = `runtime:
  name: test-rig
  shutdown_timeout_ms: 2000
http:
  enabled: true
  bind: 127.0.0.1
  port: 8080
  cors_allowed_origins: '*'
  thread_pool_size: 2
providers:
- id: sim0
  command: anolis-provider-sim
  args:
  - --config
  - config/provider-sim.sim0.yaml
  timeout_ms: 3000
- id: bus0
  command: anolis-provider-bread
  args:
  - --log-level
  - info
  - --config
  - config/provider-bread.bus0.yaml
polling:
  interval_ms: 500
telemetry:
  enabled: false
automation:
  enabled: true
  behavior_tree: behaviors/main.xml
  tick_rate_hz: 10
`;

/** The simulated provider's configuration. */
export const BASE_SIM = `provider:
  name: sim0
devices:
- id: fan
  type: motorctl
simulation:
  mode: inert
`;

/** The bus provider's configuration. */
export const BASE_BREAD = `provider:
  name: bus0
hardware:
  bus_path: /dev/i2c-1
discovery:
  mode: manual
  addresses:
  - 0x21
devices:
- id: heater
  type: rlht
  address: 0x21
`;

/** The behavior tree (never parsed). */
export const BASE_BEHAVIOR = `<?xml version="1.0"?>
<root BTCPP_format="4"><BehaviorTree ID="Main"><AlwaysSuccess/></BehaviorTree></root>
`;

/** The authoring sidecar. */
export const BASE_SIDECAR = `{"schema_version": 2, "meta": {"name": "rig", "created": "2026-02-03T04:05:06Z"}}
`;

/** The files of the base project: valid, exports and validates without any problem. */
export function baseProject(): Files {
  return {
    "machine-profile.yaml": BASE_PROFILE,
    "config/anolis-runtime.manual.yaml": BASE_RUNTIME,
    "config/provider-sim.sim0.yaml": BASE_SIM,
    "config/provider-bread.bus0.yaml": BASE_BREAD,
    "behaviors/main.xml": BASE_BEHAVIOR,
    "workbench.json": BASE_SIDECAR,
  };
}

/** A project written to a fresh temporary directory. */
export interface TempProject {
  /** The project directory (`<tmp>/<name>`). */
  readonly path: string;
  /** The temporary directory holding it (also a place for outputs and outside files). */
  readonly tmp: string;
  /** Removes everything. */
  cleanup(): Promise<void>;
}

/** Writes files under a root, creating directories. */
export async function writeFiles(root: string, files: Files): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(path, content);
    else await Deno.writeFile(path, content);
  }
}

/** Writes a project named `name` (default `rig`) into a new temporary directory. */
export async function makeProject(files: Files, name = "rig"): Promise<TempProject> {
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "handoff-anpkg-" }));
  const path = `${tmp}/${name}`;
  await Deno.mkdir(path, { recursive: true });
  await writeFiles(path, files);
  return { path, tmp, cleanup: () => Deno.remove(tmp, { recursive: true }) };
}

/** The base project with some files replaced (a `null` value deletes the file). */
export function projectWith(changes: Record<string, string | Uint8Array | null>): Files {
  const files = baseProject();
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete files[k];
    else files[k] = v;
  }
  return files;
}

/** Replaces exactly one occurrence of `from` (the test fails when there is none or several). */
export function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) {
    throw new Error(`Expected exactly one occurrence of ${JSON.stringify(from)}`);
  }
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** Exports files as a project and returns the build (problems and bytes). */
export async function exportFiles(
  files: Files,
  options: ExportOptions & { name?: string } = {},
): Promise<{ problems: readonly Problem[]; bytes: Uint8Array | null }> {
  const project = await makeProject(files, options.name);
  try {
    return await buildPackage(project.path, options);
  } finally {
    await project.cleanup();
  }
}

let baseCache: Promise<Uint8Array> | null = null;

/** The package of the base project (built once per process). */
export function basePackage(): Promise<Uint8Array> {
  baseCache ??= exportFiles(baseProject()).then((r) => {
    if (r.bytes === null || r.problems.length > 0) {
      throw new Error(`The base project does not export cleanly: ${JSON.stringify(r.problems)}`);
    }
    return r.bytes;
  });
  return baseCache;
}

/**
 * Reads the members of a stored archive written by §2.10 (our exports and {@link repack}); not a
 * general reader.
 */
export function readStored(bytes: Uint8Array): Members {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Members = new Map();
  let at = 0;
  while (view.getUint32(at, true) === 0x04034b50) {
    const size = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true);
    const extra = view.getUint16(at + 28, true);
    const name = dec.decode(bytes.subarray(at + 30, at + 30 + nameLength));
    const start = at + 30 + nameLength + extra;
    out.set(name, bytes.slice(start, start + size));
    at = start + size;
  }
  return out;
}

/** The members of the base package, as a fresh map. */
export async function baseMembers(): Promise<Members> {
  return readStored(await basePackage());
}

/** A member as text. */
export function text(members: Members, name: string): string {
  const m = members.get(name);
  if (m === undefined) throw new Error(`No member ${name}`);
  return dec.decode(m);
}

/** Sets a member from text or bytes. */
export function put(members: Members, name: string, content: string | Uint8Array): Members {
  members.set(name, typeof content === "string" ? enc.encode(content) : content);
  return members;
}

/** Edits a member's text by replacing exactly one occurrence. */
export function edit(members: Members, name: string, from: string, to: string): Members {
  return put(members, name, replaceOnce(text(members, name), from, to));
}

/** The canonical checksum file for the members other than itself (§2.9). */
export async function checksumsOf(members: Members): Promise<string> {
  const entries = [];
  for (const [name, data] of members) {
    if (name !== "meta/checksums.sha256") entries.push({ name, sha256: await sha256Hex(data) });
  }
  return renderChecksums(entries);
}

/**
 * Re-zips members with §2.10; unless `rehash` is false, first rewrites `meta/checksums.sha256` so
 * the change reaches later stages (a package without that member stays without it).
 */
export async function repack(members: Members, options: { rehash?: boolean } = {}): Promise<Uint8Array> {
  const copy = new Map(members);
  if (options.rehash !== false && copy.has("meta/checksums.sha256")) {
    put(copy, "meta/checksums.sha256", await checksumsOf(copy));
  }
  const r = writeStoredZip([...copy].map(([name, data]) => ({ name, data })));
  if (!r.ok) throw new Error(r.message);
  return r.bytes;
}

/** Validates bytes through a temporary package file and `validatePackage`. */
export async function validateFileBytes(
  bytes: Uint8Array,
  options: { limits?: ZipLimits; name?: string } = {},
): Promise<ValidateReport> {
  const dir = await Deno.makeTempDir({ prefix: "handoff-anpkg-" });
  try {
    const path = `${dir}/${options.name ?? "pkg.anpkg"}`;
    await Deno.writeFile(path, bytes);
    return await validatePackage(path, options.limits ? { limits: options.limits } : {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes members as an extracted package directory under `root`. */
export async function extractTo(members: Members, root: string): Promise<void> {
  await writeFiles(root, Object.fromEntries(members));
}

/** The codes of a problem list, in order. */
export function codes(problems: readonly Problem[]): string[] {
  return problems.map((p) => p.code);
}

/** `code member path` of each problem, for messages and exact location checks. */
export function located(problems: readonly Problem[]): string[] {
  return problems.map((p) => `${p.code} ${p.member ?? "-"} ${p.path ?? "-"}`);
}

/** Bytes from text. */
export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}
