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
export {
  type DeployOptions,
  deployPackage,
  type DeployReport,
  installStatus,
  type RollbackOptions,
  rollbackRelease,
  type RollbackReport,
  type StatusReport,
} from "./lib/anpkg/deploy.ts";
export { createHandler, diskProjectStore, serve } from "./lib/serve.ts";
export { createSnapshot, type SnapshotOptions, type SnapshotOutcome } from "./lib/amod/snapshot.ts";
export { createTreePackage, type TreeOptions } from "./lib/amod/tree.ts";
export { type AmodReport, validateSnapshot } from "./lib/amod/verify.ts";
export { inspectSnapshot } from "./lib/amod/inspect.ts";
export { listSnapshots, type SnapshotList } from "./lib/amod/list.ts";
export { type RestoreOptions, type RestoreReport, restoreSnapshot } from "./lib/amod/restore.ts";
export {
  collectGitState,
  compareGitState,
  denoGitRunner,
  type GitState,
  redactRemoteUrl,
} from "./lib/amod/git.ts";
export { detectFormat } from "./lib/detect.ts";
export { VERSION } from "./lib/version.ts";
export type {
  GitCollection,
  GitComparison,
  GitRunner,
  GitRunResult,
  GitTargetUnavailable,
} from "./lib/amod/git.ts";
export type {
  ApplyRestoreOptions,
  PreparedRestore,
  PrepareRestoreOptions,
  RestoreGitignoreReport,
  RestoreGitReport,
  RestoreStatus,
} from "./lib/amod/restore.ts";
export type {
  AmodRedaction,
  AmodSummary,
  PlanCounts,
  ValidateSnapshotOptions,
  VerifyOperation,
} from "./lib/amod/verify.ts";
export type {
  DeployInfo,
  DeployProgress,
  InstallContext,
  ReleaseStatus,
  RollbackInfo,
  StatusOptions,
} from "./lib/anpkg/deploy.ts";

// Types reachable from the API above (options, results and the injected interfaces).
export type {
  EntryKind,
  Exclusion,
  ExclusionRule,
  PolicyRule,
  PolicyRuleId,
  RuleId,
  RuleInput,
  SafetyRuleId,
  SnapshotForm,
} from "./lib/amod/exclude.ts";
export type { GitComparisonStatus, GitUnavailableReason } from "./lib/amod/git.ts";
export type { GitignoreAction, GitignoreResult } from "./lib/amod/gitignore.ts";
export type { InspectSnapshotOptions } from "./lib/amod/inspect.ts";
export type { Inventory, InventoryEntry, Manifest } from "./lib/amod/json.ts";
export type { ListedGit, ListedSnapshot, ListedTreePackage, ListOptions } from "./lib/amod/list.ts";
export type {
  ReadOptions,
  ReadOutcome,
  SnapshotEntry,
  SnapshotEntryKind,
  SnapshotFile,
  SnapshotFs,
  SnapshotHandle,
  SnapshotInputKind,
} from "./lib/amod/open.ts";
export type { InventoriedFile, RestoreTarget, RollbackOutcome } from "./lib/amod/restore.ts";
export type { Finding, LineFinding, PatternId } from "./lib/amod/scan.ts";
export type { CreateCommonOptions, SnapshotSummary } from "./lib/amod/snapshot.ts";
export type { SwapOps } from "./lib/amod/tree.ts";
export type { PlanEntry, RestorePlan, Verification, VerifyCounts } from "./lib/amod/verify.ts";
export type {
  PlannedDirectory,
  PlannedEntry,
  PlannedFile,
  PlannedSymlink,
  SnapshotPlan,
  SnapshotProgress,
  WalkFs,
  WalkStat,
} from "./lib/amod/walk.ts";
export type { PackageFacts } from "./lib/anpkg/checks.ts";
export type { DeployHook, DeployStep, DeployStepName } from "./lib/anpkg/deploy.ts";
export type { InstallResult } from "./lib/anpkg/install_dir.ts";
export type { ParsedDocs } from "./lib/anpkg/documents.ts";
export type { InspectedArchive, InspectedMember, ProfileSummary } from "./lib/anpkg/inspect.ts";
export type { MemberRecord, MemberSet, MemberStreamer } from "./lib/anpkg/members.ts";
export type { CheckedPackage, ProgressHook } from "./lib/anpkg/validate.ts";
export type { EntryStat, ExclusiveFile, RestoreFs } from "./lib/fs/restore_fs.ts";
export type { Style } from "./lib/report/render.ts";
export type { DiskStoreOptions, Handler, HandlerOptions, ProjectStore, ServeOptions } from "./lib/serve.ts";
export type { DecodeSink, OutputLender } from "./lib/zip/decode.ts";
export type { ZipEntry, ZipEntryKind } from "./lib/zip/read.ts";
