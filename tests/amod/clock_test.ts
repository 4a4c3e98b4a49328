import assert from "node:assert/strict";
import {
  epochSeconds,
  formatCompactStamp,
  formatIsoSeconds,
  isSnapshotEpoch,
  parseSourceDateEpoch,
  SNAPSHOT_EPOCH_MAX,
  SNAPSHOT_EPOCH_MIN,
} from "../../lib/amod/clock.ts";

Deno.test("parseSourceDateEpoch accepts digits within 1980-01-01 and 2106-02-07", () => {
  const table: [string, number | null][] = [
    ["1781181045", 1781181045],
    ["315532800", SNAPSHOT_EPOCH_MIN],
    ["4294967295", SNAPSHOT_EPOCH_MAX],
    ["0001781181045", 1781181045],
    ["315532799", null],
    ["4294967296", null],
    ["100", null],
    ["abc", null],
    ["", null],
    [" 1781181045", null],
    ["1781181045\n", null],
    ["+1781181045", null],
    ["-1781181045", null],
    ["1781181045.0", null],
    ["1e9", null],
    ["0x6A2AAA75", null],
    ["99999999999999999999999", null],
  ];
  for (const [text, want] of table) assert.equal(parseSourceDateEpoch(text), want, JSON.stringify(text));
});

Deno.test("isSnapshotEpoch rejects fractions and out-of-range values", () => {
  assert.equal(isSnapshotEpoch(1781181045.5), false);
  assert.equal(isSnapshotEpoch(Number.NaN), false);
  assert.equal(isSnapshotEpoch(SNAPSHOT_EPOCH_MAX), true);
});

Deno.test("epochSeconds truncates milliseconds", () => {
  assert.equal(epochSeconds(new Date(1781181045999)), 1781181045);
  assert.equal(epochSeconds(new Date(1781181045000)), 1781181045);
});

Deno.test("stamps format the fixture instant in UTC", () => {
  assert.equal(formatIsoSeconds(1781181045), "2026-06-11T12:30:45Z");
  assert.equal(formatCompactStamp(1781181045), "20260611-123045");
  assert.equal(formatIsoSeconds(SNAPSHOT_EPOCH_MIN), "1980-01-01T00:00:00Z");
  assert.equal(formatCompactStamp(SNAPSHOT_EPOCH_MAX), "21060207-062815");
});
