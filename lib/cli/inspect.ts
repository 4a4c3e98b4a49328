/**
 * `handoff inspect <package>`: describe a package without judging it.
 *
 * @module
 */

import { expectPositionals, parseOrHelp, renderHelp } from "./args.ts";
import type { Command } from "./command.ts";
import {
  failureProblem,
  formatFrom,
  LIMIT_OPTIONS,
  limitsFrom,
  OUTPUT_OPTIONS,
  printReport,
} from "./common.ts";
import { type CliIo, EXIT } from "./io.ts";
import { displayEscape } from "../report/render.ts";
import { AMOD_LIMITS, ANPKG_LIMITS } from "../zip/limits.ts";
import type { InspectReport } from "../anpkg/inspect.ts";

const OPTIONS = [...OUTPUT_OPTIONS, ...LIMIT_OPTIONS];

const HELP = renderHelp(
  ["handoff inspect <package.anpkg | extracted-dir | snapshot.amod | tree> [--json] [limits]"],
  "Describe a package: members with sizes and digests, provenance, providers, behaviors, omitted\n" +
    "variants, container problems, and whether the archive is in canonical form.",
  OPTIONS,
  ["Exit: 0 no container error · 1 container error · 2 usage error · 3 operational error."],
);

/** Text rendering of an inspect report (problems and verdict are printed by the caller). */
export function describeInspect(r: InspectReport): string[] {
  const a = r.archive;
  const lines = [`package: ${displayEscape(r.input)} (${r.input_kind})`];
  if (a.size !== null) lines.push(`size: ${a.size} bytes, sha256 ${a.sha256}`);
  lines.push(`canonical: ${a.canonical === null ? "n/a" : a.canonical ? "yes" : "no"}`);
  const extra = a.entries === a.members.length ? "" : ` (in ${a.entries} zip entries)`;
  lines.push(`members: ${a.members.length}${extra}`);
  for (const m of a.members) {
    const method = m.method === null ? "" : ` method ${m.method}`;
    const mode = m.mode === null ? "" : ` mode ${m.mode}`;
    lines.push(
      `  ${displayEscape(m.name)}  ${m.size} bytes  sha256 ${m.sha256 ?? "(unread)"}${method}${mode}`,
    );
  }
  const prov = a.provenance as Record<string, unknown> | null;
  if (prov && typeof prov === "object") {
    lines.push(`exported: ${String(prov.exported_at)} from "${displayEscape(String(prov.source_project))}"`);
    lines.push(
      `variant: ${String(prov.exported_variant)}; omitted: ${
        Array.isArray(prov.omitted_variants) && prov.omitted_variants.length > 0
          ? prov.omitted_variants.map((v) => displayEscape(String(v))).join(", ")
          : "none"
      }`,
    );
  } else lines.push("provenance: unreadable");
  if (a.profile) {
    lines.push(
      `machine: ${displayEscape(String(a.profile.machine_id))} (${
        displayEscape(String(a.profile.display_name))
      })`,
    );
    for (const p of a.profile.providers) {
      lines.push(
        `  provider ${displayEscape(String(p.id))}: config ${displayEscape(p.config ?? "(none)")}, command ${
          displayEscape(String(p.command))
        }`,
      );
    }
    lines.push(
      `behaviors: ${
        a.profile.behaviors.length ? a.profile.behaviors.map((b) => displayEscape(b)).join(", ") : "none"
      }`,
    );
  }
  return lines;
}

/** The inspect command. */
export const command: Command = {
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const args = parseOrHelp(argv, OPTIONS, HELP, io.out);
    if (args === null) return EXIT.ok;
    expectPositionals(args, 1, 1, "the package path");
    const input = args.positionals[0] as string;
    const format = formatFrom(args);
    const { detectFormat } = await import("../detect.ts");
    if ((await detectFormat(input)) === "amod") {
      const { inspectSnapshot, describeSnapshot } = await import("../amod/inspect.ts");
      const { amodReport } = await import("../amod/verify.ts");
      const report = await inspectSnapshot(input, { limits: limitsFrom(args, AMOD_LIMITS) }).catch((err) =>
        amodReport("inspect", input, "archive", [failureProblem(err)], null, null)
      );
      return printReport(report, format, io, format === "text" ? describeSnapshot(report) : []);
    }
    const limits = limitsFrom(args, ANPKG_LIMITS);
    const { inspectPackage } = await import("../anpkg/inspect.ts");
    const report = await inspectPackage(input, { limits });
    return printReport(report, format, io, format === "text" ? describeInspect(report) : []);
  },
};
