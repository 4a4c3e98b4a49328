/**
 * One table-driven case per `.anpkg` problem code that validation can produce (anpkg.md §3.4,
 * §8 items 6 and 7): each row tampers with the base package (or builds an odd archive around its
 * members) and asserts the exact list of codes of `validatePackage`, so cascades show up.
 */

import assert from "node:assert/strict";
import { validatePackage, type ValidateReport } from "../../lib/anpkg/validate.ts";
import { ANPKG_ORDER, CODES } from "../../lib/report/codes.ts";
import { ANPKG_LIMITS, type ZipLimits } from "../../lib/zip/limits.ts";
import { type ArchiveSpec, buildZip, cat, type EntrySpec, extraBlock } from "../zip/_build.ts";
import {
  baseMembers,
  checksumsOf,
  codes,
  edit,
  extractTo,
  located,
  type Members,
  put,
  repack,
  text,
  utf8,
  validateFileBytes,
} from "./_build.ts";

const PROFILE = "machine-profile.yaml";
const RUNTIME = "runtime/anolis-runtime.yaml";
const PROVENANCE = "meta/provenance.json";
const CHECKSUMS = "meta/checksums.sha256";
const SIM = "providers/sim0.yaml";
const BUS = "providers/bus0.yaml";
const BEHAVIOR = "runtime/behaviors/main.xml";

/** One row: how to build the package bytes, and the exact codes validation reports, in order. */
interface Case {
  readonly name: string;
  readonly build: (m: Members) => Promise<Uint8Array> | Uint8Array;
  readonly codes: readonly string[];
  readonly limits?: ZipLimits;
  /** Extra checks on the report (locations, validity). */
  readonly check?: (r: ValidateReport) => void;
}

/** Archive entries for the members (sorted by name), for {@link buildZip}. */
function entriesOf(m: Members): EntrySpec[] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, content]) => ({ name, content }));
}

/** Members with their checksum file rewritten, as archive entries. */
async function rehashedEntries(m: Members): Promise<EntrySpec[]> {
  put(m, CHECKSUMS, await checksumsOf(m));
  return entriesOf(m);
}

/** Builds an archive from the (rehashed) members, letting the row adjust entries and framing. */
async function zipWith(
  m: Members,
  adjust: (entries: EntrySpec[]) => void = () => {},
  spec: Omit<ArchiveSpec, "entries"> = {},
): Promise<Uint8Array> {
  const entries = await rehashedEntries(m);
  adjust(entries);
  return buildZip({ ...spec, entries });
}

function entry(entries: EntrySpec[], name: string): EntrySpec {
  const e = entries.find((x) => x.name === name);
  if (!e) throw new Error(`no entry ${name}`);
  return e;
}

/** Offsets of a member's local header and central entry in a §2.10 archive. */
function offsetsOf(bytes: Uint8Array, name: string): { local: number; central: number; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - 22;
  const cd = view.getUint32(end + 16, true);
  let at = cd;
  while (at < end) {
    const nameLength = view.getUint16(at + 28, true);
    const entryName = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (entryName === name) return { local: view.getUint32(at + 42, true), central: at, end };
    at += 46 + nameLength;
  }
  throw new Error(`no member ${name}`);
}

function set16(b: Uint8Array, at: number, v: number): void {
  new DataView(b.buffer, b.byteOffset).setUint16(at, v, true);
}
function set32(b: Uint8Array, at: number, v: number): void {
  new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);
}

/** The canonical package with a byte-level edit applied (`at` locates a member's headers). */
async function patched(
  m: Members,
  patch: (b: Uint8Array, at: (name: string) => ReturnType<typeof offsetsOf>) => void,
) {
  const b = await repack(m);
  patch(b, (name) => offsetsOf(b, name));
  return b;
}

const NO_LIMITS: ZipLimits = { maxMembers: 0, maxTotalBytes: 0, maxRatio: 0 };
const TWO_MIB_XML = `<?xml version="1.0"?>\n<root/>\n${" ".repeat(2 * 1024 * 1024)}\n`;
const DEEP_YAML = "a: " + "[".repeat(600) + "]".repeat(600) + "\n";

const CASES: Case[] = [
  // ── §8 item 6: mutated packages ──
  {
    name: "content changed without new checksums",
    build: (m) => repack(edit(m, SIM, "name: sim0", "name: sim1"), { rehash: false }),
    codes: ["checksum-mismatch"],
    check: (r) => assert.deepEqual(located(r.problems), [`checksum-mismatch ${SIM} -`]),
  },
  {
    name: "token re-inserted into the telemetry block",
    build: (m) =>
      repack(
        edit(
          m,
          RUNTIME,
          "telemetry:\n  enabled: false\n",
          "telemetry:\n  enabled: false\n  influxdb:\n    token: abc\n",
        ),
      ),
    codes: ["token-leak"],
    check: (r) => assert.deepEqual(located(r.problems), [`token-leak ${RUNTIME} $.telemetry.influxdb.token`]),
  },
  {
    name: "--config ../../outside.yaml",
    build: (m) => repack(edit(m, RUNTIME, "- providers/sim0.yaml", "- ../../outside.yaml")),
    codes: ["path-escapes-root"],
    check: (r) =>
      assert.deepEqual(located(r.problems), [`path-escapes-root ${RUNTIME} $.providers[0].args[1]`]),
  },
  {
    name: "--config /abs.yaml",
    build: (m) => repack(edit(m, RUNTIME, "- providers/sim0.yaml", "- /abs.yaml")),
    codes: ["path-absolute"],
  },
  {
    name: "--config C:\\x.yaml",
    build: (m) => repack(edit(m, RUNTIME, "- providers/sim0.yaml", "- C:\\x.yaml")),
    codes: ["path-absolute"],
  },
  {
    name: "no --config",
    build: (m) => repack(edit(m, RUNTIME, "  - --config\n  - providers/sim0.yaml\n", "  - --verbose\n")),
    codes: ["provider-args-invalid"],
    check: (r) =>
      assert.deepEqual(located(r.problems), [`provider-args-invalid ${RUNTIME} $.providers[0].args`]),
  },
  {
    name: "args absent",
    build: (m) => repack(edit(m, RUNTIME, "  args:\n  - --config\n  - providers/sim0.yaml\n", "")),
    codes: ["provider-args-invalid"],
  },
  {
    name: "--config as the last argument",
    build: (m) => repack(edit(m, RUNTIME, "  - --config\n  - providers/sim0.yaml\n", "  - --config\n")),
    codes: ["provider-args-invalid"],
  },
  {
    name: "--config=… argument",
    build: (m) => repack(edit(m, RUNTIME, "  - --log-level\n", "  - --config=providers/bus0.yaml\n")),
    codes: ["provider-args-invalid"],
    check: (r) =>
      assert.deepEqual(located(r.problems), [`provider-args-invalid ${RUNTIME} $.providers[1].args[0]`]),
  },
  {
    name: "two --config arguments",
    build: (m) =>
      repack(edit(m, RUNTIME, "  - --log-level\n  - info\n", "  - --config\n  - providers/sim0.yaml\n")),
    codes: ["provider-args-invalid"],
  },
  {
    name: "--config runtime/anolis-runtime.yaml (outside providers/, and not a sim configuration)",
    build: (m) => repack(edit(m, RUNTIME, "- providers/sim0.yaml", "- runtime/anolis-runtime.yaml")),
    codes: ["provider-config-outside-providers", "provider-config-mismatch", "provider-schema-invalid"],
  },
  {
    name: "machine-profile.yaml removed",
    build: (m) => (m.delete(PROFILE), repack(m)),
    codes: ["member-missing"],
  },
  {
    name: "runtime/anolis-runtime.yaml removed",
    build: (m) => (m.delete(RUNTIME), repack(m)),
    codes: ["member-missing", "ref-target-missing"],
    check: (r) =>
      assert.deepEqual(located(r.problems), [
        `member-missing ${RUNTIME} -`,
        `ref-target-missing ${PROFILE} $.runtime_profiles.manual`,
      ]),
  },
  {
    name: "meta/provenance.json removed",
    build: (m) => (m.delete(PROVENANCE), repack(m)),
    codes: ["member-missing"],
  },
  {
    name: "meta/checksums.sha256 removed",
    build: (m) => (m.delete(CHECKSUMS), repack(m)),
    codes: ["member-missing"],
  },
  {
    name: "all four required members removed",
    build: (m) => {
      for (const n of [PROFILE, RUNTIME, PROVENANCE, CHECKSUMS]) m.delete(n);
      return repack(m);
    },
    codes: ["member-missing", "member-missing", "member-missing", "member-missing"],
  },
  {
    name: "no providers/",
    build: (m) => (m.delete(SIM), m.delete(BUS), repack(m)),
    codes: [
      "providers-dir-missing",
      "ref-target-missing",
      "ref-target-missing",
      "ref-target-missing",
      "ref-target-missing",
    ],
  },
  {
    name: "only providers/README",
    build: (m) => (m.delete(SIM), m.delete(BUS), repack(put(m, "providers/README", "read me\n"))),
    codes: [
      "providers-empty",
      "ref-target-missing",
      "ref-target-missing",
      "ref-target-missing",
      "ref-target-missing",
      "member-unreferenced",
    ],
  },
  {
    name: "only a providers/ directory entry (no member under it)",
    build: (
      m,
    ) => (m.delete(SIM), m.delete(BUS), zipWith(m, (entries) => entries.unshift({ name: "providers/" }))),
    codes: [
      "providers-empty",
      "ref-target-missing",
      "ref-target-missing",
      "ref-target-missing",
      "ref-target-missing",
    ],
  },
  {
    name: "unlisted extra file",
    build: (m) => repack(put(m, "notes.txt", "hello\n"), { rehash: false }),
    codes: ["checksum-missing-entry", "member-unreferenced"],
  },
  {
    name: "listed file removed",
    build: (m) => (m.delete(BEHAVIOR), repack(m, { rehash: false })),
    codes: ["checksum-orphan-entry", "ref-target-missing", "ref-target-missing"],
  },
  {
    name: "checksum line without two spaces",
    build: (m) =>
      repack(edit(m, CHECKSUMS, "  providers/sim0.yaml", " providers/sim0.yaml"), { rehash: false }),
    codes: ["checksums-line-invalid", "checksum-missing-entry", "checksums-noncanonical"],
  },
  {
    name: "uppercase digest",
    build: (m) => {
      const t = text(m, CHECKSUMS);
      const line = t.split("\n").find((l) => l.endsWith("  providers/sim0.yaml")) as string;
      return repack(edit(m, CHECKSUMS, line, line.slice(0, 64).toUpperCase() + line.slice(64)), {
        rehash: false,
      });
    },
    codes: ["checksums-digest-invalid", "checksum-missing-entry", "checksums-noncanonical"],
  },
  {
    name: "repeated checksum line",
    build: (m) => {
      const line = text(m, CHECKSUMS).split("\n")[0] as string;
      return repack(put(m, CHECKSUMS, text(m, CHECKSUMS) + line + "\n"), { rehash: false });
    },
    codes: ["checksums-duplicate-entry", "checksums-noncanonical"],
  },
  {
    name: "checksum line naming the checksum file",
    build: (m) =>
      repack(put(m, CHECKSUMS, text(m, CHECKSUMS) + `${"0".repeat(64)}  ${CHECKSUMS}\n`), { rehash: false }),
    codes: ["checksums-self-entry", "checksums-noncanonical"],
  },
  {
    name: "checksum file not UTF-8",
    build: (m) =>
      repack(put(m, CHECKSUMS, cat(m.get(CHECKSUMS) as Uint8Array, new Uint8Array([0xff, 0x0a]))), {
        rehash: false,
      }),
    codes: ["encoding-invalid"],
    check: (r) => assert.deepEqual(located(r.problems), [`encoding-invalid ${CHECKSUMS} -`]),
  },
  {
    name: "checksum file without its final LF (still valid)",
    build: (m) => repack(put(m, CHECKSUMS, text(m, CHECKSUMS).slice(0, -1)), { rehash: false }),
    codes: ["checksums-noncanonical"],
    check: (r) => assert.equal(r.valid, true),
  },
  {
    name: "checksum lines out of order with a blank line (still valid)",
    build: (m) => {
      const lines = text(m, CHECKSUMS).split("\n").slice(0, -1).reverse();
      return repack(put(m, CHECKSUMS, lines.join("\n\n") + "\n"), { rehash: false });
    },
    codes: ["checksums-noncanonical"],
  },
  {
    name: "extra profile provider",
    build: (m) =>
      repack(
        put(
          edit(
            m,
            PROFILE,
            "  bus0:\n    config: providers/bus0.yaml\n",
            "  bus0:\n    config: providers/bus0.yaml\n  ghost:\n    config: providers/ghost.yaml\n",
          ),
          "providers/ghost.yaml",
          "provider:\n  name: ghost\n",
        ),
      ),
    codes: ["provider-not-in-runtime"],
    check: (r) => assert.deepEqual(located(r.problems), [`provider-not-in-runtime ${RUNTIME} $.providers`]),
  },
  {
    name: "extra runtime provider",
    build: (m) =>
      repack(
        put(
          edit(
            m,
            RUNTIME,
            "polling:\n",
            "- id: ghost\n  command: ghost-provider\n  args:\n  - --config\n  - providers/ghost.yaml\npolling:\n",
          ),
          "providers/ghost.yaml",
          "a: 1\n",
        ),
      ),
    codes: ["provider-not-in-manifest"],
    check: (r) =>
      assert.deepEqual(located(r.problems), [`provider-not-in-manifest ${RUNTIME} $.providers[2].id`]),
  },
  {
    name: "compatibility removed",
    build: (m) => {
      const t = text(m, PROFILE);
      return repack(
        put(m, PROFILE, t.slice(0, t.indexOf("compatibility:")) + t.slice(t.indexOf("components:"))),
      );
    },
    codes: ["schema-invalid"],
    check: (r) => assert.equal(r.problems[0]?.member, PROFILE),
  },
  {
    name: "contracts added to the profile",
    build: (m) => repack(put(m, PROFILE, text(m, PROFILE) + "contracts:\n  x: 1\n")),
    codes: ["schema-invalid"],
  },
  {
    name: "empty runtime providers",
    build: (m) => {
      const t = text(m, RUNTIME);
      return repack(
        put(
          m,
          RUNTIME,
          t.slice(0, t.indexOf("providers:\n")) + "providers: []\n" + t.slice(t.indexOf("polling:")),
        ),
      );
    },
    codes: ["schema-invalid", "provider-not-in-runtime", "provider-not-in-runtime"],
  },
  {
    name: "automation reference outside runtime/behaviors/",
    build: (m) =>
      repack(
        put(
          edit(m, RUNTIME, "behavior_tree: runtime/behaviors/main.xml", "behavior_tree: runtime/main.xml"),
          "runtime/main.xml",
          "<root/>\n",
        ),
      ),
    codes: ["behavior-outside-behaviors-dir"],
    check: (r) =>
      assert.deepEqual(located(r.problems), [
        `behavior-outside-behaviors-dir ${RUNTIME} $.automation.behavior_tree`,
      ]),
  },
  {
    name: "behaviors[0] outside runtime/behaviors/",
    build: (m) => repack(edit(m, PROFILE, "- runtime/behaviors/main.xml", "- providers/sim0.yaml")),
    codes: ["behavior-outside-behaviors-dir"],
  },
  {
    name: "missing behaviors[0]",
    build: (m) => repack(edit(m, PROFILE, "- runtime/behaviors/main.xml", "- runtime/behaviors/gone.xml")),
    codes: ["ref-target-missing"],
    check: (r) => assert.deepEqual(located(r.problems), [`ref-target-missing ${PROFILE} $.behaviors[0]`]),
  },
  {
    name: "check_http_script naming a directory",
    build: (m) =>
      repack(edit(m, PROFILE, "  - bus0\n", "  - bus0\n  check_http_script: runtime/behaviors\n")),
    codes: ["ref-not-file"],
  },
  {
    name: "check_http_script blank",
    build: (m) => repack(edit(m, PROFILE, "  - bus0\n", "  - bus0\n  check_http_script: ' '\n")),
    codes: ["path-invalid"],
  },
  {
    name: "runtime root a list",
    build: (m) => repack(put(m, RUNTIME, "- a\n- b\n")),
    codes: ["yaml-root-not-mapping"],
    check: (r) => assert.deepEqual(located(r.problems), [`yaml-root-not-mapping ${RUNTIME} -`]),
  },
  {
    name: "an empty profile document (an empty mapping)",
    build: (m) => repack(put(m, PROFILE, "# nothing\n")),
    codes: [
      "schema-invalid",
      "schema-invalid",
      "schema-invalid",
      "schema-invalid",
      "schema-invalid",
      "schema-invalid",
      "member-unreferenced",
      "member-unreferenced",
      "member-unreferenced",
    ],
  },
  {
    name: "profile root a list",
    build: (m) => repack(put(m, PROFILE, "- a\n")),
    codes: ["yaml-root-not-mapping"],
  },
  {
    name: "runtime id 5",
    build: (m) => repack(edit(m, RUNTIME, "- id: sim0", "- id: 5")),
    codes: ["schema-invalid", "provider-id-invalid", "provider-not-in-runtime"],
  },
  {
    name: "runtime id padded",
    build: (m) => repack(edit(m, RUNTIME, "- id: sim0", "- id: ' sim0'")),
    codes: ["provider-id-invalid", "provider-not-in-runtime"],
  },
  {
    name: "duplicate runtime id",
    build: (m) => repack(edit(m, RUNTIME, "- id: bus0", "- id: sim0")),
    codes: ["provider-id-duplicate", "provider-not-in-runtime"],
  },
  {
    name: "truncated YAML",
    build: (m) => {
      const t = text(m, RUNTIME);
      return repack(put(m, RUNTIME, t.slice(0, t.indexOf("'*'") + 2)));
    },
    codes: ["yaml-invalid"],
    check: (r) => assert.deepEqual(located(r.problems), [`yaml-invalid ${RUNTIME} -`]),
  },
  {
    name: "0xFF bytes in a provider file",
    build: (m) => repack(put(m, SIM, cat(m.get(SIM) as Uint8Array, new Uint8Array([0xff, 0xff, 0x0a])))),
    codes: ["encoding-invalid"],
    check: (r) => assert.deepEqual(located(r.problems), [`encoding-invalid ${SIM} -`]),
  },
  {
    name: "package_format_version: 2",
    build: (m) => repack(edit(m, PROVENANCE, '"package_format_version": 1', '"package_format_version": 2')),
    codes: ["format-version-unsupported"],
  },
  {
    name: "provenance not JSON",
    build: (m) => repack(put(m, PROVENANCE, "{\n")),
    codes: ["json-invalid"],
  },
  {
    name: "provenance with a byte-order mark",
    build: (m) => repack(put(m, PROVENANCE, "\ufeff" + text(m, PROVENANCE))),
    codes: ["json-invalid"],
  },
  {
    name: "provenance with a malformed exported_at (still valid)",
    build: (m) => repack(edit(m, PROVENANCE, '"2026-02-03T04:05:06Z"', '"yesterday"')),
    codes: ["provenance-invalid"],
    check: (r) => assert.equal(r.valid, true),
  },
  {
    name: "provenance root a list (still valid)",
    build: (m) => repack(put(m, PROVENANCE, "[]\n")),
    codes: ["provenance-invalid"],
    check: (r) => assert.equal(r.valid, true),
  },
  {
    name: "duplicate key in the profile",
    build: (m) =>
      repack(edit(m, PROFILE, "display_name: Test rig\n", "display_name: Test rig\ndisplay_name: Other\n")),
    codes: ["yaml-duplicate-key"],
    check: (r) => assert.equal(r.problems[0]?.severity, "error"),
  },
  {
    name: "YAML nested deeper than 512 levels",
    build: (m) => repack(put(m, SIM, DEEP_YAML)),
    codes: ["yaml-limits-exceeded"],
  },
  {
    name: "plain scalar read differently by YAML 1.1 and 1.2 (still valid)",
    build: (m) => repack(edit(m, SIM, "  name: sim0\n", "  name: sim0\n  verbose: yes\n")),
    codes: ["yaml-version-ambiguous"],
    check: (r) => assert.deepEqual(located(r.problems), [`yaml-version-ambiguous ${SIM} $.provider.verbose`]),
  },
  {
    name: "timestamp in a provider file (still valid)",
    build: (m) => repack(edit(m, SIM, "  name: sim0\n", "  name: sim0\n  since: 2026-01-02\n")),
    codes: ["yaml-version-ambiguous"],
  },
  {
    name: "a !!binary value in a provider file (still valid)",
    build: (m) => repack(edit(m, SIM, "  name: sim0\n", "  name: sim0\n  blob: !!binary aGVsbG8=\n")),
    codes: ["yaml-version-ambiguous"],
    check: (r) => assert.deepEqual(located(r.problems), [`yaml-version-ambiguous ${SIM} $.provider.blob`]),
  },
  {
    name: "two YAML documents in one member",
    build: (m) => repack(put(m, SIM, text(m, SIM) + "---\na: 1\n")),
    codes: ["yaml-invalid"],
  },
  {
    name: "token-like key in a provider file",
    build: (m) => repack(edit(m, SIM, "  name: sim0\n", "  name: sim0\n  auth:\n    Api_TOKEN: x\n")),
    codes: ["token-leak"],
    check: (r) => assert.deepEqual(located(r.problems), [`token-leak ${SIM} $.provider.auth.Api_TOKEN`]),
  },
  {
    name: "token-like value in a list",
    build: (m) => repack(edit(m, SIM, "  name: sim0\n", "  name: sim0\n  tokens:\n  - abc\n")),
    codes: ["token-leak"],
    check: (r) => assert.deepEqual(located(r.problems), [`token-leak ${SIM} $.provider.tokens[0]`]),
  },
  {
    name: "non-leaks stay clean",
    build: (m) =>
      repack(
        edit(
          m,
          SIM,
          "  name: sim0\n",
          '  name: sim0\n  token_count: 5\n  token: ""\n  tokenized: true\n  refresh_token: null\n  token.url: x\n',
        ),
      ),
    codes: [],
  },
  {
    name: "profile provider config escaping the root",
    build: (m) => repack(edit(m, PROFILE, "config: providers/sim0.yaml", "config: ../sim0.yaml")),
    codes: ["path-escapes-root"],
  },
  {
    name: "--config value with a backslash",
    build: (m) => repack(edit(m, RUNTIME, "- providers/sim0.yaml", "- providers\\sim0.yaml")),
    codes: ["path-invalid"],
  },
  {
    name: "runtime_profiles.manual naming no member",
    build: (m) =>
      repack(edit(m, PROFILE, "manual: runtime/anolis-runtime.yaml", "manual: runtime/other.yaml")),
    // The runtime member is required, so it is never "unreferenced".
    codes: ["ref-target-missing"],
  },
  {
    name: "runtime schema violation",
    build: (m) => repack(edit(m, RUNTIME, "  port: 8080", "  port: 0")),
    codes: ["schema-invalid"],
    check: (r) => assert.equal(r.problems[0]?.member, RUNTIME),
  },
  {
    name: "provider configuration not a mapping",
    build: (m) => repack(put(m, SIM, "- a\n")),
    codes: ["provider-config-invalid"],
    check: (r) => assert.deepEqual(located(r.problems), [`provider-config-invalid ${SIM} -`]),
  },
  {
    name: "provider configuration empty (still valid)",
    build: (m) => repack(put(m, SIM, "{}\n")),
    codes: ["provider-config-empty", "provider-schema-invalid"],
    check: (r) => assert.equal(r.valid, true),
  },
  {
    name: "profile and runtime name different configurations (still valid)",
    build: (m) => repack(edit(m, PROFILE, "config: providers/sim0.yaml", "config: providers/bus0.yaml")),
    codes: ["provider-config-mismatch"],
    check: (r) =>
      assert.deepEqual(located(r.problems), [`provider-config-mismatch ${PROFILE} $.providers.sim0.config`]),
  },
  {
    name: "provider configuration against its kind's schema (still valid)",
    build: (m) => repack(edit(m, SIM, "mode: inert", "mode: warp")),
    codes: ["provider-schema-invalid"],
    check: (r) => assert.equal(r.valid, true),
  },
  {
    name: "provider command outside the package (still valid)",
    build: (m) =>
      repack(edit(m, RUNTIME, "command: anolis-provider-sim", "command: ../bin/anolis-provider-sim")),
    codes: ["provider-command-unresolvable"],
    check: (r) =>
      assert.deepEqual(located(r.problems), [
        `provider-command-unresolvable ${RUNTIME} $.providers[0].command`,
      ]),
  },
  {
    name: "provider command shipped in the package",
    build: (m) =>
      repack(
        put(
          edit(m, RUNTIME, "command: anolis-provider-sim", "command: bin/anolis-provider-sim"),
          "bin/anolis-provider-sim",
          "#!/bin/sh\n",
        ),
      ),
    codes: [],
  },
  {
    name: "listed but unreferenced member (still valid)",
    build: (m) => repack(put(m, "docs/readme.txt", "hi\n")),
    codes: ["member-unreferenced"],
  },
  {
    name: "several mutations at once (all reported)",
    build: (m) => {
      edit(m, RUNTIME, "- providers/sim0.yaml", "- /abs.yaml");
      edit(m, SIM, "  name: sim0\n", "  name: sim0\n  api_token: x\n");
      edit(m, PROVENANCE, '"package_format_version": 1', '"package_format_version": 2');
      put(m, "notes.txt", "x\n");
      // also change a member after the checksums were written
      return checksumsOf(m).then((sums) => {
        const again = new Map(m);
        put(again, CHECKSUMS, sums);
        put(again, BUS, text(m, BUS) + "# changed\n");
        return repack(again, { rehash: false });
      });
    },
    codes: [
      "checksum-mismatch",
      "token-leak",
      "format-version-unsupported",
      "path-absolute",
      "member-unreferenced",
    ],
  },
  // ── still valid (§8 item 6) ──
  {
    name: "CR LF in the checksums (warning only)",
    build: (m) => repack(put(m, CHECKSUMS, text(m, CHECKSUMS).replaceAll("\n", "\r\n")), { rehash: false }),
    codes: ["checksums-noncanonical"],
    check: (r) => assert.equal(r.valid, true),
  },
  {
    name: "a .yml provider file",
    build: (m) => {
      put(m, "providers/sim0.yml", m.get(SIM) as Uint8Array);
      m.delete(SIM);
      edit(m, RUNTIME, "- providers/sim0.yaml", "- providers/sim0.yml");
      return repack(edit(m, PROFILE, "config: providers/sim0.yaml", "config: providers/sim0.yml"));
    },
    codes: [],
  },
  {
    name: "an extra runtime profile using the same providers",
    build: (m) => {
      put(m, "runtime/anolis-runtime.bench.yaml", text(m, RUNTIME));
      return repack(
        edit(
          m,
          PROFILE,
          "  manual: runtime/anolis-runtime.yaml\n",
          "  manual: runtime/anolis-runtime.yaml\n  bench: runtime/anolis-runtime.bench.yaml\n",
        ),
      );
    },
    codes: [],
  },
  {
    name: "an extra runtime profile that is broken is checked too",
    build: (m) => {
      put(
        m,
        "runtime/bench.yaml",
        edit(new Map(m), RUNTIME, "- id: bus0", "- id: sim0").get(RUNTIME) as Uint8Array,
      );
      return repack(
        edit(
          m,
          PROFILE,
          "  manual: runtime/anolis-runtime.yaml\n",
          "  manual: runtime/anolis-runtime.yaml\n  bench: runtime/bench.yaml\n",
        ),
      );
    },
    codes: ["provider-id-duplicate", "provider-not-in-runtime"],
    check: (r) =>
      assert.deepEqual(located(r.problems), [
        "provider-id-duplicate runtime/bench.yaml $.providers[1].id",
        "provider-not-in-runtime runtime/bench.yaml $.providers",
      ]),
  },
  {
    name: "legacy behavior_tree_path",
    build: (m) => repack(edit(m, RUNTIME, "behavior_tree: runtime", "behavior_tree_path: runtime")),
    codes: [],
  },
  {
    name: "absent check_http_script target",
    build: (m) => repack(edit(m, PROFILE, "  - bus0\n", "  - bus0\n  check_http_script: scripts/check.sh\n")),
    codes: [],
  },
  // ── §8 item 7 and the container codes as they reach the .anpkg report ──
  { name: "text file", build: () => utf8("not a package\n"), codes: ["zip-no-end-record"] },
  { name: "empty file", build: () => new Uint8Array(0), codes: ["zip-no-end-record"] },
  {
    name: "broken central directory signature",
    build: (m) => patched(m, (b, at) => void (b[at(PROFILE).central] = 0)),
    codes: ["zip-central-directory-invalid"],
  },
  {
    name: "end record claiming a second disk",
    build: (m) => patched(m, (b, at) => set16(b, at(PROFILE).end + 4, 1)),
    codes: ["zip-multi-disk"],
  },
  {
    name: "malformed zip64 locator",
    build: (m) => zipWith(m, () => {}, { zip64: true, locator: { offset: 1_000_000 } }),
    codes: ["zip64-invalid"],
  },
  {
    name: "valid zip64 framing",
    build: (m) => zipWith(m, () => {}, { zip64: true }),
    codes: [],
  },
  {
    name: "local header signature destroyed",
    build: (m) => patched(m, (b, at) => void (b[at(BUS).local] = 0)),
    // The damaged entry's extent is unknown, so its bytes show up as a gap before the next one.
    codes: ["zip-local-header-invalid", "zip-gap"],
  },
  {
    name: "prepended bytes",
    build: async (m) => cat(utf8("#!/bin/sh\nexit 0\n"), await repack(m)),
    codes: ["zip-leading-data"],
  },
  {
    name: "inserted bytes between entries",
    build: (m) => zipWith(m, () => {}, { gapAfter: { 1: utf8("junk") } }),
    codes: ["zip-gap"],
  },
  {
    name: "appended bytes",
    build: async (m) => cat(await repack(m), utf8("junk")),
    codes: ["zip-trailing-data"],
  },
  {
    name: "archive comment",
    build: (m) => zipWith(m, () => {}, { comment: utf8("hello") }),
    codes: ["zip-comment"],
  },
  {
    name: "shared data ranges",
    build: (m) =>
      zipWith(m, (entries) => {
        // A second central entry (same name) right after the first, pointing at its local header.
        const first = entry(entries, PROFILE);
        entries.splice(entries.indexOf(first) + 1, 0, { ...first, omitLocal: true, offset: 0 });
      }),
    codes: ["zip-overlap", "zip-overlap", "duplicate-member"],
  },
  {
    name: "local and central names differ",
    build: (m) =>
      patched(m, (b, at) => void (b[at(BUS).local + 30 + "providers/".length] = "x".charCodeAt(0))),
    codes: ["zip-header-mismatch"],
  },
  {
    name: "deflated entries (valid)",
    build: (m) => zipWith(m, (entries) => entries.forEach((e) => (e.deflate = true))),
    codes: [],
  },
  {
    name: "method 12",
    build: (m) =>
      patched(m, (b, at) => (set16(b, at(BUS).local + 8, 12), set16(b, at(BUS).central + 10, 12))),
    codes: ["zip-unsupported-method"],
  },
  {
    name: "encryption flag",
    build: (m) => patched(m, (b, at) => (set16(b, at(BUS).local + 6, 1), set16(b, at(BUS).central + 8, 1))),
    codes: ["zip-encrypted"],
  },
  {
    name: "unsupported flag bit",
    build: (m) =>
      patched(m, (b, at) => (set16(b, at(BUS).local + 6, 0x10), set16(b, at(BUS).central + 8, 0x10))),
    codes: ["zip-unsupported-flags"],
  },
  {
    name: "wrong uncompressed size of a stored entry",
    build: (m) =>
      zipWith(m, (entries) => void (entry(entries, BUS).usize = (m.get(BUS) as Uint8Array).length + 1)),
    codes: ["zip-size-mismatch"],
  },
  {
    name: "wrong CRC-32",
    build: (m) => patched(m, (b, at) => (set32(b, at(BUS).local + 14, 1), set32(b, at(BUS).central + 16, 1))),
    codes: ["zip-crc-mismatch"],
  },
  {
    name: "malformed extra field",
    build: (m) =>
      zipWith(m, (entries) => void (entry(entries, BUS).centralExtra = new Uint8Array([1, 2, 3]))),
    codes: ["zip-extra-field-invalid"],
  },
  {
    name: "Info-ZIP Unicode Path field",
    build: (m) =>
      zipWith(m, (entries) => {
        const block = extraBlock(0x7075, cat(new Uint8Array([1, 0, 0, 0, 0]), utf8(BUS)));
        entry(entries, BUS).centralExtra = block;
        entry(entries, BUS).localExtra = block;
      }),
    codes: ["zip-unicode-path-field"],
  },
  {
    name: "malformed deflate stream",
    build: (m) =>
      zipWith(m, (entries) => {
        const e = entry(entries, BUS);
        e.method = 8;
        e.data = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
      }),
    codes: ["zip-deflate-invalid"],
  },
  {
    name: "a deflated 2 MiB behavior tree above the ratio limit",
    build: (m) =>
      zipWith(put(m, BEHAVIOR, TWO_MIB_XML), (entries) => void (entry(entries, BEHAVIOR).deflate = true)),
    codes: ["limit-ratio"],
  },
  {
    name: "the same tree accepted with a higher --max-ratio",
    build: (m) =>
      zipWith(put(m, BEHAVIOR, TWO_MIB_XML), (entries) => void (entry(entries, BEHAVIOR).deflate = true)),
    limits: { ...ANPKG_LIMITS, maxRatio: 100_000 },
    codes: [],
  },
  {
    name: "--max-total-bytes exceeded",
    build: (m) => repack(m),
    limits: { ...ANPKG_LIMITS, maxTotalBytes: 1000 },
    codes: ["limit-total-bytes"],
  },
  {
    name: "--max-members exceeded",
    build: (m) => repack(m),
    limits: { ...ANPKG_LIMITS, maxMembers: 6 },
    codes: ["limit-members"],
  },
  {
    name: "limits disabled with 0",
    build: (m) => repack(m),
    limits: NO_LIMITS,
    codes: [],
  },
  {
    name: "entry name ../evil.yaml",
    build: (m) => repack(put(m, "../evil.yaml", "a: 1\n")),
    codes: ["member-name-traversal", "member-unreferenced"],
  },
  {
    name: "entry name /abs.yaml",
    build: (m) => repack(put(m, "/abs.yaml", "a: 1\n")),
    codes: ["member-name-absolute", "member-unreferenced"],
  },
  {
    name: "entry name with a drive prefix",
    build: (m) => repack(put(m, "C:/x.yaml", "a: 1\n")),
    codes: ["member-name-absolute", "member-unreferenced"],
  },
  {
    name: "entry name a\\b.yaml",
    build: (m) => repack(put(m, "a\\b.yaml", "a: 1\n")),
    codes: ["member-name-backslash", "member-unreferenced"],
  },
  {
    name: "entry name with an empty segment",
    build: (m) => repack(put(m, "docs//x.txt", "x\n")),
    codes: ["member-name-invalid", "member-unreferenced"],
  },
  {
    name: "entry name that is not UTF-8",
    build: (m) =>
      zipWith(
        m,
        (entries) => entries.push({ name: new Uint8Array([0x64, 0xff, 0x2e, 0x74]), content: utf8("x") }),
      ),
    codes: ["name-not-utf8"],
  },
  {
    name: "duplicate entries",
    build: (m) => zipWith(m, (entries) => entries.push({ ...entry(entries, BUS) })),
    codes: ["duplicate-member"],
  },
  {
    name: "Providers/x beside providers/x",
    build: (m) => repack(put(m, "Providers/bus0.yaml", m.get(BUS) as Uint8Array)),
    codes: ["path-collision", "member-unreferenced"],
  },
  {
    name: "a file that is also a directory prefix",
    build: (m) => repack(put(m, "providers", "x\n")),
    codes: ["member-path-conflict", "member-unreferenced"],
  },
  {
    name: "explicit directory entries (valid)",
    build: (m) =>
      zipWith(m, (entries) => {
        entries.unshift({ name: "meta/" }, { name: "providers/" }, { name: "runtime/" }, {
          name: "runtime/behaviors/",
        });
      }),
    codes: [],
  },
  {
    name: "directory entry with content",
    build: (m) => zipWith(m, (entries) => entries.unshift({ name: "docs/", content: utf8("x") })),
    codes: ["directory-has-content"],
  },
  {
    name: "entries written by an MS-DOS host (valid)",
    build: (m) =>
      zipWith(m, (entries) => entries.forEach((e) => ((e.versionMadeBy = 0x0014), (e.external = 0x20)))),
    codes: [],
  },
  {
    name: "symlink entry",
    build: (m) =>
      zipWith(m, (entries) => entries.push({ name: "link.yaml", content: utf8(SIM), external: 0xa1ff0000 })),
    codes: ["member-symlink"],
  },
  {
    name: "FIFO entry",
    build: (m) => zipWith(m, (entries) => entries.push({ name: "fifo", external: 0x11a40000 })),
    codes: ["member-not-regular"],
  },
];

for (const c of CASES) {
  Deno.test(`validation of a package with ${c.name} reports exactly [${c.codes.join(", ")}]`, async () => {
    const bytes = await c.build(await baseMembers());
    const report = await validateFileBytes(bytes, c.limits ? { limits: c.limits } : {});
    assert.deepEqual(codes(report.problems), [...c.codes], located(report.problems).join("\n"));
    assert.equal(report.valid, !report.problems.some((p) => p.severity === "error"));
    assert.equal(report.input_kind, "archive");
    c.check?.(report);
  });
}

// ── Stage A outside the archive ──

Deno.test("validation of a missing path reports exactly [input-not-found]", async () => {
  const r = await validatePackage("/nonexistent/handoff/pkg.anpkg");
  assert.deepEqual(codes(r.problems), ["input-not-found"]);
  assert.equal(r.valid, false);
});

Deno.test("validation of a FIFO reports exactly [input-unsupported] without opening it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "handoff-anpkg-" });
  try {
    const fifo = `${dir}/pkg.anpkg`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.equal(made.code, 0);
    const r = await validatePackage(fifo);
    assert.deepEqual(codes(r.problems), ["input-unsupported"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validation of a path that cannot be read reports exactly [io-error]", async () => {
  const dir = await Deno.makeTempDir({ prefix: "handoff-anpkg-" });
  try {
    // A symlink loop: stat fails with an error other than "not found" (a permission failure
    // cannot be staged as root).
    await Deno.symlink(`${dir}/b`, `${dir}/a`);
    await Deno.symlink(`${dir}/a`, `${dir}/b`);
    const r = await validatePackage(`${dir}/a`);
    assert.deepEqual(codes(r.problems), ["io-error"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ── Directory form ──

async function withExtracted(
  prepare: (root: string, outside: string, m: Members) => Promise<void>,
  run: (root: string) => Promise<void>,
): Promise<void> {
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "handoff-anpkg-" }));
  try {
    const m = await baseMembers();
    const root = `${tmp}/pkg`;
    await extractTo(m, root);
    await Deno.mkdir(`${tmp}/outside`);
    await prepare(root, `${tmp}/outside`, m);
    await run(root);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

Deno.test("validation of an extracted package directory is clean", async () => {
  await withExtracted(async () => {}, async (root) => {
    const r = await validatePackage(root);
    assert.deepEqual(codes(r.problems), []);
    assert.equal(r.input_kind, "directory");
    assert.equal(r.valid, true);
  });
});

Deno.test("directory form: a provider file symlinked outside the root is symlink-escapes-root and not read", async () => {
  await withExtracted(async (root, outside) => {
    await Deno.rename(`${root}/${SIM}`, `${outside}/sim0.yaml`);
    await Deno.symlink(`${outside}/sim0.yaml`, `${root}/${SIM}`);
  }, async (root) => {
    const r = await validatePackage(root);
    assert.deepEqual(located(r.problems), [
      `symlink-escapes-root ${SIM} -`,
      `checksum-orphan-entry ${CHECKSUMS} -`,
      `ref-target-missing ${PROFILE} $.providers.sim0.config`,
      `ref-target-missing ${RUNTIME} $.providers[0].args[1]`,
    ]);
  });
});

Deno.test("directory form: a dangling symlink is symlink-escapes-root", async () => {
  await withExtracted(async (root) => {
    await Deno.symlink(`${root}/nowhere`, `${root}/docs.txt`);
  }, async (root) => {
    const r = await validatePackage(root);
    assert.deepEqual(located(r.problems), ["symlink-escapes-root docs.txt -"]);
  });
});

Deno.test("directory form: a provider file symlinked inside the root is followed with symlink-in-package", async () => {
  await withExtracted(async (root, _outside, m) => {
    await Deno.mkdir(`${root}/store`);
    await Deno.rename(`${root}/${SIM}`, `${root}/store/sim0.yaml`);
    await Deno.symlink("../store/sim0.yaml", `${root}/${SIM}`);
    put(m, "store/sim0.yaml", m.get(SIM) as Uint8Array);
    await Deno.writeTextFile(`${root}/${CHECKSUMS}`, await checksumsOf(m));
  }, async (root) => {
    const r = await validatePackage(root);
    assert.deepEqual(located(r.problems), [
      `symlink-in-package ${SIM} -`,
      "member-unreferenced store/sim0.yaml -",
    ]);
    assert.equal(r.valid, true);
  });
});

Deno.test("directory form: a FIFO inside the package is member-not-regular", async () => {
  await withExtracted(async (root) => {
    const made = await new Deno.Command("mkfifo", { args: [`${root}/fifo`] }).output();
    assert.equal(made.code, 0);
  }, async (root) => {
    const r = await validatePackage(root);
    assert.deepEqual(codes(r.problems), ["member-not-regular"]);
  });
});

Deno.test("directory form: the limits apply as for archives", async () => {
  await withExtracted(async () => {}, async (root) => {
    const members = await validatePackage(root, { limits: { ...ANPKG_LIMITS, maxMembers: 3 } });
    assert.deepEqual(codes(members.problems), ["limit-members"]);
    const bytes = await validatePackage(root, { limits: { ...ANPKG_LIMITS, maxTotalBytes: 100 } });
    assert.deepEqual(codes(bytes.problems), ["limit-total-bytes"]);
  });
});

// ── Coverage of the code table ──

Deno.test("every .anpkg code of anpkg.md §3.4 stages A–G has a row in this file", () => {
  // Rows of the table above plus the stand-alone tests of stage A and the directory form.
  const here = new Set([
    ...CASES.flatMap((c) => c.codes),
    "input-not-found",
    "input-unsupported",
    "io-error",
    "symlink-escapes-root",
    "symlink-in-package",
    "member-not-regular",
  ]);
  const order = ANPKG_ORDER.flat();
  const stagesAtoG = order.slice(0, order.indexOf("member-unreferenced") + 1);
  const missing = stagesAtoG.filter((c) => CODES[c].formats.includes("anpkg") && !here.has(c));
  assert.deepEqual(missing, []);
});
