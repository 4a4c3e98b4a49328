/**
 * The registry of problem codes: every code either format can report, with its default
 * severity, the formats that use it and a one-line meaning. Tests assert codes, never prose.
 *
 * The order of {@link ANPKG_ORDER} and {@link AMOD_ORDER} is the order in which each format's
 * specification lists its checks; reports sort problems by it.
 *
 * @module
 */

/** Severity of a problem: errors make a package invalid, warnings never do. */
export type Severity = "error" | "warning";

/** A package format handled by the toolkit. */
export type Format = "anpkg" | "amod";

/** What the registry records about one code. */
export interface CodeInfo {
  /** Default severity. */
  readonly severity: Severity;
  /** The formats that emit the code. */
  readonly formats: readonly Format[];
  /** One-line meaning, used for the README table and `--help`. */
  readonly meaning: string;
  /** Operational: describes the environment, not the input; the CLI exits with 3. */
  readonly operational?: true;
  /** Fatal: stops every check that depends on the container. */
  readonly fatal?: true;
  /** Severity exceptions by operation (e.g. a warning at export, an error at validation). */
  readonly severityByOperation?: Readonly<Record<string, Severity>>;
}

const B: readonly Format[] = ["anpkg", "amod"];
const P: readonly Format[] = ["anpkg"];
const M: readonly Format[] = ["amod"];

function e(formats: readonly Format[], meaning: string, extra: Partial<CodeInfo> = {}): CodeInfo {
  return { severity: "error", formats, meaning, ...extra };
}
function w(formats: readonly Format[], meaning: string, extra: Partial<CodeInfo> = {}): CodeInfo {
  return { severity: "warning", formats, meaning, ...extra };
}

/** Every registered code. */
export const CODES: Readonly<Record<Code, CodeInfo>> = {
  // ── input and container (shared; amod.md §5.3 phase 1 is canonical) ──
  "input-not-found": e(B, "the input path does not exist", { fatal: true }),
  "input-unsupported": e(B, "the input is neither a regular file nor a directory", { fatal: true }),
  "io-error": e(B, "the input or a member cannot be read or written", { fatal: true, operational: true }),
  "zip-no-end-record": e(B, "no end-of-central-directory record: not a zip archive or truncated", {
    fatal: true,
  }),
  "zip-comment": e(B, "the archive has a comment"),
  "zip-trailing-data": e(B, "bytes follow the end record"),
  "zip-multi-disk": e(B, "the archive claims to span several disks", { fatal: true }),
  "zip64-invalid": e(B, "the zip64 end record or locator is malformed", { fatal: true }),
  "limit-members": e(B, "more entries than --max-members", { fatal: true }),
  "zip-central-directory-invalid": e(
    B,
    "the central directory is malformed or disagrees with the end record",
    {
      fatal: true,
    },
  ),
  "zip-host-unsupported": e(M, "an entry was written by a host whose file modes cannot be read"),
  "name-not-utf8": e(B, "an entry name is not valid UTF-8, or is non-ASCII without the UTF-8 flag"),
  "zip-encrypted": e(B, "an entry is encrypted"),
  "zip-unsupported-flags": e(B, "an entry sets an unsupported general-purpose flag"),
  "zip-unsupported-method": e(B, "an entry uses a compression method other than store or deflate"),
  "zip-extra-field-invalid": e(B, "an extra field area is malformed"),
  "zip-unicode-path-field": e(B, "an entry carries an Info-ZIP Unicode Path field"),
  "zip-local-header-invalid": e(B, "a local header is missing or runs past the end of the file"),
  "zip-header-mismatch": e(B, "a local header or data descriptor disagrees with the central directory"),
  "zip-size-mismatch": e(B, "declared and actual sizes of an entry differ"),
  "zip-crc-mismatch": e(B, "the CRC-32 of an entry differs from the declared one"),
  "zip-deflate-invalid": e(B, "a deflate stream is malformed"),
  "zip-leading-data": e(B, "bytes precede the first entry"),
  "zip-overlap": e(B, "byte ranges of entries or the central directory overlap"),
  "zip-gap": e(B, "bytes between entries belong to no entry, or entries are out of order"),
  "limit-total-bytes": e(B, "the total uncompressed size exceeds --max-total-bytes"),
  "limit-ratio": e(B, "an entry of 1 MiB or more has a compression ratio above --max-ratio"),
  // ── member names (shared) ──
  "member-name-invalid": e(P, "an entry name is empty, has an empty or '.' segment, or a control character"),
  "member-name-absolute": e(P, "an entry name starts with '/' or a drive prefix"),
  "member-name-traversal": e(P, "an entry name has a '..' segment"),
  "member-name-backslash": e(P, "an entry name contains a backslash"),
  "duplicate-member": e(B, "two entries have the same name"),
  "member-path-conflict": e(P, "a file name is also a directory prefix of another entry"),
  "directory-has-content": e(B, "a directory entry carries data"),
  "path-collision": e(B, "two names differ only in letter case or Unicode normalization"),
  "member-symlink": e(P, "an entry is a symbolic link"),
  "member-not-regular": e(P, "an entry is a device, FIFO or other special file"),
  "symlink-escapes-root": e(P, "directory form: a link resolves outside the package root"),
  "symlink-in-package": w(P, "directory form: a link resolving inside the root was followed"),
  // ── .anpkg structure ──
  "member-missing": e(P, "a required member is absent"),
  "providers-dir-missing": e(P, "nothing under providers/"),
  "providers-empty": e(P, "no providers/<id>.yaml member"),
  // ── .anpkg checksums ──
  "checksums-line-invalid": e(P, "a checksum line has no two-space separator"),
  "checksums-digest-invalid": e(P, "a checksum is not 64 lowercase hex digits"),
  "checksums-duplicate-entry": e(P, "a member is listed twice in the checksum file"),
  "checksums-self-entry": e(P, "the checksum file lists itself"),
  "checksum-missing-entry": e(P, "a member has no checksum line"),
  "checksum-orphan-entry": e(P, "a checksum line names no member"),
  "checksum-mismatch": e(B, "a member's SHA-256 differs from its checksum line"),
  "checksums-noncanonical": w(P, "the checksum file is not in canonical form"),
  // ── decoding and parsing ──
  "encoding-invalid": e(P, "a text member is not valid UTF-8"),
  "yaml-invalid": e(P, "a YAML member does not parse"),
  "json-invalid": e(P, "a JSON member does not parse"),
  "yaml-duplicate-key": e(P, "a YAML mapping repeats a key", { severityByOperation: { export: "warning" } }),
  "yaml-limits-exceeded": e(P, "a YAML document is nested too deeply or expands to too many nodes"),
  "yaml-version-ambiguous": w(P, "a plain scalar reads differently under YAML 1.1 and YAML 1.2"),
  // ── secrets ──
  "token-leak": e(P, "a token-like key holds a non-blank string"),
  // ── documents ──
  "yaml-root-not-mapping": e(P, "the root of the profile or a runtime configuration is not a mapping"),
  "schema-invalid": e(P, "a document violates its JSON Schema"),
  "format-version-unsupported": e(P, "package_format_version is not 1"),
  "provenance-invalid": w(P, "provenance.json is malformed"),
  // ── references and consistency ──
  "path-invalid": e(P, "a reference is not a string, is blank, or contains a backslash or NUL"),
  "path-absolute": e(B, "a path is absolute"),
  "path-escapes-root": e(B, "a path climbs above its root"),
  "ref-target-missing": e(P, "a reference names no member"),
  "ref-not-file": e(P, "a reference names a directory"),
  "provider-id-invalid": e(P, "a provider id is not a plain identifier"),
  "provider-id-duplicate": e(P, "two providers share an id"),
  "provider-not-in-manifest": e(P, "a runtime provider is missing from the profile"),
  "provider-not-in-runtime": e(P, "a profile provider is unused by a runtime profile"),
  "provider-args-invalid": e(P, "provider args do not carry exactly one --config value"),
  "provider-config-outside-providers": e(P, "a --config target is not under providers/"),
  "behavior-outside-behaviors-dir": e(P, "a behavior reference is not under runtime/behaviors/"),
  "provider-config-invalid": e(P, "a provider configuration is not a mapping"),
  "provider-config-empty": w(P, "a provider configuration is empty"),
  "provider-config-mismatch": w(P, "profile and runtime name different configurations for a provider"),
  "provider-schema-invalid": w(P, "a provider configuration violates its kind's schema"),
  "provider-command-unresolvable": w(P, "a provider command will not exist after extraction"),
  "member-unreferenced": w(P, "a member is not referenced by anything"),
  // ── replay ──
  "replay-failed": e(P, "the runtime's --check-config failed"),
  "replay-timeout": e(P, "the runtime's --check-config did not finish in time"),
  "replay-spawn-failed": e(P, "the runtime could not be started", { operational: true }),
  "internal-error": e(B, "an unexpected fault in the toolkit", { operational: true }),
  // ── export ──
  "project-not-found": e(B, "no project directory (or no marker file) at the given path"),
  "manual-variant-missing": e(P, "the profile has no usable manual runtime variant"),
  "runtime-providers-invalid": e(P, "the runtime's providers is not a non-empty list of mappings"),
  "provider-not-in-profile": e(P, "a runtime provider has no profile entry"),
  "provider-config-missing": e(P, "a provider configuration file is missing"),
  "provider-arg-not-string": e(P, "a provider argument is not a string"),
  "behavior-not-found": e(P, "the behavior tree file was not found"),
  "yaml-unsupported-value": e(P, "a YAML value cannot be exported unambiguously"),
  "source-name-nonportable": w(P, "the project directory name is not portable"),
  "sidecar-invalid": w(P, "workbench.json does not parse to an object"),
  "created-unrecognized": w(P, "workbench.json meta.created is not a recognized timestamp"),
  "variants-omitted": w(P, "runtime variants other than manual are not exported"),
  "variant-missing": w(P, "a declared runtime variant names no file in the project"),
  "provider-unused": w(P, "a profile provider is not used by the manual runtime"),
  "project-name-invalid": e(P, "HTTP: the project name is not allowed"),
  "not-found": e(P, "HTTP: unknown route or method"),
  // ── .amod structure ──
  "member-outside-payload": e(M, "an entry is neither a root member nor under payload/"),
  "root-member-missing": e(M, "a root member is missing"),
  "root-member-not-file": e(M, "a root member is not a regular file"),
  "root-member-too-large": e(M, "a root member is too large to read"),
  "manifest-invalid": e(M, "manifest.json is malformed"),
  "schema-version-invalid": e(M, "schema_version is not a positive integer"),
  "schema-version-unsupported": e(M, "schema_version is newer than this build understands"),
  "manifest-field-format": w(M, "a manifest field has an unexpected format"),
  "for-git-flag-mismatch": w(M, "for_git does not match the snapshot form"),
  "inventory-invalid": e(M, "inventory.json is malformed"),
  "inventory-duplicate-path": e(M, "two inventory entries share a path"),
  "inventory-path-outside-payload": e(M, "an inventory path is not under payload/"),
  "json-key-case-variant": w(M, "a JSON key differs from a known key only in case"),
  "checksums-invalid": e(M, "checksums.txt is not valid UTF-8"),
  "checksums-malformed-line": e(M, "a checksums.txt line is malformed"),
  "checksums-duplicate-name": e(M, "checksums.txt lists a name twice"),
  "checksums-unlisted-member": e(M, "a member has no checksums.txt line"),
  "checksums-missing-member": e(M, "a checksums.txt line names no member"),
  "inventory-missing-member": e(M, "an inventory path names no member"),
  "inventory-size-mismatch": e(M, "a member's size differs from the inventory"),
  "inventory-sha256-mismatch": e(M, "a member's SHA-256 differs from the inventory"),
  "inventory-mode-mismatch": e(M, "a member's mode differs from the inventory"),
  "inventory-kind-mismatch": e(M, "a member's kind or link target differs from the inventory"),
  "inventory-unlisted-member": e(M, "a payload member has no inventory entry"),
  "tree-symlink-as-file": w(M, "tree: a recorded symlink was checked out as a regular file"),
  "path-control-character": e(M, "a payload path contains a control character"),
  "path-backslash": e(M, "a payload path contains a backslash"),
  "path-drive-letter": e(M, "a payload path starts with a drive letter"),
  "path-not-canonical": e(M, "a payload path is not in canonical form"),
  "path-outside-agentmod": e(M, "a payload path is outside .agentmod"),
  "path-protected-element": e(M, "a payload path contains .git, .ssh, .aws or .docker"),
  "duplicate-payload-path": e(M, "two payload entries have the same path"),
  "entry-kind-unsupported": e(M, "a payload entry is not a directory, file or symlink"),
  "special-mode-bits": e(M, "a payload entry has setuid, setgid or sticky bits"),
  "directory-mode-restrictive": w(M, "a directory mode lacks owner permissions"),
  "symlink-target-too-large": e(M, "a symlink target is longer than 4096 bytes"),
  "symlink-target-invalid": e(M, "a symlink target is not UTF-8 or has a control character"),
  "symlink-target-empty": e(M, "a symlink target is empty"),
  "symlink-target-backslash": e(M, "a symlink target contains a backslash"),
  "symlink-target-absolute": e(M, "a symlink target is absolute"),
  "parent-not-directory": e(M, "an ancestor of a payload path is a file or symlink"),
  "implicit-parent-directory": w(M, "an ancestor directory has no entry of its own"),
  "symlink-escapes": e(M, "a symlink resolves outside .agentmod"),
  "symlink-loop": e(M, "a symlink chain is longer than 40 links"),
  "project-marker-missing": e(M, "the payload lacks .agentmod/agentmod.toml"),
  // ── .amod create, restore ──
  "agentmod-dir-missing": e(M, "the project has no .agentmod directory"),
  "agentmod-dir-not-directory": e(M, ".agentmod is not a directory"),
  "output-exists": e(M, "the output path already exists"),
  "tree-target-foreign": e(M, ".agentmod-handoff exists and is not a previous package"),
  "tree-target-not-directory": e(M, ".agentmod-handoff exists and is not a directory"),
  "worktree-dirty": e(M, "the git worktree has uncommitted changes"),
  "secret-hard-finding": e(M, "a kept file contains a private key"),
  "platform-unsupported": e(M, "the platform cannot run this command", { operational: true }),
  "source-changed": e(M, "a source entry changed while it was being packed", { operational: true }),
  "backup-exists": e(M, "the backup name is already taken"),
  "tree-not-restorable": e(M, "a tree package cannot be restored directly"),
  "git-target-unavailable": w(M, "the target's git state could not be collected"),
  "git-branch-differs": w(M, "the target's branch differs from the snapshot's"),
  "git-head-differs": w(M, "the target's HEAD differs from the snapshot's"),
  "git-remote-differs": w(M, "the target's origin URL differs from the snapshot's"),
  "extraction-failed": e(M, "restore failed while writing and was rolled back", { operational: true }),
  // ── .anpkg deploy, rollback, status ──
  "deploy-locked": e(P, "another deploy or rollback holds the install directory lock", { operational: true }),
  "install-dir-invalid": e(P, "the install directory, or its current or previous link, is not deploy's"),
  "member-name-reserved": e(P, "a member is named .release.json, which deploy reserves for release metadata"),
  "release-not-found": e(P, "the named (or previous) release is not kept in the install directory"),
  "release-invalid": e(P, "a kept release is incomplete or its files differ from its checksums"),
};

/** A registered problem code. */
export type Code =
  | "input-not-found"
  | "input-unsupported"
  | "io-error"
  | "zip-no-end-record"
  | "zip-comment"
  | "zip-trailing-data"
  | "zip-multi-disk"
  | "zip64-invalid"
  | "limit-members"
  | "zip-central-directory-invalid"
  | "zip-host-unsupported"
  | "name-not-utf8"
  | "zip-encrypted"
  | "zip-unsupported-flags"
  | "zip-unsupported-method"
  | "zip-extra-field-invalid"
  | "zip-unicode-path-field"
  | "zip-local-header-invalid"
  | "zip-header-mismatch"
  | "zip-size-mismatch"
  | "zip-crc-mismatch"
  | "zip-deflate-invalid"
  | "zip-leading-data"
  | "zip-overlap"
  | "zip-gap"
  | "limit-total-bytes"
  | "limit-ratio"
  | "member-name-invalid"
  | "member-name-absolute"
  | "member-name-traversal"
  | "member-name-backslash"
  | "duplicate-member"
  | "member-path-conflict"
  | "directory-has-content"
  | "path-collision"
  | "member-symlink"
  | "member-not-regular"
  | "symlink-escapes-root"
  | "symlink-in-package"
  | "member-missing"
  | "providers-dir-missing"
  | "providers-empty"
  | "checksums-line-invalid"
  | "checksums-digest-invalid"
  | "checksums-duplicate-entry"
  | "checksums-self-entry"
  | "checksum-missing-entry"
  | "checksum-orphan-entry"
  | "checksum-mismatch"
  | "checksums-noncanonical"
  | "encoding-invalid"
  | "yaml-invalid"
  | "json-invalid"
  | "yaml-duplicate-key"
  | "yaml-limits-exceeded"
  | "yaml-version-ambiguous"
  | "token-leak"
  | "yaml-root-not-mapping"
  | "schema-invalid"
  | "format-version-unsupported"
  | "provenance-invalid"
  | "path-invalid"
  | "path-absolute"
  | "path-escapes-root"
  | "ref-target-missing"
  | "ref-not-file"
  | "provider-id-invalid"
  | "provider-id-duplicate"
  | "provider-not-in-manifest"
  | "provider-not-in-runtime"
  | "provider-args-invalid"
  | "provider-config-outside-providers"
  | "behavior-outside-behaviors-dir"
  | "provider-config-invalid"
  | "provider-config-empty"
  | "provider-config-mismatch"
  | "provider-schema-invalid"
  | "provider-command-unresolvable"
  | "member-unreferenced"
  | "replay-failed"
  | "replay-timeout"
  | "replay-spawn-failed"
  | "internal-error"
  | "project-not-found"
  | "manual-variant-missing"
  | "runtime-providers-invalid"
  | "provider-not-in-profile"
  | "provider-config-missing"
  | "provider-arg-not-string"
  | "behavior-not-found"
  | "yaml-unsupported-value"
  | "source-name-nonportable"
  | "sidecar-invalid"
  | "created-unrecognized"
  | "variants-omitted"
  | "variant-missing"
  | "provider-unused"
  | "project-name-invalid"
  | "not-found"
  | "member-outside-payload"
  | "root-member-missing"
  | "root-member-not-file"
  | "root-member-too-large"
  | "manifest-invalid"
  | "schema-version-invalid"
  | "schema-version-unsupported"
  | "manifest-field-format"
  | "for-git-flag-mismatch"
  | "inventory-invalid"
  | "inventory-duplicate-path"
  | "inventory-path-outside-payload"
  | "json-key-case-variant"
  | "checksums-invalid"
  | "checksums-malformed-line"
  | "checksums-duplicate-name"
  | "checksums-unlisted-member"
  | "checksums-missing-member"
  | "inventory-missing-member"
  | "inventory-size-mismatch"
  | "inventory-sha256-mismatch"
  | "inventory-mode-mismatch"
  | "inventory-kind-mismatch"
  | "inventory-unlisted-member"
  | "tree-symlink-as-file"
  | "path-control-character"
  | "path-backslash"
  | "path-drive-letter"
  | "path-not-canonical"
  | "path-outside-agentmod"
  | "path-protected-element"
  | "duplicate-payload-path"
  | "entry-kind-unsupported"
  | "special-mode-bits"
  | "directory-mode-restrictive"
  | "symlink-target-too-large"
  | "symlink-target-invalid"
  | "symlink-target-empty"
  | "symlink-target-backslash"
  | "symlink-target-absolute"
  | "parent-not-directory"
  | "implicit-parent-directory"
  | "symlink-escapes"
  | "symlink-loop"
  | "project-marker-missing"
  | "agentmod-dir-missing"
  | "agentmod-dir-not-directory"
  | "output-exists"
  | "tree-target-foreign"
  | "tree-target-not-directory"
  | "worktree-dirty"
  | "secret-hard-finding"
  | "platform-unsupported"
  | "source-changed"
  | "backup-exists"
  | "tree-not-restorable"
  | "git-target-unavailable"
  | "git-branch-differs"
  | "git-head-differs"
  | "git-remote-differs"
  | "extraction-failed"
  | "deploy-locked"
  | "install-dir-invalid"
  | "member-name-reserved"
  | "release-not-found"
  | "release-invalid";

/** Looks up a code; `undefined` for unregistered strings. */
export function codeInfo(code: string): CodeInfo | undefined {
  return Object.hasOwn(CODES, code) ? (CODES as Record<string, CodeInfo>)[code] : undefined;
}

/** The severity a code has in the given operation (`export`, `validate`, …). */
export function severityOf(code: Code, operation?: string): Severity {
  const info: CodeInfo = CODES[code];
  return (operation !== undefined ? info.severityByOperation?.[operation] : undefined) ?? info.severity;
}

/**
 * `.anpkg` report order (anpkg.md §3.4 rows). Codes in one inner array share a rank: they are the
 * canonical codes a broader anpkg name maps to (spec/README.md), which take that name's row.
 */
export const ANPKG_ORDER: readonly (Code | readonly Code[])[] = [
  "input-not-found",
  "input-unsupported",
  "io-error",
  [
    "zip-no-end-record",
    "zip-central-directory-invalid",
    "zip64-invalid",
    "zip-multi-disk",
    "zip-local-header-invalid",
  ],
  ["zip-leading-data", "zip-trailing-data", "zip-gap", "zip-comment"],
  "zip-overlap",
  "zip-header-mismatch",
  "zip-unsupported-method",
  "zip-encrypted",
  "zip-size-mismatch",
  "zip-crc-mismatch",
  ["zip-unsupported-flags", "zip-extra-field-invalid", "zip-unicode-path-field", "zip-deflate-invalid"],
  "limit-ratio",
  ["limit-total-bytes", "limit-members"],
  "name-not-utf8",
  "member-name-invalid",
  "member-name-absolute",
  "member-name-traversal",
  "member-name-backslash",
  "duplicate-member",
  "member-path-conflict",
  "directory-has-content",
  "path-collision",
  "member-symlink",
  "member-not-regular",
  "symlink-escapes-root",
  "symlink-in-package",
  "member-missing",
  "providers-dir-missing",
  "providers-empty",
  "checksums-line-invalid",
  "checksums-digest-invalid",
  "checksums-duplicate-entry",
  "checksums-self-entry",
  "checksum-missing-entry",
  "checksum-orphan-entry",
  "checksum-mismatch",
  "checksums-noncanonical",
  "encoding-invalid",
  "yaml-invalid",
  "json-invalid",
  "yaml-duplicate-key",
  "yaml-limits-exceeded",
  "yaml-version-ambiguous",
  "token-leak",
  "yaml-root-not-mapping",
  "schema-invalid",
  "format-version-unsupported",
  "provenance-invalid",
  "path-invalid",
  "path-absolute",
  "path-escapes-root",
  "ref-target-missing",
  "ref-not-file",
  "provider-id-invalid",
  "provider-id-duplicate",
  "provider-not-in-manifest",
  "provider-not-in-runtime",
  "provider-args-invalid",
  "provider-config-outside-providers",
  "behavior-outside-behaviors-dir",
  "provider-config-invalid",
  "provider-config-empty",
  "provider-config-mismatch",
  "provider-schema-invalid",
  "provider-command-unresolvable",
  "member-unreferenced",
  "replay-failed",
  "replay-timeout",
  "replay-spawn-failed",
  "internal-error",
  "project-not-found",
  "manual-variant-missing",
  "runtime-providers-invalid",
  "provider-not-in-profile",
  "provider-config-missing",
  "provider-arg-not-string",
  "behavior-not-found",
  "yaml-unsupported-value",
  "source-name-nonportable",
  "sidecar-invalid",
  "created-unrecognized",
  "variants-omitted",
  "variant-missing",
  "provider-unused",
  "project-name-invalid",
  "not-found",
  "deploy-locked",
  "install-dir-invalid",
  "member-name-reserved",
  "release-not-found",
  "release-invalid",
];

/** `.amod` report order (amod.md §5.3 tables, then the create and restore tables). */
export const AMOD_ORDER: readonly Code[] = [
  "input-not-found",
  "input-unsupported",
  "io-error",
  "zip-no-end-record",
  "zip-comment",
  "zip-trailing-data",
  "zip-multi-disk",
  "zip64-invalid",
  "limit-members",
  "zip-central-directory-invalid",
  "zip-host-unsupported",
  "name-not-utf8",
  "zip-encrypted",
  "zip-unsupported-flags",
  "zip-unsupported-method",
  "zip-extra-field-invalid",
  "zip-unicode-path-field",
  "zip-local-header-invalid",
  "zip-header-mismatch",
  "zip-size-mismatch",
  "zip-crc-mismatch",
  "zip-deflate-invalid",
  "zip-leading-data",
  "zip-overlap",
  "zip-gap",
  "limit-total-bytes",
  "limit-ratio",
  "duplicate-member",
  "member-outside-payload",
  "root-member-missing",
  "root-member-not-file",
  "root-member-too-large",
  "manifest-invalid",
  "schema-version-invalid",
  "schema-version-unsupported",
  "manifest-field-format",
  "for-git-flag-mismatch",
  "inventory-invalid",
  "inventory-duplicate-path",
  "inventory-path-outside-payload",
  "json-key-case-variant",
  "checksums-invalid",
  "checksums-malformed-line",
  "checksums-duplicate-name",
  "checksums-unlisted-member",
  "checksum-mismatch",
  "checksums-missing-member",
  "inventory-missing-member",
  "inventory-size-mismatch",
  "inventory-sha256-mismatch",
  "inventory-mode-mismatch",
  "inventory-kind-mismatch",
  "inventory-unlisted-member",
  "tree-symlink-as-file",
  "path-control-character",
  "path-backslash",
  "path-absolute",
  "path-drive-letter",
  "path-escapes-root",
  "path-not-canonical",
  "path-outside-agentmod",
  "path-protected-element",
  "duplicate-payload-path",
  "entry-kind-unsupported",
  "directory-has-content",
  "special-mode-bits",
  "directory-mode-restrictive",
  "symlink-target-too-large",
  "symlink-target-invalid",
  "symlink-target-empty",
  "symlink-target-backslash",
  "symlink-target-absolute",
  "path-collision",
  "parent-not-directory",
  "implicit-parent-directory",
  "symlink-escapes",
  "symlink-loop",
  "project-marker-missing",
  "project-not-found",
  "agentmod-dir-missing",
  "agentmod-dir-not-directory",
  "output-exists",
  "tree-target-foreign",
  "tree-target-not-directory",
  "worktree-dirty",
  "secret-hard-finding",
  "platform-unsupported",
  "source-changed",
  "backup-exists",
  "tree-not-restorable",
  "git-target-unavailable",
  "git-branch-differs",
  "git-head-differs",
  "git-remote-differs",
  "extraction-failed",
  "internal-error",
];

function rankTable(order: readonly (Code | readonly Code[])[]): Map<string, number> {
  const ranks = new Map<string, number>();
  order.forEach((row, i) => {
    for (const code of typeof row === "string" ? [row] : row) ranks.set(code, i);
  });
  return ranks;
}

const RANKS: Record<Format, Map<string, number>> = {
  anpkg: rankTable(ANPKG_ORDER),
  amod: rankTable(AMOD_ORDER),
};

/** The sort rank of a code within a format's report (unknown codes sort last). */
export function codeRank(format: Format, code: string): number {
  return RANKS[format].get(code) ?? Number.MAX_SAFE_INTEGER;
}
