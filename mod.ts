/**
 * `handoff`: produce, check and land the two handoff package formats.
 *
 * - `.anpkg` commissioning packages: {@link exportProject} / {@link buildPackage} produce them,
 *   {@link validatePackage} / {@link validateBytes} check them, {@link inspectPackage} describes them.
 * - Problems are data: every check returns a report whose `problems` carry stable codes from
 *   {@link CODES}; the library never throws for bad input and never prints.
 *
 * @example Export a project and validate the result
 * ```ts
 * import { exportProject, validatePackage } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const report = await exportProject("fixtures/projects/sim-only", `${dir}/sim-only.anpkg`);
 * console.assert(report.written && report.errors === 0);
 * const checked = await validatePackage(`${dir}/sim-only.anpkg`);
 * console.assert(checked.valid);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import "./lib/zip/zlib.ts";

export { type Code, type CodeInfo, CODES, type Format, type Severity } from "./lib/report/codes.ts";
export { type Problem, type ReportCore } from "./lib/report/report.ts";
export {
  displayEscape,
  githubAnnotation,
  problemLine,
  renderJson,
  verdictLine,
} from "./lib/report/render.ts";
export { AMOD_LIMITS, ANPKG_LIMITS, parseLimitValue, type ZipLimits } from "./lib/zip/limits.ts";
export {
  buildPackage,
  type BuiltPackage,
  type ExportOptions,
  exportProject,
  type ExportReport,
} from "./lib/anpkg/export.ts";
export {
  validateBytes,
  type ValidateOptions,
  validatePackage,
  type ValidateReport,
} from "./lib/anpkg/validate.ts";
export { type ReplayOptions, type ReplayReport, resolveRuntimeBin } from "./lib/anpkg/replay.ts";
export { inspectPackage, type InspectReport } from "./lib/anpkg/inspect.ts";
export { detectFormat } from "./lib/detect.ts";
export { VERSION } from "./lib/version.ts";
