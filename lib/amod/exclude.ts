/**
 * Exclusion rules of the create walk (amod.md §2): the structural `snapshots-output` skip, the
 * policy rules 1–9 (`.amod`) and 1–11 (tree package), and the safety rules 12–15 that keep create
 * from packing anything restore would refuse. Rule 16 (`unsafe-symlink`) is decided after the walk
 * by `unsafeSymlinks` in `resolve.ts`; its id and reason live here with the others.
 *
 * Every rule sees the entry's rel path, base name and `lstat` kind; the first match wins. Rule ids
 * are part of the format; the reasons are ours.
 *
 * @module
 */

import { collisionKey, hasControlCharacter } from "../names.ts";

/** The two forms a snapshot takes: an `.amod` file or the git-storable tree package. */
export type SnapshotForm = "amod" | "tree";

/** Kind of a walked entry as `lstat` reports it; `special` is a fifo, socket or device. */
export type EntryKind = "directory" | "file" | "symlink" | "special";

/** What a rule sees of one walked entry (amod.md §2.1). */
export interface RuleInput {
  /** Project-root-relative path with `/` separators, e.g. `.agentmod/claude/.env`. */
  readonly relPath: string;
  /** The last segment of {@link RuleInput.relPath}. */
  readonly baseName: string;
  /** The `lstat` kind: a symlink is never a directory, whatever it points at. */
  readonly kind: EntryKind;
}

/** Ids of the policy rules (amod.md §2.2, §2.3). */
export type PolicyRuleId =
  | "auth-file"
  | "env-file"
  | "ssh-key"
  | "credential-dir"
  | "os-credential-store"
  | "vcs-git"
  | "node-modules"
  | "cache"
  | "tmp"
  | "session-data"
  | "log-data";

/** Ids of the safety rules that always apply (amod.md §2.4). */
export type SafetyRuleId =
  | "protected-name"
  | "unportable-name"
  | "name-collision"
  | "special-file"
  | "unsafe-symlink";

/** Every id an exclusion can carry, including the structural skip (amod.md §2.5). */
export type RuleId = PolicyRuleId | SafetyRuleId | "snapshots-output";

/** A rule's identity: its format id and our one-line reason. */
export interface ExclusionRule {
  /** The rule id of the format, e.g. `env-file`. */
  readonly id: RuleId;
  /** Our one-line explanation, shown after the id. */
  readonly reason: string;
}

/** A policy rule: identity plus its match test. */
export interface PolicyRule extends ExclusionRule {
  /** The policy rule's id. */
  readonly id: PolicyRuleId;
  /** True when the rule excludes the entry. */
  readonly matches: (entry: RuleInput) => boolean;
}

/** One recorded exclusion (`REDACTION.md`, CLI summary). */
export interface Exclusion {
  /** Rel path; a directory carries a trailing `/`. */
  readonly path: string;
  /** Id of the rule that excluded the entry. */
  readonly rule: RuleId;
  /** That rule's reason. */
  readonly reason: string;
}

const isDir = (e: RuleInput): boolean => e.kind === "directory";

const AUTH_NAMES = new Set([".credentials.json", "auth.json", "credentials.json", "credentials"]);
const SSH_KEY_NAMES = new Set(["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"]);
const CREDENTIAL_DIRS = new Set([".ssh", ".aws", ".azure", ".gcloud", ".kube", ".gnupg", ".docker"]);
const CACHE_PATHS = new Set([".agentmod/node/npm-cache", ".agentmod/node/pnpm", ".agentmod/node/bun"]);
const TMP_DIRS = new Set(["tmp", ".tmp"]);
const SESSION_DIRS = new Set([
  ".agentmod/claude/projects",
  ".agentmod/claude/sessions",
  ".agentmod/claude/session-env",
  ".agentmod/claude/file-history",
  ".agentmod/claude/shell-snapshots",
  ".agentmod/codex/sessions",
  ".agentmod/codex/shell_snapshots",
  ".agentmod/opencode/xdg/data",
  ".agentmod/opencode/xdg/state",
]);
const SESSION_FILES = new Set([
  ".agentmod/claude/history.jsonl",
  ".agentmod/codex/history.jsonl",
  ".agentmod/codex/session_index.jsonl",
]);
const LOG_DIRS = new Set([".agentmod/logs", ".agentmod/codex/log"]);
const PROTECTED_NAMES = new Set([".git", ".ssh", ".aws", ".docker"]);

function stripOnePub(name: string): string {
  return name.endsWith(".pub") ? name.slice(0, -4) : name;
}

function parentOf(relPath: string): string {
  const i = relPath.lastIndexOf("/");
  return i < 0 ? "" : relPath.slice(0, i);
}

function rule(id: PolicyRuleId, reason: string, matches: (e: RuleInput) => boolean): PolicyRule {
  return Object.freeze({ id, reason, matches });
}

/**
 * Every policy rule by id, in rule-number order. An explicit policy (amod.md §2.6) is any list of
 * these.
 */
export const POLICY_RULES: Readonly<Record<PolicyRuleId, PolicyRule>> = Object.freeze({
  "auth-file": rule(
    "auth-file",
    "agent login files never travel; log in again on the target machine",
    (e) => !isDir(e) && AUTH_NAMES.has(e.baseName),
  ),
  "env-file": rule(
    "env-file",
    "environment files usually carry secrets, so they stay behind",
    (e) => !isDir(e) && (e.baseName.endsWith(".env") || e.baseName.startsWith(".env.")),
  ),
  "ssh-key": rule(
    "ssh-key",
    "SSH and TLS key files stay on this machine",
    (e) => !isDir(e) && (SSH_KEY_NAMES.has(stripOnePub(e.baseName)) || e.baseName.endsWith(".pem")),
  ),
  "credential-dir": rule(
    "credential-dir",
    "directories holding SSH or cloud-provider credentials stay on this machine",
    (e) => isDir(e) && CREDENTIAL_DIRS.has(e.baseName),
  ),
  "os-credential-store": rule(
    "os-credential-store",
    "operating-system keychain databases stay on this machine",
    (e) => !isDir(e) && (e.baseName.endsWith(".keychain") || e.baseName.endsWith(".keychain-db")),
  ),
  "vcs-git": rule(
    "vcs-git",
    "git data travels with the repository, not in a snapshot (for gstack, run 'agentmod install gstack --force' after restoring)",
    (e) => e.baseName === ".git",
  ),
  "node-modules": rule(
    "node-modules",
    "installed packages are left out; install them again from their manifests after restoring",
    (e) => isDir(e) && e.baseName === "node_modules",
  ),
  "cache": rule(
    "cache",
    "caches are rebuilt when needed, so they are left out",
    (e) => isDir(e) && (CACHE_PATHS.has(e.relPath) || e.baseName === ".cache"),
  ),
  "tmp": rule(
    "tmp",
    "temporary files are left out",
    (e) => isDir(e) && TMP_DIRS.has(e.baseName),
  ),
  "session-data": rule(
    "session-data",
    "sessions and history stay out of a package that is committed, because the repository publishes it; an .amod snapshot moves them privately",
    (e) => isDir(e) ? SESSION_DIRS.has(e.relPath) : SESSION_FILES.has(e.relPath),
  ),
  "log-data": rule(
    "log-data",
    "logs stay out of a package that is committed to the repository",
    (e) =>
      isDir(e)
        ? LOG_DIRS.has(e.relPath)
        : parentOf(e.relPath) === ".agentmod/codex" && e.baseName.startsWith("logs_") &&
          e.baseName.includes(".sqlite"),
  ),
});

const AMOD_POLICY: readonly PolicyRule[] = Object.freeze([
  POLICY_RULES["auth-file"],
  POLICY_RULES["env-file"],
  POLICY_RULES["ssh-key"],
  POLICY_RULES["credential-dir"],
  POLICY_RULES["os-credential-store"],
  POLICY_RULES["vcs-git"],
  POLICY_RULES["node-modules"],
  POLICY_RULES["cache"],
  POLICY_RULES["tmp"],
]);

const TREE_POLICY: readonly PolicyRule[] = Object.freeze([
  ...AMOD_POLICY,
  POLICY_RULES["session-data"],
  POLICY_RULES["log-data"],
]);

/**
 * The default policy of a form: rules 1–9 for an `.amod`, 1–11 for a tree package.
 *
 * @example
 * ```ts
 * import { defaultPolicy } from "./exclude.ts";
 * console.assert(defaultPolicy("amod").length === 9 && defaultPolicy("tree").length === 11);
 * ```
 */
export function defaultPolicy(form: SnapshotForm): readonly PolicyRule[] {
  return form === "amod" ? AMOD_POLICY : TREE_POLICY;
}

/**
 * The policy to apply (amod.md §2.6): an absent list means the form's default, an explicit list
 * (possibly empty, which disables every policy rule) is used as given. Safety rules and the
 * structural skip apply regardless.
 *
 * @example
 * ```ts
 * import { resolvePolicy } from "./exclude.ts";
 * console.assert(resolvePolicy("tree", undefined).length === 11);
 * console.assert(resolvePolicy("tree", []).length === 0);
 * ```
 */
export function resolvePolicy(
  form: SnapshotForm,
  explicit: readonly PolicyRule[] | undefined,
): readonly PolicyRule[] {
  return explicit ?? defaultPolicy(form);
}

/** The structural skip of the snapshot output directory (amod.md §2.5); it cannot be disabled. */
export const SNAPSHOTS_OUTPUT: ExclusionRule = Object.freeze({
  id: "snapshots-output",
  reason: "earlier snapshots are stored here; packing them would nest snapshots inside each other",
});

/** Safety rule 12. */
export const PROTECTED_NAME: ExclusionRule = Object.freeze({
  id: "protected-name",
  reason: "restore never creates an entry named .git, .ssh, .aws or .docker, so this one is left out",
});

/** Safety rule 13. */
export const UNPORTABLE_NAME: ExclusionRule = Object.freeze({
  id: "unportable-name",
  reason: "snapshot paths cannot hold a backslash or a control character",
});

/** Safety rule 14. */
export const NAME_COLLISION: ExclusionRule = Object.freeze({
  id: "name-collision",
  reason:
    "an earlier entry in this directory has the same name apart from letter case or Unicode normalization; only one of them can be restored on every file system",
});

/** Safety rule 15. */
export const SPECIAL_FILE: ExclusionRule = Object.freeze({
  id: "special-file",
  reason: "fifos, sockets and device files cannot be stored in a snapshot",
});

/** Safety rule 16, applied after the walk (amod.md §4.7). */
export const UNSAFE_SYMLINK: ExclusionRule = Object.freeze({
  id: "unsafe-symlink",
  reason:
    "restore would refuse this link: its target is empty, absolute, too long, not UTF-8, holds a backslash or control character, loops, or leads outside .agentmod/",
});

/**
 * True when a name holds a character snapshot paths cannot carry (amod.md §1.2, rule 13):
 * a backslash, U+0000–U+001F, U+007F–U+009F, U+2028 or U+2029.
 *
 * @example
 * ```ts
 * import { hasUnportableCharacter } from "./exclude.ts";
 * console.assert(hasUnportableCharacter("a\\b") && hasUnportableCharacter("a\u0085"));
 * console.assert(!hasUnportableCharacter("café.md"));
 * ```
 */
export function hasUnportableCharacter(name: string): boolean {
  return name.includes("\\") || hasControlCharacter(name);
}

/**
 * Collision keys of the siblings kept so far in one directory (rule 14). The walk creates one per
 * directory and {@link SiblingKeys.add}s every entry it keeps there; an entry excluded later by
 * rule 16 stays in the set, so it still blocks its colliding siblings (amod.md §2.4).
 */
export class SiblingKeys {
  #keys = new Set<string>();

  /** True when a kept sibling already has the collision key of `name`. */
  has(name: string): boolean {
    return this.#keys.has(collisionKey(name));
  }

  /** Records a kept sibling. */
  add(name: string): void {
    this.#keys.add(collisionKey(name));
  }
}

/**
 * The first policy rule that matches, or `null`.
 *
 * @example
 * ```ts
 * import { defaultPolicy, matchPolicy } from "./exclude.ts";
 * const hit = matchPolicy({ relPath: ".agentmod/a/.env", baseName: ".env", kind: "file" }, defaultPolicy("amod"));
 * console.assert(hit?.id === "env-file");
 * ```
 */
export function matchPolicy(entry: RuleInput, policy: readonly PolicyRule[]): PolicyRule | null {
  for (const r of policy) if (r.matches(entry)) return r;
  return null;
}

/**
 * The first safety rule among 12–15 that matches, or `null`. Rule 14 is checked only when the
 * kept siblings of the entry's directory are given.
 *
 * @example
 * ```ts
 * import { matchSafety, SiblingKeys } from "./exclude.ts";
 * const kept = new SiblingKeys();
 * kept.add("Notes.md");
 * const hit = matchSafety({ relPath: ".agentmod/notes.md", baseName: "notes.md", kind: "file" }, kept);
 * console.assert(hit?.id === "name-collision");
 * ```
 */
export function matchSafety(entry: RuleInput, siblings?: SiblingKeys): ExclusionRule | null {
  if (PROTECTED_NAMES.has(entry.baseName)) return PROTECTED_NAME;
  if (hasUnportableCharacter(entry.baseName)) return UNPORTABLE_NAME;
  if (siblings?.has(entry.baseName)) return NAME_COLLISION;
  if (entry.kind === "special") return SPECIAL_FILE;
  return null;
}

/** True when the entry is the snapshot output directory the walk always prunes (amod.md §2.5). */
export function isSnapshotsOutput(entry: RuleInput): boolean {
  return entry.kind === "directory" && entry.relPath === ".agentmod/snapshots";
}

/**
 * Applies, in the order of amod.md §4.6, the structural skip, the policy and the safety rules
 * 12–15 to one walked entry (never `.agentmod` itself). Returns the excluding rule or `null` when
 * the entry is kept; the caller then adds the name to `siblings` and, for a directory, descends.
 * The own-output skip (silent, not recorded) is the caller's, between the structural skip and the
 * policy.
 *
 * @example
 * ```ts
 * import { defaultPolicy, matchRule } from "./exclude.ts";
 * const snapshots = { relPath: ".agentmod/snapshots", baseName: "snapshots", kind: "directory" } as const;
 * console.assert(matchRule(snapshots, [])?.id === "snapshots-output");
 * const notes = { relPath: ".agentmod/notes.md", baseName: "notes.md", kind: "file" } as const;
 * console.assert(matchRule(notes, defaultPolicy("amod")) === null);
 * ```
 */
export function matchRule(
  entry: RuleInput,
  policy: readonly PolicyRule[],
  siblings?: SiblingKeys,
): ExclusionRule | null {
  if (isSnapshotsOutput(entry)) return SNAPSHOTS_OUTPUT;
  return matchPolicy(entry, policy) ?? matchSafety(entry, siblings);
}

/**
 * The path an exclusion is recorded under: the rel path, plus `/` for a directory.
 *
 * @example
 * ```ts
 * import { exclusionPath } from "./exclude.ts";
 * console.assert(exclusionPath(".agentmod/snapshots", "directory") === ".agentmod/snapshots/");
 * ```
 */
export function exclusionPath(relPath: string, kind: EntryKind): string {
  return kind === "directory" ? `${relPath}/` : relPath;
}

/**
 * Builds the recorded exclusion of an entry.
 *
 * @example
 * ```ts
 * import { exclude, SPECIAL_FILE } from "./exclude.ts";
 * const x = exclude({ relPath: ".agentmod/p", baseName: "p", kind: "special" }, SPECIAL_FILE);
 * console.assert(x.path === ".agentmod/p" && x.rule === "special-file");
 * ```
 */
export function exclude(entry: RuleInput, by: ExclusionRule): Exclusion {
  return { path: exclusionPath(entry.relPath, entry.kind), rule: by.id, reason: by.reason };
}
