import assert from "node:assert/strict";
import {
  countFindings,
  type HandoffInput,
  parseRedaction,
  renderHandoff,
  renderRedaction,
  renderRestore,
} from "../../lib/amod/docs.ts";
import {
  defaultPolicy,
  type Exclusion,
  POLICY_RULES,
  SNAPSHOTS_OUTPUT,
  UNPORTABLE_NAME,
} from "../../lib/amod/exclude.ts";
import type { Finding } from "../../lib/amod/scan.ts";
import { FIXTURE_EXISTS, readFixture, readFixtureInput } from "./fixture.ts";

const dec = new TextDecoder();

const FIXTURE_EXCLUDED: Exclusion[] = [
  { path: ".agentmod/claude/.env", rule: "env-file", reason: POLICY_RULES["env-file"].reason },
  { path: ".agentmod/codex/auth.json", rule: "auth-file", reason: POLICY_RULES["auth-file"].reason },
  { path: ".agentmod/snapshots/", rule: "snapshots-output", reason: SNAPSHOTS_OUTPUT.reason },
];
const FIXTURE_FINDINGS: Finding[] = [{
  path: ".agentmod/claude/notes.md",
  pattern: "api-key",
  line: 2,
  hard: false,
}];

function fixtureRedaction(): string {
  return renderRedaction({
    createdAt: "2026-06-11T12:30:45Z",
    version: "test-version",
    excluded: FIXTURE_EXCLUDED,
    findings: FIXTURE_FINDINGS,
  });
}

Deno.test({
  name: "REDACTION.md parses to the same tokens and counts as the fixture's",
  ignore: !FIXTURE_EXISTS,
  fn: async () => {
    const theirs = parseRedaction(dec.decode(await readFixture("root-members/REDACTION.md")));
    const text = fixtureRedaction();
    const ours = parseRedaction(text);
    assert.equal(ours.firstLine, theirs.firstLine);
    assert.deepEqual(ours.headings, theirs.headings);
    assert.deepEqual(
      ours.excluded.map((x) => [x.path, x.rule]),
      theirs.excluded.map((x) => [x.path, x.rule]),
    );
    assert.deepEqual(ours.findings, theirs.findings);
    assert.deepEqual(ours.strayItems, []);
    assert.deepEqual(theirs.strayItems, []);
    assert.deepEqual(
      countFindings(text),
      countFindings(dec.decode(await readFixture("root-members/REDACTION.md"))),
    );
    assert.deepEqual(countFindings(text), { findings: 1, hard: 0 });
    const input = await readFixtureInput();
    assert.deepEqual(ours.excluded.map((x) => ({ path: x.path, rule_id: x.rule })), input.expected.excluded);
    assert.deepEqual(ours.findings, input.expected.findings);
  },
});

Deno.test("REDACTION.md keeps the exact tokens of amod.md §1.13", () => {
  const text = fixtureRedaction();
  const lines = text.split("\n");
  assert.equal(lines[0], "# Redaction report");
  assert.ok(lines.includes("## Excluded from the payload"));
  assert.ok(lines.includes("## Secret-candidate scan"));
  assert.ok(lines.includes("- `.agentmod/claude/.env` — env-file: " + POLICY_RULES["env-file"].reason));
  assert.ok(lines.includes("- `.agentmod/snapshots/` — snapshots-output: " + SNAPSHOTS_OUTPUT.reason));
  assert.ok(lines.includes("- `.agentmod/claude/notes.md` line 2 — api-key"));
  assert.ok(text.includes("2026-06-11T12:30:45Z") && text.includes("test-version"));
  assert.ok(text.endsWith("\n") && !text.includes("\r"));
  // Excluded entries before the scan heading, findings after it.
  assert.ok(text.indexOf("env-file") < text.indexOf("## Secret-candidate scan"));
  assert.ok(text.indexOf("api-key") > text.indexOf("## Secret-candidate scan"));
});

Deno.test("REDACTION.md without exclusions or findings has no list items", () => {
  const text = renderRedaction({
    createdAt: "2026-06-11T12:30:45Z",
    version: "v",
    excluded: [],
    findings: [],
  });
  assert.equal(text.split("\n").filter((l) => l.startsWith("- ")).length, 0);
  assert.deepEqual(countFindings(text), { findings: 0, hard: 0 });
  const p = parseRedaction(text);
  assert.deepEqual([p.excluded.length, p.findings.length, p.strayItems.length], [0, 0, 0]);
  assert.deepEqual(p.headings, ["## Excluded from the payload", "## Secret-candidate scan"]);
});

Deno.test("hard findings carry the marker and are counted", () => {
  const findings: Finding[] = [
    { path: ".agentmod/keys/a.txt", pattern: "private-key", line: 1, hard: true },
    { path: ".agentmod/keys/a.txt", pattern: "secret", line: 4, hard: false },
    { path: ".agentmod/keys/b.txt", pattern: "private-key", line: 12, hard: true },
  ];
  const text = renderRedaction({ createdAt: "t", version: "v", excluded: [], findings, binarySkipped: 2 });
  assert.deepEqual(countFindings(text), { findings: 3, hard: 2 });
  const p = parseRedaction(text);
  assert.deepEqual(
    p.findings,
    findings.map(({ path, line, pattern, hard }) => ({ path, line, pattern, hard })),
  );
  assert.ok(text.includes("- `.agentmod/keys/a.txt` line 1 — private-key (HARD finding"));
  assert.ok(text.includes("--allow-findings"));
  assert.ok(/2 files were not scanned/.test(text));
  assert.deepEqual(p.strayItems, []);
});

Deno.test("an excluded path with a line break stays one list item", () => {
  const excluded: Exclusion[] = [
    { path: ".agentmod/x\n## Secret-candidate scan\n- `y` line 1 — private-key (HARD finding)", ...rest() },
    { path: ".agentmod/a\u2028b", ...rest() },
  ];
  function rest(): { rule: "unportable-name"; reason: string } {
    return { rule: "unportable-name", reason: UNPORTABLE_NAME.reason };
  }
  const text = renderRedaction({ createdAt: "t", version: "v", excluded, findings: [] });
  assert.deepEqual(countFindings(text), { findings: 0, hard: 0 });
  const p = parseRedaction(text);
  assert.equal(p.excluded.length, 2);
  assert.equal(p.headings.length, 2);
  assert.ok(p.excluded[0]?.path.startsWith(".agentmod/x\\u{000A}## Secret"));
  assert.equal(p.excluded[1]?.path, ".agentmod/a\\u{2028}b");
});

Deno.test("countFindings follows the counting rule of amod.md §1.13", () => {
  const text = [
    "# Redaction report",
    "- not in a section",
    "## Excluded from the payload",
    "- `a` — tmp: x (HARD finding)",
    "  ## Secret-candidate scan",
    "- indented heading does not switch",
    "## Secret-candidate scan  ",
    "- `a` line 1 — secret",
    "-not an item",
    " - not an item",
    "- `b` line 2 — private-key (HARD finding; packed)",
    "## Later",
    "- outside",
  ].join("\n");
  assert.deepEqual(countFindings(text), { findings: 2, hard: 1 });
  assert.deepEqual(countFindings(""), { findings: 0, hard: 0 });
});

const HANDOFF: HandoffInput = {
  form: "amod",
  projectName: "demo-project",
  createdAt: "2026-06-11T12:30:45Z",
  version: "test-version",
  platform: "testos/testarch",
  files: 10,
  bytes: 168,
  excluded: 3,
  findings: 1,
  hardFindings: 0,
};

Deno.test("HANDOFF.md states every fact of amod.md §1.14 for an .amod", () => {
  const text = renderHandoff(HANDOFF);
  const facts: [string, RegExp][] = [
    ["project name", /demo-project/],
    ["created_at", /2026-06-11T12:30:45Z/],
    ["tool version", /test-version/],
    ["platform", /testos\/testarch/],
    ["files and bytes", /10 files \(168 bytes\)/],
    ["how to restore, ours first", /`handoff restore <file>`[^]*`agentmod handoff restore <file>`/],
    ["excluded count and pointer", /3 entries were left out[^]*`REDACTION\.md`/],
    ["scan findings", /Secret scan: 1 candidate in the packed files/],
    ["credentials never travel", /Credentials are never included/],
    ["gstack reinstall", /agentmod install gstack --force/],
    ["npm global tools", /npm tools[^]*\.agentmod\/node\/bin/],
  ];
  for (const [fact, re] of facts) assert.match(text, re, fact);
  assert.ok(!/sessions, history and logs are left out/i.test(text));
});

Deno.test("HANDOFF.md states the tree facts and the no-exclusion, clean-scan wording", () => {
  const text = renderHandoff({ ...HANDOFF, form: "tree", excluded: 0, findings: 0, files: 1, bytes: 1 });
  const facts: [string, RegExp][] = [
    ["tree travels by commit and pull", /commit and pull/],
    ["RESTORE.md pointer", /`RESTORE\.md`/],
    ["sessions, history and logs left out", /Sessions, history and logs are left out/],
    ["no exclusions", /The exclusion rules matched nothing/],
    ["clean scan", /Secret scan: clean/],
    ["singulars", /1 file \(1 byte\)/],
    ["credentials never travel", /Credentials are never included/],
    ["gstack reinstall", /agentmod install gstack --force/],
    ["npm global tools", /\.agentmod\/node\/bin/],
  ];
  for (const [fact, re] of facts) assert.match(text, re, fact);
  assert.match(
    renderHandoff({ ...HANDOFF, findings: 3, hardFindings: 2 }),
    /3 candidates in the packed files, 2 of them hard/,
  );
});

Deno.test("RESTORE.md states every fact of amod.md §1.15 for an .amod", () => {
  const text = renderRestore({ form: "amod", version: "test-version" });
  const facts: [string, RegExp][] = [
    ["version", /test-version/],
    ["our command first", /`handoff restore <file>\.amod`[^]*`agentmod handoff restore <file>\.amod`/],
    ["nothing executed", /No file from the snapshot is run/],
    ["backup", /renamed to a backup/],
    ["Claude Code login", /Claude Code: start `claude` once in the project directory/],
    ["Codex login", /`codex login`/],
    ["OpenCode login", /OpenCode: when it asks for credentials, sign in to your model provider/],
    ["Keychain", /On macOS, Claude Code stores its sign-in in your login Keychain/],
    ["gstack", /agentmod install gstack --force/],
    ["npm global tools", /npm tools[^]*\.agentmod\/node\/bin/],
  ];
  for (const [fact, re] of facts) assert.match(text, re, fact);
  assert.ok(text.indexOf("handoff restore") < text.indexOf("agentmod handoff restore"));
});

Deno.test("RESTORE.md for a tree explains the manual copy", () => {
  const text = renderRestore({ form: "tree", version: "test-version" });
  const facts: [string, RegExp][] = [
    [
      "handoff restore does not take it",
      /`handoff restore` takes only `\.amod` files and does not accept it/,
    ],
    ["manual copy of payload/.agentmod/", /\.agentmod-handoff\/payload\/\.agentmod/],
    ["nothing executed", /Copying runs nothing/],
    ["backup", /Back up the current environment/],
    ["validate first", /handoff validate \.agentmod-handoff/],
    ["Codex login", /`codex login`/],
    ["Keychain", /Keychain/],
    ["gstack", /agentmod install gstack --force/],
  ];
  for (const [fact, re] of facts) assert.match(text, re, fact);
  assert.notEqual(text, renderRestore({ form: "amod", version: "test-version" }));
});

Deno.test({
  name: "our documents are our own words: no line of the reference's documents reappears",
  ignore: !FIXTURE_EXISTS,
  fn: async () => {
    const ours = [
      fixtureRedaction(),
      renderHandoff(HANDOFF),
      renderHandoff({ ...HANDOFF, form: "tree" }),
      renderRestore({ form: "amod", version: "test-version" }),
      renderRestore({ form: "tree", version: "test-version" }),
      ...defaultPolicy("tree").map((r) => r.reason),
    ].join("\n");
    // Tokens the format fixes are shared on purpose.
    const fixed = new Set(["# Redaction report", "## Excluded from the payload", "## Secret-candidate scan"]);
    for (const name of ["REDACTION.md", "HANDOFF.md", "RESTORE.md"]) {
      const theirs = dec.decode(await readFixture(`root-members/${name}`));
      for (const line of theirs.split("\n")) {
        const l = line.trim();
        if (l.length < 25 || fixed.has(l) || /^- `[^`]*`( line \d+)? — [a-z-]+$/.test(l)) continue;
        // Exclusion items: compare the reason only.
        const reason = /^- `[^`]*` — [a-z-]+: (.*)$/.exec(l)?.[1] ?? l;
        assert.ok(!ours.includes(reason), `${name}: ${reason}`);
      }
    }
  },
});
