import assert from "node:assert/strict";
import {
  defaultPolicy,
  type EntryKind,
  exclude,
  exclusionPath,
  hasUnportableCharacter,
  matchRule,
  matchSafety,
  NAME_COLLISION,
  POLICY_RULES,
  PROTECTED_NAME,
  resolvePolicy,
  type RuleId,
  type RuleInput,
  SiblingKeys,
  type SnapshotForm,
  SNAPSHOTS_OUTPUT,
  SPECIAL_FILE,
  UNPORTABLE_NAME,
  UNSAFE_SYMLINK,
} from "../../lib/amod/exclude.ts";
import { FIXTURE_EXISTS, readFixtureInput } from "./fixture.ts";

function entry(relPath: string, kind: EntryKind): RuleInput {
  return { relPath, baseName: relPath.slice(relPath.lastIndexOf("/") + 1), kind };
}

const F: EntryKind = "file";
const D: EntryKind = "directory";
const L: EntryKind = "symlink";
const S: EntryKind = "special";

/** [rel path, kind, expected rule for .amod, expected rule for a tree] */
type Row = [string, EntryKind, RuleId | null, RuleId | null];

const ROWS: Row[] = [
  // 1 auth-file: exact base names at any depth, non-directories only.
  [".agentmod/claude/.credentials.json", F, "auth-file", "auth-file"],
  [".agentmod/codex/auth.json", F, "auth-file", "auth-file"],
  [".agentmod/x/y/credentials.json", F, "auth-file", "auth-file"],
  [".agentmod/credentials", F, "auth-file", "auth-file"],
  [".agentmod/credentials", L, "auth-file", "auth-file"],
  [".agentmod/codex/auth.json.bak", F, null, null],
  [".agentmod/credentials.txt", F, null, null],
  [".agentmod/Credentials", F, null, null],
  [".agentmod/auth.json", D, null, null],
  // 2 env-file
  [".agentmod/claude/.env", F, "env-file", "env-file"],
  [".agentmod/prod.env", F, "env-file", "env-file"],
  [".agentmod/.env.local", F, "env-file", "env-file"],
  [".agentmod/.envrc", F, null, null],
  [".agentmod/env.sample", F, null, null],
  [".agentmod/x.env.bak", F, null, null],
  [".agentmod/.env", D, null, null],
  // 3 ssh-key: one trailing .pub removed, or .pem
  [".agentmod/id_rsa", F, "ssh-key", "ssh-key"],
  [".agentmod/id_rsa.pub", F, "ssh-key", "ssh-key"],
  [".agentmod/id_dsa", F, "ssh-key", "ssh-key"],
  [".agentmod/id_ecdsa.pub", F, "ssh-key", "ssh-key"],
  [".agentmod/id_ed25519", F, "ssh-key", "ssh-key"],
  [".agentmod/id_ecdsa_sk", F, "ssh-key", "ssh-key"],
  [".agentmod/id_ed25519_sk.pub", F, "ssh-key", "ssh-key"],
  [".agentmod/tls/server.pem", F, "ssh-key", "ssh-key"],
  [".agentmod/id_rsa.pub.pub", F, null, null],
  [".agentmod/deploy.pub", F, null, null],
  [".agentmod/id_rsa2", F, null, null],
  [".agentmod/id_rsa", D, null, null],
  // 4 credential-dir
  [".agentmod/.ssh", D, "credential-dir", "credential-dir"],
  [".agentmod/a/.aws", D, "credential-dir", "credential-dir"],
  [".agentmod/.azure", D, "credential-dir", "credential-dir"],
  [".agentmod/.gcloud", D, "credential-dir", "credential-dir"],
  [".agentmod/.kube", D, "credential-dir", "credential-dir"],
  [".agentmod/.gnupg", D, "credential-dir", "credential-dir"],
  [".agentmod/.docker", D, "credential-dir", "credential-dir"],
  [".agentmod/.azure", F, null, null],
  [".agentmod/.kube", L, null, null],
  // 5 os-credential-store
  [".agentmod/login.keychain", F, "os-credential-store", "os-credential-store"],
  [".agentmod/login.keychain-db", F, "os-credential-store", "os-credential-store"],
  [".agentmod/login.keychain", D, null, null],
  [".agentmod/login.keychain.bak", F, null, null],
  // 6 vcs-git: any kind
  [".agentmod/gstack/.git", D, "vcs-git", "vcs-git"],
  [".agentmod/sub/.git", F, "vcs-git", "vcs-git"],
  [".agentmod/.gitignore", F, null, null],
  // 7 node-modules
  [".agentmod/node/lib/node_modules", D, "node-modules", "node-modules"],
  [".agentmod/node_modules", F, null, null],
  // 8 cache
  [".agentmod/node/npm-cache", D, "cache", "cache"],
  [".agentmod/node/pnpm", D, "cache", "cache"],
  [".agentmod/node/bun", D, "cache", "cache"],
  [".agentmod/x/.cache", D, "cache", "cache"],
  [".agentmod/x/npm-cache", D, null, null],
  [".agentmod/node/bun", F, null, null],
  [".agentmod/.cache", F, null, null],
  // 9 tmp
  [".agentmod/tmp", D, "tmp", "tmp"],
  [".agentmod/a/.tmp", D, "tmp", "tmp"],
  [".agentmod/tmp", F, null, null],
  [".agentmod/temp", D, null, null],
  // 10 session-data (trees only, exact rel paths)
  [".agentmod/claude/projects", D, null, "session-data"],
  [".agentmod/claude/sessions", D, null, "session-data"],
  [".agentmod/claude/session-env", D, null, "session-data"],
  [".agentmod/claude/file-history", D, null, "session-data"],
  [".agentmod/claude/shell-snapshots", D, null, "session-data"],
  [".agentmod/codex/sessions", D, null, "session-data"],
  [".agentmod/codex/shell_snapshots", D, null, "session-data"],
  [".agentmod/opencode/xdg/data", D, null, "session-data"],
  [".agentmod/opencode/xdg/state", D, null, "session-data"],
  [".agentmod/claude/history.jsonl", F, null, "session-data"],
  [".agentmod/codex/history.jsonl", F, null, "session-data"],
  [".agentmod/codex/session_index.jsonl", F, null, "session-data"],
  [".agentmod/claude/skills/x/sessions", D, null, null],
  [".agentmod/codex/memories/history.jsonl", F, null, null],
  [".agentmod/claude/projects", F, null, null],
  [".agentmod/claude/history.jsonl", D, null, null],
  // 11 log-data (trees only)
  [".agentmod/logs", D, null, "log-data"],
  [".agentmod/codex/log", D, null, "log-data"],
  [".agentmod/codex/logs_2.sqlite", F, null, "log-data"],
  [".agentmod/codex/logs_2.sqlite-wal", F, null, "log-data"],
  [".agentmod/codex/logs_2.sqlite-shm", F, null, "log-data"],
  [".agentmod/codex/vendor/logs_2.sqlite", F, null, null],
  [".agentmod/codex/logs_2.db", F, null, null],
  [".agentmod/logs", F, null, null],
  // 12 protected-name: what rules 4 and 6 leave
  [".agentmod/.aws", F, "protected-name", "protected-name"],
  [".agentmod/.ssh", L, "protected-name", "protected-name"],
  [".agentmod/x/.docker", F, "protected-name", "protected-name"],
  // 13 unportable-name
  [".agentmod/a\\b", F, "unportable-name", "unportable-name"],
  [".agentmod/a\nb", F, "unportable-name", "unportable-name"],
  [".agentmod/a\u0000b", D, "unportable-name", "unportable-name"],
  [".agentmod/a\u007f", F, "unportable-name", "unportable-name"],
  [".agentmod/a\u0085", F, "unportable-name", "unportable-name"],
  [".agentmod/a\u2028", F, "unportable-name", "unportable-name"],
  [".agentmod/a\u2029", L, "unportable-name", "unportable-name"],
  [".agentmod/a\u00a0b", F, null, null],
  [".agentmod/a\u200eb", F, null, null],
  // 15 special-file
  [".agentmod/fifo", S, "special-file", "special-file"],
  [".agentmod/.env", S, "env-file", "env-file"],
  // structural skip
  [".agentmod/snapshots", D, "snapshots-output", "snapshots-output"],
  [".agentmod/snapshots", F, null, null],
  [".agentmod/snapshots", L, null, null],
  [".agentmod/x/snapshots", D, null, null],
  // ordinary entries
  [".agentmod/claude/settings.json", F, null, null],
  [".agentmod/claude", D, null, null],
  [".agentmod/claude/link.toml", L, null, null],
];

Deno.test("matchRule applies the default policy and safety rules of each form", () => {
  for (const form of ["amod", "tree"] as SnapshotForm[]) {
    for (const [relPath, kind, amod, tree] of ROWS) {
      const want = form === "amod" ? amod : tree;
      const got = matchRule(entry(relPath, kind), defaultPolicy(form))?.id ?? null;
      assert.equal(got, want, `${form} ${kind} ${JSON.stringify(relPath)}`);
    }
  }
});

Deno.test("matchRule with an explicitly empty policy keeps only safety rules and the structural skip", () => {
  const policy = resolvePolicy("tree", []);
  assert.equal(policy.length, 0);
  const safety = new Set<RuleId | null>([
    "protected-name",
    "unportable-name",
    "special-file",
    "snapshots-output",
  ]);
  for (const [relPath, kind, amod] of ROWS) {
    const got = matchRule(entry(relPath, kind), policy)?.id ?? null;
    const want = safety.has(amod) ? amod : null;
    // Entries a policy rule caught fall through to the safety rules.
    const fallback = matchSafety(entry(relPath, kind))?.id ?? null;
    assert.equal(got, want ?? fallback, JSON.stringify(relPath));
  }
  assert.equal(matchRule(entry(".agentmod/.git", D), policy)?.id, "protected-name");
  assert.equal(matchRule(entry(".agentmod/.ssh", D), policy)?.id, "protected-name");
  assert.equal(matchRule(entry(".agentmod/.env", F), policy), null);
});

Deno.test("resolvePolicy uses the default only when no list is given", () => {
  assert.deepEqual(resolvePolicy("amod", undefined).map((r) => r.id), [
    "auth-file",
    "env-file",
    "ssh-key",
    "credential-dir",
    "os-credential-store",
    "vcs-git",
    "node-modules",
    "cache",
    "tmp",
  ]);
  assert.deepEqual(resolvePolicy("tree", undefined).map((r) => r.id).slice(9), ["session-data", "log-data"]);
  const only = resolvePolicy("amod", [POLICY_RULES["session-data"]]);
  assert.equal(matchRule(entry(".agentmod/claude/projects", D), only)?.id, "session-data");
  assert.equal(matchRule(entry(".agentmod/claude/.env", F), only), null);
});

Deno.test("the first matching rule wins", () => {
  const amod = defaultPolicy("amod");
  // rule 6 before rule 12, rule 4 before rule 12, policy before safety
  assert.equal(matchRule(entry(".agentmod/.git", D), amod)?.id, "vcs-git");
  assert.equal(matchRule(entry(".agentmod/.docker", D), amod)?.id, "credential-dir");
  const kept = new SiblingKeys();
  kept.add("Credentials");
  assert.equal(matchRule(entry(".agentmod/credentials", F), amod, kept)?.id, "auth-file");
  // rule 13 before rule 14
  kept.add("a\\b");
  assert.equal(matchRule(entry(".agentmod/A\\B", F), amod, kept)?.id, "unportable-name");
  // rule 14 before rule 15
  kept.add("pipe");
  assert.equal(matchRule(entry(".agentmod/Pipe", S), amod, kept)?.id, "name-collision");
  // the structural skip applies before every policy rule
  assert.equal(matchRule(entry(".agentmod/snapshots", D), [POLICY_RULES["tmp"]])?.id, "snapshots-output");
});

Deno.test("name-collision excludes later siblings that fold to a kept sibling's key", () => {
  const table: [string, string][] = [
    ["Notes.md", "notes.md"],
    ["\u00e9.md", "e\u0301.md"],
    ["\u03c3", "\u03c2"],
    ["\u03a3", "\u03c2"],
    ["s", "\u017f"],
    ["k", "\u212a"],
    ["ss", "\u00df"],
    ["A", "a"],
  ];
  for (const [first, second] of table) {
    const kept = new SiblingKeys();
    kept.add(first);
    const hit = matchSafety(entry(`.agentmod/${second}`, F), kept);
    assert.equal(hit?.id, "name-collision", `${first} / ${second}`);
  }
  const kept = new SiblingKeys();
  kept.add("notes.md");
  assert.equal(matchSafety(entry(".agentmod/notes.txt", F), kept), null);
  assert.equal(matchSafety(entry(".agentmod/notes.md", F)), null, "rule 14 needs the siblings");
});

Deno.test({
  name: "the fixture's tree yields the expected exclusions in walk order",
  ignore: !FIXTURE_EXISTS,
  fn: async () => {
    const input = await readFixtureInput();
    const kinds: Record<string, EntryKind> = { dir: "directory", file: "file", symlink: "symlink" };
    const pruned: string[] = [];
    const excluded: { path: string; rule_id: string }[] = [];
    const siblings = new Map<string, SiblingKeys>();
    let keptFiles = 0;
    for (const row of input.tree) {
      if (row.path === ".agentmod") continue;
      if (pruned.some((p) => row.path.startsWith(`${p}/`))) continue;
      const e = entry(row.path, kinds[row.kind] as EntryKind);
      const parent = row.path.slice(0, row.path.lastIndexOf("/"));
      const kept = siblings.get(parent) ?? new SiblingKeys();
      siblings.set(parent, kept);
      const hit = matchRule(e, defaultPolicy("amod"), kept);
      if (hit === null) {
        kept.add(e.baseName);
        if (e.kind !== "directory") keptFiles++;
        continue;
      }
      if (e.kind === "directory") pruned.push(row.path);
      const x = exclude(e, hit);
      excluded.push({ path: x.path, rule_id: x.rule });
    }
    assert.deepEqual(excluded, input.expected.excluded);
    assert.equal(keptFiles, input.expected.payload_files);
  },
});

Deno.test("exclusionPath marks directories with a trailing slash", () => {
  assert.equal(
    exclusionPath(".agentmod/node/lib/node_modules", "directory"),
    ".agentmod/node/lib/node_modules/",
  );
  assert.equal(exclusionPath(".agentmod/.git", "file"), ".agentmod/.git");
  assert.equal(exclusionPath(".agentmod/link", "symlink"), ".agentmod/link");
  const x = exclude(entry(".agentmod/snapshots", D), SNAPSHOTS_OUTPUT);
  assert.deepEqual(x, {
    path: ".agentmod/snapshots/",
    rule: "snapshots-output",
    reason: SNAPSHOTS_OUTPUT.reason,
  });
});

Deno.test("hasUnportableCharacter covers backslash and the control set exactly", () => {
  for (let c = 0; c <= 0x2100; c++) {
    const ch = String.fromCharCode(c);
    const want = c <= 0x1f || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || ch === "\\";
    assert.equal(hasUnportableCharacter(`a${ch}b`), want, `U+${c.toString(16)}`);
  }
});

Deno.test("every rule has its exact id and a reason in our own words", () => {
  const rules = [
    ...Object.values(POLICY_RULES),
    SNAPSHOTS_OUTPUT,
    PROTECTED_NAME,
    UNPORTABLE_NAME,
    NAME_COLLISION,
    SPECIAL_FILE,
    UNSAFE_SYMLINK,
  ];
  assert.deepEqual(rules.map((r) => r.id), [
    "auth-file",
    "env-file",
    "ssh-key",
    "credential-dir",
    "os-credential-store",
    "vcs-git",
    "node-modules",
    "cache",
    "tmp",
    "session-data",
    "log-data",
    "snapshots-output",
    "protected-name",
    "unportable-name",
    "name-collision",
    "special-file",
    "unsafe-symlink",
  ]);
  for (const r of rules) {
    assert.ok(r.reason.length > 10 && !r.reason.includes("\n"), r.id);
    // Markers of the reference's wording must not appear in ours.
    assert.ok(!/FABLE_PLAN|never packed|re-log-in/.test(r.reason), r.id);
  }
});
