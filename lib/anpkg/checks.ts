/**
 * Stages B–G of .anpkg validation (anpkg.md §3.4) over a member set: structure, checksums,
 * parsing, secrets, documents, references and consistency. Every check runs; a check whose
 * input is missing or unparsed is skipped silently so one defect does not cascade.
 *
 * @module
 */

import { type Problem, problem } from "../report/report.ts";
import { isBlank } from "../text.ts";
import { keyText, YamlMap, type YamlValue } from "../yaml/types.ts";
import { checkChecksums, CHECKSUMS_MEMBER } from "./checksums.ts";
import { asMapping, type ParsedDocs, parseMember } from "./documents.ts";
import { findLeaks } from "./leak.ts";
import { isStructuredMember, type MemberSet } from "./members.ts";
import { isAbsoluteLike, type MemberIndex, normalizeRef, type RefResult, resolveRef } from "./refs.ts";
import { checkAgainstSchema, type SchemaKind } from "./schema.ts";

/** The four members every package has. */
export const REQUIRED_MEMBERS = [
  "machine-profile.yaml",
  "runtime/anolis-runtime.yaml",
  "meta/provenance.json",
  CHECKSUMS_MEMBER,
] as const;

const PROFILE = "machine-profile.yaml";
const PROVENANCE = "meta/provenance.json";

/** What the checks learned, for inspect, replay and export. */
export interface PackageFacts {
  /** Parsed documents by member name. */
  readonly docs: ParsedDocs;
  /** The normalized member name of `runtime_profiles.manual`, when it resolves. */
  readonly manual: string | null;
}

/** Runs stages B–G and returns the problems and facts. */
export function checkMembers(
  set: MemberSet,
  operation = "validate",
): { problems: Problem[]; facts: PackageFacts } {
  const problems: Problem[] = [];
  const docs: ParsedDocs = new Map();
  const index: MemberIndex = { files: new Set(set.members.keys()), dirs: set.dirs };

  // B. Structure.
  for (const name of REQUIRED_MEMBERS) {
    if (!set.members.has(name)) {
      problems.push(problem("member-missing", `Required member "${name}" is missing`, { member: name }));
    }
  }
  const names = [...set.members.keys()];
  if (!set.dirs.has("providers") && !names.some((n) => n.startsWith("providers/"))) {
    problems.push(problem("providers-dir-missing", 'Nothing under "providers/"', { member: "providers/" }));
  } else if (!names.some((n) => /^providers\/[^/]+\.ya?ml$/.test(n))) {
    problems.push(problem("providers-empty", 'No "providers/<id>.yaml" member', { member: "providers/" }));
  }

  // C. Checksums.
  const checksums = set.members.get(CHECKSUMS_MEMBER);
  if (checksums?.content) {
    const digests = new Map<string, string | null>();
    for (const m of set.members.values()) digests.set(m.name, m.sha256);
    problems.push(...checkChecksums(checksums.content, { digests }));
  }

  // D. Decoding and parsing; E. secrets.
  for (const m of set.members.values()) {
    if (!isStructuredMember(m.name) || m.content === null) continue;
    const r = parseMember(m.name, m.content, operation);
    problems.push(...r.problems);
    if (r.ok) {
      docs.set(m.name, r.doc);
      problems.push(...findLeaks(m.name, r.doc));
    }
  }

  // F. Documents.
  const profileDoc = docs.has(PROFILE) ? docs.get(PROFILE) : undefined;
  let profile: YamlMap | null = null;
  if (docs.has(PROFILE)) {
    profile = asMapping(profileDoc, true);
    if (profile === null) {
      problems.push(
        problem("yaml-root-not-mapping", "The machine profile is not a mapping", { member: PROFILE }),
      );
    } else {
      problems.push(...schemaProblems("machine-profile", profile, PROFILE, "schema-invalid"));
    }
  }
  if (docs.has(PROVENANCE)) problems.push(...checkProvenance(docs.get(PROVENANCE)));

  // G. References and consistency.
  const manual = profile ? new ReferenceChecks(set, index, docs, profile, problems, operation).run() : null;
  return { problems, facts: { docs, manual } };
}

function schemaProblems(
  kind: SchemaKind,
  doc: YamlValue,
  member: string,
  code: "schema-invalid" | "provider-schema-invalid",
): Problem[] {
  return checkAgainstSchema(kind, doc).map((v) => problem(code, v.message, { member, path: v.path }));
}

const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function checkProvenance(doc: unknown): Problem[] {
  const member = PROVENANCE;
  const out: Problem[] = [];
  const root = asMapping(doc);
  if (root === null) return [problem("provenance-invalid", "Provenance is not a JSON object", { member })];
  const version = root.get("package_format_version");
  if (isInteger(version) && Number(version) !== 1) {
    out.push(
      problem(
        "format-version-unsupported",
        `Package format version ${String(version)} is not supported (only 1)`,
        {
          member,
          path: "$.package_format_version",
        },
      ),
    );
  }
  const bad = (path: string, what: string) =>
    out.push(problem("provenance-invalid", `Provenance field ${what}`, { member, path }));
  const at = root.get("exported_at");
  if (typeof at !== "string" || !STAMP.test(at)) {
    bad("$.exported_at", '"exported_at" is missing or not a UTC timestamp');
  }
  if (typeof root.get("exported_variant") !== "string") {
    bad("$.exported_variant", '"exported_variant" is not a string');
  }
  const omitted = root.get("omitted_variants");
  if (!Array.isArray(omitted) || omitted.some((v) => typeof v !== "string")) {
    bad("$.omitted_variants", '"omitted_variants" is not a list of strings');
  }
  if (!isInteger(version)) bad("$.package_format_version", '"package_format_version" is not an integer');
  const policy = asMapping(root.get("redaction_policy"));
  if (!policy) bad("$.redaction_policy", '"redaction_policy" is not an object');
  else {
    if (typeof policy.get("deploy_time_env_var") !== "string") {
      bad("$.redaction_policy.deploy_time_env_var", '"deploy_time_env_var" is not a string');
    }
    if (typeof policy.get("telemetry_influxdb_token_removed") !== "boolean") {
      bad(
        "$.redaction_policy.telemetry_influxdb_token_removed",
        '"telemetry_influxdb_token_removed" is not a boolean',
      );
    }
  }
  const versions = asMapping(root.get("schema_versions"));
  if (!versions) bad("$.schema_versions", '"schema_versions" is not an object');
  else {
    for (const k of ["machine-profile", "runtime-config"]) {
      if (!isInteger(versions.get(k))) bad(`$.schema_versions.${k}`, `"${k}" is not an integer`);
    }
  }
  if (typeof root.get("source_project") !== "string") {
    bad("$.source_project", '"source_project" is not a string');
  }
  return out;
}

/** An integer in either document model (YAML bigint, or a JSON number without fraction). */
export function isInteger(v: unknown): boolean {
  return typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
}

/** The provider kind named by a runtime command (anpkg.md §1.6), or null. */
export function providerKind(command: unknown): string | null {
  if (typeof command !== "string") return null;
  let base = command.slice(Math.max(command.lastIndexOf("/"), command.lastIndexOf("\\")) + 1);
  if (base.endsWith(".exe")) base = base.slice(0, -4);
  const m = /^anolis-provider-([a-z0-9-]+)$/.exec(base);
  return m ? m[1] as string : null;
}

const PROVIDER_SCHEMAS: Record<string, SchemaKind> = {
  sim: "provider-sim",
  bread: "provider-bread",
  ezo: "provider-ezo",
};
const ID = /^[A-Za-z0-9_-]+$/;

/** Whether a value is truthy in the reference's (Python's) sense. */
export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === "" || v === 0 || v === 0n) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof YamlMap) return v.size > 0;
  return true;
}

/** The automation block's behavior reference by the truthiness rule of §2.4, or `undefined`. */
export function automationRef(runtime: YamlMap): { key: string; value: unknown } | undefined {
  const automation = asMapping(runtime.get("automation"));
  if (!automation) return undefined;
  const tree = automation.get("behavior_tree");
  if (pyTruthy(tree)) return { key: "behavior_tree", value: tree };
  if (automation.has("behavior_tree_path")) {
    return { key: "behavior_tree_path", value: automation.get("behavior_tree_path") };
  }
  return { key: "behavior_tree", value: tree };
}

class ReferenceChecks {
  readonly referenced = new Set<string>();
  /** Provider members already checked (name), and schema checks done (name NUL schema). */
  readonly checkedConfigs = new Set<string>();
  constructor(
    readonly set: MemberSet,
    readonly index: MemberIndex,
    readonly docs: ParsedDocs,
    readonly profile: YamlMap,
    readonly problems: Problem[],
    readonly operation: string,
  ) {}

  push(code: Parameters<typeof problem>[0], message: string, member: string, path: string | null): void {
    this.problems.push(problem(code, message, { member, path, operation: this.operation }));
  }

  /** Resolves a reference, reporting path problems; returns the member name or null. */
  ref(value: unknown, member: string, path: string, label: string, informational = false): string | null {
    const r: RefResult | null = resolveRef(value, this.index, informational);
    if (r === null) return null;
    if (!r.ok) {
      this.push(r.code, `${label} ${r.reason}`, member, path);
      return null;
    }
    this.referenced.add(r.name);
    return r.name;
  }

  /** The parsed document of a member (members that are not YAML or JSON are never parsed). */
  doc(name: string): { ok: boolean; doc: unknown } {
    return this.docs.has(name) ? { ok: true, doc: this.docs.get(name) } : { ok: false, doc: undefined };
  }

  run(): string | null {
    const profile = this.profile;
    const profileProviders = asMapping(profile.get("providers"));
    const providerIds = profileProviders ? [...profileProviders.entries()].map(([k]) => keyText(k)) : [];
    let manual: string | null = null;
    let manualConfigs = new Map<string, string>();

    const variants = asMapping(profile.get("runtime_profiles"));
    for (const [k, value] of variants?.entries() ?? []) {
      const variant = keyText(k);
      const name = this.ref(value, PROFILE, `$.runtime_profiles.${variant}`, `Runtime profile "${variant}"`);
      if (name === null) continue;
      if (variant === "manual") manual = name;
      const parsed = this.doc(name);
      if (!parsed.ok) continue;
      const runtime = asMapping(parsed.doc, true);
      if (!runtime) {
        this.push("yaml-root-not-mapping", `Runtime profile "${variant}" is not a mapping`, name, null);
        continue;
      }
      this.problems.push(...schemaProblems("runtime-config", runtime, name, "schema-invalid"));
      const configs = this.checkRuntimeProviders(name, runtime, providerIds);
      if (variant === "manual") manualConfigs = configs;
      this.checkAutomation(name, runtime);
    }

    for (const [k, entry] of profileProviders?.entries() ?? []) {
      const id = keyText(k);
      const config = asMapping(entry)?.get("config");
      const path = `$.providers.${id}.config`;
      const name = this.ref(config, PROFILE, path, `Configuration of provider "${id}"`);
      if (name === null) continue;
      this.checkProviderConfig(name, null);
      const runtimeName = manualConfigs.get(id);
      if (runtimeName !== undefined && runtimeName !== name) {
        this.push(
          "provider-config-mismatch",
          `The profile names "${name}" for provider "${id}" but the manual runtime passes "${runtimeName}"`,
          PROFILE,
          path,
        );
      }
    }

    const behaviors = profile.get("behaviors");
    if (Array.isArray(behaviors)) {
      behaviors.forEach((b, i) => this.checkBehavior(b, PROFILE, `$.behaviors[${i}]`));
    }
    const script = asMapping(profile.get("validation"))?.get("check_http_script");
    if (script !== undefined && script !== null) {
      this.ref(script, PROFILE, "$.validation.check_http_script", "The HTTP check script", true);
    }

    for (const name of this.set.members.keys()) {
      if ((REQUIRED_MEMBERS as readonly string[]).includes(name) || this.referenced.has(name)) continue;
      this.push("member-unreferenced", "Nothing in the package references this member", name, null);
    }
    return manual;
  }

  checkRuntimeProviders(
    member: string,
    runtime: YamlMap,
    profileIds: readonly string[],
  ): Map<string, string> {
    const configs = new Map<string, string>();
    const list = runtime.get("providers");
    if (!Array.isArray(list)) return configs;
    const seen = new Set<string>();
    list.forEach((entry, i) => {
      const e = asMapping(entry);
      if (!e) return;
      const base = `$.providers[${i}]`;
      const id = e.get("id");
      const idOk = typeof id === "string" && ID.test(id);
      if (!idOk) {
        this.push(
          "provider-id-invalid",
          `Provider id ${describe(id)} is not a plain identifier (letters, digits, "_", "-")`,
          member,
          `${base}.id`,
        );
      } else if (seen.has(id)) {
        this.push(
          "provider-id-duplicate",
          `Provider id "${id}" appears more than once`,
          member,
          `${base}.id`,
        );
      } else {
        seen.add(id);
        if (!profileIds.includes(id)) {
          this.push(
            "provider-not-in-manifest",
            `Provider "${id}" is not listed in the machine profile`,
            member,
            `${base}.id`,
          );
        }
      }
      const config = this.checkArgs(member, e, base);
      // The first entry of an id decides its configuration; a duplicate is reported above.
      if (config !== null && idOk && !configs.has(id)) configs.set(id, config);
      this.checkCommand(member, e.get("command"), `${base}.command`);
      if (config !== null) this.checkProviderConfig(config, providerKind(e.get("command")));
    });
    for (const id of profileIds) {
      if (!seen.has(id)) {
        this.push(
          "provider-not-in-runtime",
          `Profile provider "${id}" is not used by this runtime profile`,
          member,
          "$.providers",
        );
      }
    }
    return configs;
  }

  /** Checks `args` and returns the normalized `--config` member, when there is one. */
  checkArgs(member: string, e: YamlMap, base: string): string | null {
    const args = e.get("args");
    const path = `${base}.args`;
    if (!Array.isArray(args)) {
      this.push("provider-args-invalid", "Provider args are missing or not a list", member, path);
      return null;
    }
    const at: number[] = [];
    let invalid = false;
    args.forEach((a, j) => {
      if (a === "--config") at.push(j);
      else if (typeof a === "string" && a.startsWith("--config=")) {
        this.push(
          "provider-args-invalid",
          'Use "--config" and a separate value, not "--config=…"',
          member,
          `${path}[${j}]`,
        );
        invalid = true;
      }
    });
    if (at.length > 1) {
      this.push("provider-args-invalid", `Provider args contain "--config" ${at.length} times`, member, path);
      return null;
    }
    const j = at[0];
    if (j === undefined || j === args.length - 1) {
      if (!invalid) {
        this.push(
          "provider-args-invalid",
          'Provider args have no "--config" followed by a value',
          member,
          path,
        );
      }
      return null;
    }
    const vpath = `${path}[${j + 1}]`;
    const name = this.ref(args[j + 1], member, vpath, "The --config value");
    if (name === null) return null;
    if (!name.startsWith("providers/")) {
      this.push(
        "provider-config-outside-providers",
        `The --config value names "${name}", outside "providers/"`,
        member,
        vpath,
      );
    }
    return name;
  }

  checkCommand(member: string, command: unknown, path: string): void {
    if (typeof command !== "string" || !/[/\\]/.test(command)) return;
    if (isAbsoluteLike(command) || command.startsWith("\\")) return;
    const r = normalizeRef(command.replaceAll("\\", "/"));
    if (r.ok && this.index.files.has(r.name)) {
      this.referenced.add(r.name);
      return;
    }
    this.push(
      "provider-command-unresolvable",
      "The provider command points outside the package and will not exist after extraction",
      member,
      path,
    );
  }

  /**
   * Checks a provider member once, however many references name it (the profile, the runtime
   * profiles); its schema once per kind that a runtime command gives it.
   */
  checkProviderConfig(name: string, kind: string | null): void {
    const parsed = this.doc(name);
    if (!parsed.ok) return;
    const map = asMapping(parsed.doc);
    const first = !this.checkedConfigs.has(name);
    this.checkedConfigs.add(name);
    if (!map) {
      if (first) {
        this.push("provider-config-invalid", "The provider configuration is not a mapping", name, null);
      }
      return;
    }
    if (first && map.size === 0) {
      this.push("provider-config-empty", "The provider configuration is empty", name, null);
    }
    const schema = kind === null ? undefined : PROVIDER_SCHEMAS[kind];
    if (schema && !this.checkedConfigs.has(`${name}\u0000${schema}`)) {
      this.checkedConfigs.add(`${name}\u0000${schema}`);
      this.problems.push(...schemaProblems(schema, map, name, "provider-schema-invalid"));
    }
  }

  checkAutomation(member: string, runtime: YamlMap): void {
    const ref = automationRef(runtime);
    if (!ref || typeof ref.value !== "string" || isBlank(ref.value)) return;
    this.checkBehavior(ref.value, member, `$.automation.${ref.key}`);
  }

  checkBehavior(value: unknown, member: string, path: string): void {
    const r = normalizeRef(value);
    if (r.ok && !/^runtime\/behaviors\/[^/]/.test(r.name)) {
      this.push(
        "behavior-outside-behaviors-dir",
        `Behavior reference "${r.name}" is not under "runtime/behaviors/"`,
        member,
        path,
      );
    }
    this.ref(value, member, path, "The behavior reference");
  }
}

function describe(v: unknown): string {
  if (typeof v === "string") return `"${v}"`;
  if (v === undefined) return "(missing)";
  if (v === null) return "null";
  if (typeof v === "bigint" || typeof v === "number") return `${String(v)} (a number)`;
  if (typeof v === "boolean") return `${v} (a boolean)`;
  return "(not a string)";
}
