/** Test helper: the number of fast-check runs, from `HANDOFF_PROPERTY_RUNS` (default 100). */
export function propertyRuns(fallback = 100): number {
  try {
    const n = Number(Deno.env.get("HANDOFF_PROPERTY_RUNS"));
    return Number.isInteger(n) && n > 0 ? n : fallback;
  } catch {
    return fallback;
  }
}
