/**
 * Generates the problem-code table of README.md from the registry (`lib/report/codes.ts`) and
 * rewrites it between the `<!-- codes:start -->` and `<!-- codes:end -->` markers.
 * `deno task readme` runs it; `tests/readme_test.ts` fails when the README is stale.
 *
 * @module
 */

import { CODES } from "../lib/report/codes.ts";

/** The markdown table of every registered code. */
export function codeTable(): string {
  const rows = ["| code | severity | formats | meaning |", "|---|---|---|---|"];
  for (const [code, info] of Object.entries(CODES)) {
    const sev = [
      info.severity,
      ...(info.operational ? ["operational (exit 3)"] : []),
      ...(info.fatal ? ["fatal"] : []),
      ...Object.entries(info.severityByOperation ?? {}).map(([op, s]) => `${s} at ${op}`),
    ].join(", ");
    rows.push(`| \`${code}\` | ${sev} | ${info.formats.map((f) => `.${f}`).join(", ")} | ${info.meaning} |`);
  }
  return rows.join("\n");
}

/** Replaces the marked section of a README text with the current table. */
export function withCodeTable(readme: string): string {
  const start = "<!-- codes:start -->";
  const end = "<!-- codes:end -->";
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error("README.md lacks the codes markers");
  return readme.slice(0, a + start.length) + "\n" + codeTable() + "\n" + readme.slice(b);
}

if (import.meta.main) {
  const path = new URL("../README.md", import.meta.url).pathname;
  await Deno.writeTextFile(path, withCodeTable(await Deno.readTextFile(path)));
}
