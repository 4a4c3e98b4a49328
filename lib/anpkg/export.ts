/**
 * Export of a canonical project directory to a `.anpkg` package (anpkg.md §2): the steps of
 * §2.2 in order, every problem reported in one run, self-validation of the result in memory,
 * and an atomic write only when no error was found.
 *
 * @module
 */

import { sha256Hex } from "../digest.ts";
import { joinPath, writeFileAtomic } from "../fs/atomic.ts";
import { dedupeProblems, type Problem, problem, type ReportCore, reportCore } from "../report/report.ts";
import { isBlank, pyTrim } from "../text.ts";
import { emitYaml } from "../yaml/emit.ts";
import { keyText, YamlMap } from "../yaml/types.ts";
import { ANPKG_LIMITS, type ZipLimits } from "../zip/limits.ts";
import { writeStoredZip } from "../zip/stored.ts";
import { CHECKSUMS_MEMBER, renderChecksums } from "./checksums.ts";
import { automationRef } from "./checks.ts";
import { exportedAt } from "./created.ts";
import { parseMember } from "./documents.ts";
import { findLeaks } from "./leak.ts";
import { isStructuredMember } from "./members.ts";
import {
  type ConfinedFile,
  loadProjectYaml,
  readSidecar,
  resolveConfined,
  unsupportedValues,
} from "./project.ts";
import { buildProvenance, renderProvenance } from "./provenance.ts";
import { isAbsoluteLike } from "./refs.ts";
import { type ProgressHook, validateBytes } from "./validate.ts";

/** Options of an export. */
export interface ExportOptions {
  /** Second base for behavior references (`--data-root`), an existing directory. */
  readonly dataRoot?: string;
  /** Limits applied in self-validation. */
  readonly limits?: ZipLimits;
  /** Called as the in-memory package is validated: members finished and bytes read. */
  readonly onProgress?: ProgressHook;
}

/** The in-memory result of building a package. */
export interface BuiltPackage {
  /** Problems of every step and of self-validation, deduplicated. */
  readonly problems: readonly Problem[];
  /** The archive bytes, or `null` when an error was found. */
  readonly bytes: Uint8Array | null;
  /** The source project name (the resolved directory's last component). */
  readonly sourceProject: string;
}

const ID = /^[A-Za-z0-9_-]+$/;
const PORTABLE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const RUNTIME_MEMBER = "runtime/anolis-runtime.yaml";
const enc = new TextEncoder();

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Builds a package from a project directory in memory (§2.2 steps 1–16). Never throws for bad
 * project content; I/O failures (permissions, read errors) throw.
 */
export async function buildPackage(projectPath: string, options: ExportOptions = {}): Promise<BuiltPackage> {
  const problems: Problem[] = [];
  const err = (
    code: Parameters<typeof problem>[0],
    message: string,
    member: string | null,
    path: string | null = null,
  ) => problems.push(problem(code, message, { member, path, operation: "export" }));

  // 1. Project directory.
  let project: string;
  try {
    project = await Deno.realPath(projectPath);
    const profileInfo = await Deno.stat(`${project}/machine-profile.yaml`);
    if (!(await Deno.stat(project)).isDirectory || !profileInfo.isFile) throw new Deno.errors.NotFound();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) throw e;
    err("project-not-found", `No project directory with a machine-profile.yaml at "${projectPath}"`, null);
    return { problems, bytes: null, sourceProject: baseName(projectPath) };
  }
  const sourceProject = baseName(project);
  if (!PORTABLE_NAME.test(sourceProject)) {
    err(
      "source-name-nonportable",
      `Project name "${sourceProject}" is not 1–64 letters, digits, "_" or "-"`,
      null,
    );
  }
  const roots = options.dataRoot ? [project, options.dataRoot] : [project];

  // 2. Profile.
  const loadedProfile = await loadProjectYaml(`${project}/machine-profile.yaml`, "machine-profile.yaml");
  problems.push(...loadedProfile.problems);
  const profile = loadedProfile.doc instanceof YamlMap ? loadedProfile.doc : null;
  if (loadedProfile.ok && !profile) {
    err("yaml-root-not-mapping", "The machine profile is not a mapping", "machine-profile.yaml");
  }
  if (!profile) return { problems: dedupeProblems(problems), bytes: null, sourceProject };
  problems.push(...unsupportedValues(profile, "machine-profile.yaml"));

  // 3. Sidecar.
  const sidecar = await readSidecar(project);
  problems.push(...sidecar.problems);
  if (sidecar.created !== undefined && typeof sidecar.created !== "string") {
    err(
      "created-unrecognized",
      "workbench.json meta.created is not a string; exported_at falls back to 1970",
      "workbench.json",
      "$.meta.created",
    );
  }
  const stamp = exportedAt(typeof sidecar.created === "string" ? sidecar.created : undefined);
  if (!stamp.recognized) {
    err(
      "created-unrecognized",
      "workbench.json meta.created is not a recognized timestamp; exported_at falls back to 1970",
      "workbench.json",
      "$.meta.created",
    );
  }

  // 4. Manual variant.
  const variants = profile.get("runtime_profiles");
  let runtime: YamlMap | null = null;
  let runtimeSource = "";
  const manualMissing = (why: string) =>
    err(
      "manual-variant-missing",
      `No usable manual runtime variant: ${why}`,
      "machine-profile.yaml",
      "$.runtime_profiles.manual",
    );
  if (!(variants instanceof YamlMap)) manualMissing("runtime_profiles is not a mapping");
  else if (!variants.has("manual")) manualMissing('runtime_profiles has no "manual" entry');
  else {
    const rel = variants.get("manual");
    if (typeof rel !== "string") manualMissing("its value is not a string");
    else {
      const file = await confinedOrReport(
        rel,
        project,
        [project],
        "machine-profile.yaml",
        "$.runtime_profiles.manual",
      );
      if (file === "missing" || file === "not-file") manualMissing(`"${rel}" is not a file in the project`);
      else if (typeof file !== "string") {
        runtimeSource = rel;
        const loaded = await loadProjectYaml(file.real, rel);
        problems.push(...loaded.problems);
        if (loaded.ok && !(loaded.doc instanceof YamlMap)) {
          manualMissing(`"${rel}" does not parse to a mapping`);
        } else if (!loaded.ok) manualMissing(`"${rel}" does not parse`);
        runtime = loaded.doc instanceof YamlMap ? loaded.doc : null;
        if (runtime) problems.push(...unsupportedValues(runtime, rel));
      }
    }
  }

  // 5. Omitted variants.
  const omitted: string[] = [];
  if (variants instanceof YamlMap) {
    for (const [k, value] of variants.entries()) {
      const name = keyText(k);
      if (name === "manual") continue;
      const file = typeof value === "string" ? await resolveConfined(value, project, [project]) : "missing";
      if (typeof file === "string") {
        err(
          "variant-missing",
          `Runtime variant "${name}" names no file in the project and is left out`,
          "machine-profile.yaml",
          `$.runtime_profiles.${name}`,
        );
      } else omitted.push(name);
    }
    if (omitted.length > 0) {
      err(
        "variants-omitted",
        `Only the manual variant is exported; omitted: ${omitted.map((n) => `"${n}"`).join(", ")}`,
        "machine-profile.yaml",
        "$.runtime_profiles",
      );
    }
  }

  const members = new Map<string, Uint8Array>();
  /** The documents behind the YAML members export wrote, as held in memory (for step 14). */
  const held = new Map<string, unknown>();
  const ids: string[] = [];
  let behaviorMember: string | null = null;
  let redacted = false;

  if (runtime) {
    // 6. Provider entries.
    const list = runtime.get("providers");
    if (!Array.isArray(list) || list.length === 0 || list.some((e) => !(e instanceof YamlMap))) {
      err(
        "runtime-providers-invalid",
        "The runtime's providers must be a non-empty list of mappings",
        runtimeSource,
        "$.providers",
      );
    } else {
      const seen = new Set<string>();
      list.forEach((entry, i) => {
        const e = entry as YamlMap;
        const id = e.get("id");
        const base = `$.providers[${i}]`;
        if (typeof id !== "string" || isBlank(id) || pyTrim(id) !== id || !ID.test(id)) {
          err(
            "provider-id-invalid",
            `Provider id ${
              typeof id === "string" ? `"${id}"` : "(not a string)"
            } is not a plain identifier (letters, digits, "_", "-")`,
            runtimeSource,
            `${base}.id`,
          );
          return;
        }
        if (seen.has(id)) {
          err(
            "provider-id-duplicate",
            `Provider id "${id}" appears more than once`,
            runtimeSource,
            `${base}.id`,
          );
          return;
        }
        seen.add(id);
        ids.push(id);
        rewriteArgs(e, id, runtimeSource, base, err);
      });
    }

    // 7. Provider configurations.
    const profileProviders = profile.get("providers");
    for (const id of ids) {
      const member = `providers/${id}.yaml`;
      const entry = profileProviders instanceof YamlMap ? profileProviders.get(id) : undefined;
      if (!(profileProviders instanceof YamlMap) || !profileProviders.has(id)) {
        err(
          "provider-not-in-profile",
          `Provider "${id}" has no entry under the profile's providers`,
          "machine-profile.yaml",
          "$.providers",
        );
        continue;
      }
      const cpath = `$.providers.${id}.config`;
      const rel = entry instanceof YamlMap ? entry.get("config") : undefined;
      if (typeof rel !== "string" || isBlank(rel)) {
        err(
          "provider-config-missing",
          `Provider "${id}" names no configuration file`,
          "machine-profile.yaml",
          cpath,
        );
        continue;
      }
      const file = await confinedOrReport(rel, project, [project], "machine-profile.yaml", cpath);
      if (file === "missing" || file === "not-file") {
        err(
          "provider-config-missing",
          `Configuration "${rel}" of provider "${id}" does not exist`,
          "machine-profile.yaml",
          cpath,
        );
        continue;
      }
      if (typeof file === "string") continue;
      const loaded = await loadProjectYaml(file.real, rel);
      problems.push(...loaded.problems);
      if (!loaded.ok) continue;
      if (!(loaded.doc instanceof YamlMap)) {
        err("provider-config-invalid", `Configuration "${rel}" of provider "${id}" is not a mapping`, member);
        continue;
      }
      problems.push(...unsupportedValues(loaded.doc, rel));
      members.set(member, enc.encode(emitYaml(loaded.doc)));
      held.set(member, loaded.doc);
    }
    if (profileProviders instanceof YamlMap) {
      for (const [k] of profileProviders.entries()) {
        const id = keyText(k);
        if (!ids.includes(id)) {
          err(
            "provider-unused",
            `Profile provider "${id}" is not used by the manual runtime and is dropped`,
            "machine-profile.yaml",
            `$.providers.${id}`,
          );
        }
      }
    }

    // 8. Behavior tree.
    const ref = automationRef(runtime);
    const automation = runtime.get("automation");
    if (ref && automation instanceof YamlMap && typeof ref.value === "string" && !isBlank(ref.value)) {
      const raw = pyTrim(ref.value);
      const path = `$.automation.${ref.key}`;
      if (isAbsoluteLike(raw)) {
        err("path-absolute", `Behavior reference "${raw}" is absolute`, runtimeSource, path);
      } else {
        const bases = options.dataRoot ? [project, options.dataRoot] : [project];
        let found: ConfinedFile | null = null;
        for (const base of bases) {
          const f = await resolveConfined(raw, base, roots);
          if (typeof f !== "string") {
            found = f;
            break;
          }
        }
        if (!found) {
          err(
            "behavior-not-found",
            `Behavior tree "${raw}" was not found in the project${
              options.dataRoot ? " or the data root" : ""
            }`,
            runtimeSource,
            path,
          );
        } else {
          behaviorMember = `runtime/behaviors/${baseName(found.real)}`;
          automation.set("behavior_tree", behaviorMember);
          automation.delete("behavior_tree_path");
          members.set(behaviorMember, await Deno.readFile(found.real));
        }
      }
    }

    // 9. Token redaction.
    const telemetry = runtime.get("telemetry");
    if (telemetry instanceof YamlMap) {
      if (telemetry.has("influx_token")) {
        telemetry.delete("influx_token");
        redacted = true;
      }
      const influx = telemetry.get("influxdb");
      if (influx instanceof YamlMap && influx.has("token")) {
        influx.delete("token");
        redacted = true;
      }
    }

    // 10. Runtime member.
    members.set(RUNTIME_MEMBER, enc.encode(emitYaml(runtime)));
  }

  // 11–12. Profile rewrite and emission.
  const providersMap = new YamlMap();
  for (const id of ids) {
    const entry = new YamlMap();
    entry.set("config", `providers/${id}.yaml`);
    providersMap.set(id, entry);
  }
  profile.set("providers", providersMap);
  const manualMap = new YamlMap();
  manualMap.set("manual", RUNTIME_MEMBER);
  profile.set("runtime_profiles", manualMap);
  if (behaviorMember !== null) profile.set("behaviors", [behaviorMember]);
  else profile.delete("behaviors");
  members.set("machine-profile.yaml", enc.encode(emitYaml(profile)));

  // 13. Provenance.
  members.set(
    "meta/provenance.json",
    enc.encode(renderProvenance(buildProvenance(stamp.stamp, omitted, redacted, sourceProject))),
  );

  // 14. Leak check over the documents built so far: the two rewritten documents as held, every
  // other YAML or JSON member (providers, provenance, a behavior named *.yaml) as written, so
  // that a run with other errors (no self-validation) still reports every leak.
  if (runtime) held.set(RUNTIME_MEMBER, runtime);
  held.set("machine-profile.yaml", profile);
  for (const [name, data] of members) {
    if (!isStructuredMember(name)) continue;
    if (held.has(name)) {
      problems.push(...findLeaks(name, held.get(name)));
      continue;
    }
    const parsed = parseMember(name, data, "export");
    if (parsed.ok) problems.push(...findLeaks(name, parsed.doc));
    else problems.push(...parsed.problems);
  }

  if (problems.some((p) => p.severity === "error")) {
    return { problems: dedupeProblems(problems), bytes: null, sourceProject };
  }

  // 15. Checksums and archive.
  const entries = await Promise.all(
    [...members].map(async ([name, data]) => ({ name, sha256: await sha256Hex(data) })),
  );
  members.set(CHECKSUMS_MEMBER, enc.encode(renderChecksums(entries)));
  const written = writeStoredZip([...members].map(([name, data]) => ({ name, data })));
  if (!written.ok) {
    err(written.code, written.message, null);
    return { problems: dedupeProblems(problems), bytes: null, sourceProject };
  }

  // 16. Self-validation.
  const check = await validateBytes(written.bytes, {
    limits: options.limits ?? ANPKG_LIMITS,
    operation: "export",
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const all = dedupeProblems([...problems, ...check.problems]);
  const ok = !all.some((p) => p.severity === "error");
  return { problems: all, bytes: ok ? written.bytes : null, sourceProject };

  async function confinedOrReport(
    rel: string,
    base: string,
    within: readonly string[],
    member: string,
    path: string,
  ): Promise<ConfinedFile | "missing" | "not-file" | "reported"> {
    const f = await resolveConfined(rel, base, within);
    if (f === "absolute") {
      err("path-absolute", `Path "${rel}" is absolute; project paths must be relative`, member, path);
    } else if (f === "escapes") {
      err("path-escapes-root", `Path "${rel}" resolves outside the project`, member, path);
    } else return f;
    return "reported";
  }
}

type Report = (
  code: Parameters<typeof problem>[0],
  message: string,
  member: string | null,
  path?: string | null,
) => void;

/** Rewrites a provider entry's `args` so the provider reads its configuration from the package (§2.3). */
function rewriteArgs(e: YamlMap, id: string, member: string, base: string, err: Report): void {
  const target = `providers/${id}.yaml`;
  const path = `${base}.args`;
  if (!e.has("args") || e.get("args") === null) {
    e.set("args", ["--config", target]);
    return;
  }
  const args = e.get("args");
  if (!Array.isArray(args)) {
    err("provider-args-invalid", "Provider args must be a list", member, path);
    return;
  }
  let ok = true;
  const at: number[] = [];
  args.forEach((a, j) => {
    if (typeof a !== "string") {
      err(
        "provider-arg-not-string",
        `Provider argument ${j} is not a string; quote it`,
        member,
        `${path}[${j}]`,
      );
      ok = false;
    } else if (a.startsWith("--config=")) {
      err(
        "provider-args-invalid",
        'Use "--config" and a separate value, not "--config=…"',
        member,
        `${path}[${j}]`,
      );
      ok = false;
    } else if (a === "--config") at.push(j);
  });
  if (at.length > 1) {
    err("provider-args-invalid", `Provider args contain "--config" ${at.length} times`, member, path);
    ok = false;
  }
  if (!ok) return;
  const out = [...args];
  const j = at[0];
  if (j === undefined) out.push("--config", target);
  else if (j === out.length - 1) out.push(target);
  else out[j + 1] = target;
  e.set("args", out);
}

/** The export report (anpkg.md §6.3). */
export interface ExportReport extends ReportCore {
  /** Whether the package file was written. */
  readonly written: boolean;
  /** Absolute path of the written package, or `null`. */
  readonly output: string | null;
  /** Size of the package in bytes, or `null` when nothing was written. */
  readonly size: number | null;
  /** SHA-256 of the package, or `null` when nothing was written. */
  readonly sha256: string | null;
}

/**
 * Exports a project to `output` (default `<source project name>.anpkg` beside `cwd`): builds and
 * self-validates in memory, then writes atomically; on any error nothing is written.
 */
export async function exportProject(
  projectPath: string,
  output: string | undefined,
  options: ExportOptions & { cwd?: string } = {},
): Promise<ExportReport> {
  const built = await buildPackage(projectPath, options);
  let target: string | null = null;
  let sha: string | null = null;
  if (built.bytes) {
    target = output ?? joinPath(options.cwd ?? Deno.cwd(), `${built.sourceProject}.anpkg`);
    const dir = target.includes("/") ? target.slice(0, target.lastIndexOf("/")) : ".";
    if (dir !== "") await Deno.mkdir(dir, { recursive: true });
    await writeFileAtomic(target, built.bytes);
    sha = await sha256Hex(built.bytes);
  }
  const core = reportCore("anpkg", "export", projectPath, "directory", built.problems);
  return {
    report_version: core.report_version,
    format: core.format,
    operation: core.operation,
    input: core.input,
    input_kind: core.input_kind,
    valid: core.valid,
    written: target !== null,
    errors: core.errors,
    warnings: core.warnings,
    problems: core.problems,
    output: target === null ? null : await Deno.realPath(target),
    size: built.bytes ? built.bytes.length : null,
    sha256: sha,
  };
}
