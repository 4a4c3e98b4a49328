/**
 * `.anpkg` inspect (anpkg.md §6.1, §6.3): describes a package without judging it — members with
 * sizes and digests, provenance, a profile summary, stage-A problems, and whether the archive is
 * canonical (rewriting its members with §2.10 reproduces it byte for byte).
 *
 * @module
 */

import { concatBytes } from "../bytes.ts";
import { AdaptiveSha256 } from "../digest.ts";
import { compareCodePoints, type ReportCore, reportCore } from "../report/report.ts";
import { keyText, YamlMap } from "../yaml/types.ts";
import { ANPKG_LIMITS, type ZipLimits } from "../zip/limits.ts";
import { writeStoredZip } from "../zip/stored.ts";
import { automationRef } from "./checks.ts";
import { asMapping, parseMember } from "./documents.ts";
import type { MemberSet } from "./members.ts";
import { readFileChunks } from "./directory.ts";
import { normalizeRef } from "./refs.ts";
import { readPackagePath } from "./validate.ts";

/** One member as inspect lists it. */
export interface InspectedMember {
  /** Member name. */
  readonly name: string;
  /** Uncompressed size in bytes. */
  readonly size: number;
  /** Bytes stored in the archive, or `null` for the directory form. */
  readonly compressed_size: number | null;
  /** Compression method (0 stored, 8 deflate), or `null` for the directory form. */
  readonly method: number | null;
  /** Declared CRC-32 as 8 hex digits, or `null` for the directory form. */
  readonly crc32: string | null;
  /** SHA-256 of the member, or `null` when it could not be read. */
  readonly sha256: string | null;
  /** Unix permissions as four octal digits, or `null` when unknown. */
  readonly mode: string | null;
}

/** The profile summary. */
export interface ProfileSummary {
  /** The profile's `machine_id`. */
  readonly machine_id: unknown;
  /** The profile's `display_name`. */
  readonly display_name: unknown;
  /** Provider ids of the manual runtime with their `--config` targets and commands. */
  readonly providers: readonly { id: unknown; config: string | null; command: unknown }[];
  /** Behavior members named by the profile or the automation block. */
  readonly behaviors: readonly string[];
}

/** The `archive` object of the inspect report. */
export interface InspectedArchive {
  /** Size of the package file in bytes, or `null` for a directory. */
  readonly size: number | null;
  /** SHA-256 of the package file, or `null` for a directory. */
  readonly sha256: string | null;
  /** Number of zip entries (directory entries and repeated names included); members for a directory. */
  readonly entries: number;
  /** Every member, in code-point order. */
  readonly members: readonly InspectedMember[];
  /** The parsed `meta/provenance.json`, or `null`. */
  readonly provenance: unknown;
  /** A summary of the machine profile, or `null`. */
  readonly profile: ProfileSummary | null;
  /** True when rewriting the members with §2.10 reproduces the file (`null` for a directory). */
  readonly canonical: boolean | null;
}

/** The inspect report. */
export interface InspectReport extends ReportCore {
  /** What inspect found. */
  readonly archive: InspectedArchive;
}

/** Converts a parsed document to plain JSON for the report (YAML integers become numbers). */
export function toPlainJson(v: unknown): unknown {
  if (v instanceof YamlMap) {
    const out: Record<string, unknown> = {};
    for (const [k, child] of v.entries()) out[keyText(k)] = toPlainJson(child);
    return out;
  }
  if (Array.isArray(v)) return v.map(toPlainJson);
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  if (v === undefined) return null;
  if (typeof v === "object" && v !== null) return String(v);
  return v;
}

function summarizeProfile(set: MemberSet): ProfileSummary | null {
  const doc = (name: string): unknown => {
    const m = set.members.get(name);
    if (!m?.content) return undefined;
    const r = parseMember(name, m.content, "inspect");
    return r.ok ? r.doc : undefined;
  };
  const profile = asMapping(doc("machine-profile.yaml"));
  if (!profile) return null;
  const manualRef = normalizeRef(asMapping(profile.get("runtime_profiles"))?.get("manual"));
  const runtime = manualRef.ok ? asMapping(doc(manualRef.name)) : null;
  const providers: { id: unknown; config: string | null; command: unknown }[] = [];
  const list = runtime?.get("providers");
  if (Array.isArray(list)) {
    for (const entry of list) {
      const e = asMapping(entry);
      if (!e) continue;
      const args = e.get("args");
      const at = Array.isArray(args) ? args.indexOf("--config") : -1;
      const config = Array.isArray(args) && at >= 0 && typeof args[at + 1] === "string"
        ? args[at + 1] as string
        : null;
      providers.push({ id: toPlainJson(e.get("id")), config, command: toPlainJson(e.get("command")) });
    }
  }
  const behaviors = new Set<string>();
  const listed = profile.get("behaviors");
  if (Array.isArray(listed)) { for (const b of listed) if (typeof b === "string") behaviors.add(b); }
  const ref = runtime ? automationRef(runtime) : undefined;
  if (typeof ref?.value === "string") behaviors.add(ref.value);
  return {
    machine_id: toPlainJson(profile.get("machine_id")),
    display_name: toPlainJson(profile.get("display_name")),
    providers,
    behaviors: [...behaviors].sort(compareCodePoints),
  };
}

/** Input problems after which the file was never opened. */
const NOT_OPENED = new Set<string>(["input-not-found", "input-unsupported", "io-error"]);

/** Inspects a package file or extracted directory. */
export async function inspectPackage(
  path: string,
  options: { limits?: ZipLimits } = {},
): Promise<InspectReport> {
  const opened = await readPackagePath(path, options.limits ?? ANPKG_LIMITS);
  try {
    const set = opened.set;
    const core = reportCore("anpkg", "inspect", path, set.inputKind, set.problems);
    const members: InspectedMember[] = [...set.members.values()]
      .sort((a, b) => compareCodePoints(a.name, b.name))
      .map((m) => ({
        name: m.name,
        size: m.size,
        compressed_size: m.compressedSize,
        method: m.method,
        crc32: m.crc32 === null ? null : (m.crc32 >>> 0).toString(16).padStart(8, "0"),
        sha256: m.sha256,
        mode: m.mode === null ? null : "0" + (m.mode & 0o7777).toString(8).padStart(3, "0"),
      }));
    const prov = set.members.get("meta/provenance.json");
    const parsedProv = prov?.content ? parseMember(prov.name, prov.content, "inspect") : null;
    let size: number | null = null;
    let sha256: string | null = null;
    let canonical: boolean | null = null;
    // A file that was opened is described even when it is not a usable archive (§6.1: size and
    // SHA-256 of the file); only a missing, special or unreadable input has no file facts.
    const isFile = !set.problems.some((p) => NOT_OPENED.has(p.code));
    if (set.inputKind !== "directory" && isFile) {
      const hash = new AdaptiveSha256();
      size = await readFileChunks(path, (c) => hash.update(c));
      sha256 = await hash.hex();
      canonical = core.errors === 0 ? await isCanonical(set, sha256) : false;
    }
    return {
      ...core,
      archive: {
        size,
        sha256,
        entries: set.entries,
        members,
        provenance: parsedProv?.ok ? toPlainJson(parsedProv.doc) : null,
        profile: set.fatal ? null : summarizeProfile(set),
        canonical,
      },
    };
  } finally {
    opened.close();
  }
}

/** True when rewriting the members with §2.10 gives a file with the given SHA-256. */
async function isCanonical(set: MemberSet, fileSha256: string): Promise<boolean> {
  const members: { name: string; data: Uint8Array }[] = [];
  for (const name of set.members.keys()) {
    const chunks: Uint8Array[] = [];
    await set.stream(name, (c) => Promise.resolve(void chunks.push(c.slice())));
    members.push({ name, data: concatBytes(chunks) });
  }
  const rebuilt = writeStoredZip(members);
  if (!rebuilt.ok) return false;
  const hash = new AdaptiveSha256();
  await hash.update(rebuilt.bytes);
  return (await hash.hex()) === fileSha256;
}
