import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { EPOCH_STAMP, exportedAt } from "../../lib/anpkg/created.ts";
import { hasPython, runPython } from "../helpers/python.ts";

const TABLE: [string | undefined, string, boolean][] = [
  ["2026-04-03T00:00:00Z", "2026-04-03T00:00:00Z", true],
  ["2026-04-16T19:01:02.999999+00:00", "2026-04-16T19:01:02Z", true],
  ["2026-04-16T21:01:02.75+02:00", "2026-04-16T19:01:02Z", true],
  ["2026-04-16 19:01:02", "2026-04-16T19:01:02Z", true],
  ["20260416T190102Z", "2026-04-16T19:01:02Z", true],
  ["2026-04-16", "2026-04-16T00:00:00Z", true],
  ["yesterday", EPOCH_STAMP, false],
  [undefined, EPOCH_STAMP, true],
  ["   ", EPOCH_STAMP, true],
  ["2026-W15-4T10:00", "2026-04-09T10:00:00Z", true],
  ["2026W154", "2026-04-09T00:00:00Z", true],
  ["0001-01-01T00:00:00+01:00", EPOCH_STAMP, false], // converts to year 0
  ["9999-12-31T23:59:59-01:00", EPOCH_STAMP, false], // converts to year 10000
  ["2026-04-16T19.5", EPOCH_STAMP, false], // fraction on hours: deliberately refused
  ["2026-04-16T19:01:02+02:00:30.5", EPOCH_STAMP, false], // fraction in offset
  ["2026-04-16T19:01:02+02:99", EPOCH_STAMP, false],
  ["2026-04-16T19:01:02 +02:00", EPOCH_STAMP, false],
  ["2026-02-30", EPOCH_STAMP, false],
  ["2026-04-16T1901:02", EPOCH_STAMP, false],
  ["2026-04-16T19:01:02,123456789", "2026-04-16T19:01:02Z", true],
];

Deno.test("exportedAt follows the table of anpkg.md §2.7.1 and its deliberate refusals", () => {
  for (const [input, stamp, recognized] of TABLE) {
    assert.deepEqual(exportedAt(input), { stamp, recognized }, String(input));
  }
});

// Strings our grammar deliberately treats differently from CPython 3.11 (anpkg.md §2.7.1).
function deliberateDifference(s: string): boolean {
  return /[.,]/.test(s.replace(/:[0-9]{2}[.,][0-9]+/, "")) || // fraction not after seconds
    /[+-][0-9:]*[.,]/.test(s.slice(10)) || /[+-][0-9]{2}:?[6-9][0-9]/.test(s.slice(10)) ||
    /\s[+-]/.test(s) ||
    // CPython's C parser also takes digits right after a basic-format HHMMSS as a fraction
    // ("0240412638"); the spec's grammar requires "." or "," before a fraction.
    /[0-9]{7}/.test(s.slice(9)) ||
    // ... and accepts a lone trailing digit after the hours ("149" read as 14:00).
    (s.slice(9).replace(/[.,][0-9]+/g, "").match(/[0-9]+/g) ?? []).some((run) => run.length % 2 === 1);
}

const PY = `
import sys, json, datetime
out = []
for s in json.load(sys.stdin):
    t = s.strip()
    if t.endswith("Z"): t = t[:-1] + "+00:00"
    try:
        d = datetime.datetime.fromisoformat(t)
        if d.tzinfo is not None: d = d.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        out.append(d.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S") + "Z" if d.year >= 1 else None)
    except Exception:
        out.append(None)
print(json.dumps(out))
`;

Deno.test({
  name: "exportedAt agrees with CPython 3.11 fromisoformat outside the deliberate differences",
  ignore: !(await hasPython()),
  fn: async () => {
    const part = fc.constantFrom("-", ":", "T", " ", ".", ",", "+", "W", "Z", "0", "1", "2", "5", "9");
    const digits = fc.stringMatching(/^[0-9]{1,4}$/);
    const candidates = fc.sample(
      fc.oneof(
        fc.tuple(
          fc.constantFrom(
            "2026-04-16",
            "20260416",
            "2026-W15",
            "2026-W15-3",
            "2026W15",
            "2026W153",
            "1999-12-31",
          ),
          fc.array(fc.oneof(part, digits), { maxLength: 8 }),
        ).map(([d, rest]) => d + rest.join("")),
        fc.array(fc.oneof(part, digits), { minLength: 3, maxLength: 12 }).map((a) => a.join("")),
      ),
      { numRuns: 3000, seed: 42 },
    ).filter((s) => !deliberateDifference(s) && s.length >= 7);
    const expected = JSON.parse(await runPython(PY, JSON.stringify(candidates))) as (string | null)[];
    candidates.forEach((s, i) => {
      const ours = exportedAt(s);
      const want = expected[i] ?? null;
      assert.equal(ours.recognized ? ours.stamp : null, want === null ? null : want, JSON.stringify(s));
    });
  },
});
