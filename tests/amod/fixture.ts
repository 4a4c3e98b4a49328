/**
 * Access to the shared `.amod` layout example (read in place from ../shared, never copied).
 *
 * @module
 */

/** The fixture folder `../shared/fixtures/amod/layout-example/` relative to the repository root. */
export const FIXTURE_DIR = new URL("../../../shared/fixtures/amod/layout-example/", import.meta.url);

/** True when the shared fixture is present; tests that need it are ignored otherwise. */
export const FIXTURE_EXISTS: boolean = (() => {
  try {
    return Deno.statSync(new URL("input-tree.json", FIXTURE_DIR)).isFile;
  } catch {
    return false;
  }
})();

/** Bytes of a fixture file, e.g. `root-members/manifest.json`. */
export function readFixture(name: string): Promise<Uint8Array> {
  return Deno.readFile(new URL(name, FIXTURE_DIR));
}

/** One entry of `input-tree.json`'s `tree`. */
export interface FixtureTreeEntry {
  readonly path: string;
  readonly kind: "dir" | "file" | "symlink";
  readonly perm: string | null;
  readonly content_or_target: string | null;
}

/** The parsed `input-tree.json`. */
export interface FixtureInput {
  readonly project_dir_name: string;
  readonly created_at: string;
  readonly agentmod_version: string;
  readonly platform: string;
  readonly git: Record<string, unknown>;
  readonly tree: readonly FixtureTreeEntry[];
  readonly expected: {
    readonly payload_files: number;
    readonly payload_bytes: number;
    readonly excluded: readonly { path: string; rule_id: string }[];
    readonly findings: readonly { path: string; pattern: string; line: number; hard: boolean }[];
  };
}

/** Reads and parses `input-tree.json`. */
export async function readFixtureInput(): Promise<FixtureInput> {
  return JSON.parse(new TextDecoder().decode(await readFixture("input-tree.json")));
}
