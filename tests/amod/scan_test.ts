import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import {
  BINARY_PROBE_BYTES,
  createScanner,
  type LineFinding,
  type PatternId,
  scanBytes,
  type ScanResult,
  SECRET_PATTERNS,
  WINDOW_BYTES,
  WINDOW_STEP,
} from "../../lib/amod/scan.ts";

const RUNS = Number(Deno.env.get("HANDOFF_PROPERTY_RUNS") ?? "100");

/** Latin-1 encoding of a string whose characters are all below U+0100. */
function bytesOf(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new Error("test input must be Latin-1");
    out[i] = c;
  }
  return out;
}

function pairs(r: ScanResult): [PatternId, number][] {
  return r.findings.map((f) => [f.pattern, f.line]);
}

function scanChunks(chunks: readonly Uint8Array[]): ScanResult {
  const s = createScanner();
  for (const c of chunks) s.push(c);
  return s.finish();
}

/**
 * The scan as amod.md §3.2 describes it, written as plainly as possible: whole file in memory,
 * split at LF, each line decoded byte by byte, windows of every long line tested one by one with
 * the exact JavaScript forms.
 */
function referenceScan(bytes: Uint8Array): ScanResult {
  if (bytes.subarray(0, BINARY_PROBE_BYTES).includes(0)) return { binary: true, findings: [] };
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  const hits: number[][] = SECRET_PATTERNS.map(() => []);
  lines.forEach((line, n) => {
    const windows: string[] = [];
    for (let s = 0;; s += WINDOW_STEP) {
      const w = line.subarray(s, s + WINDOW_BYTES);
      let text = "";
      for (let i = 0; i < w.length; i += 4096) text += String.fromCharCode(...w.subarray(i, i + 4096));
      windows.push(text);
      if (s + WINDOW_BYTES >= line.length) break;
    }
    SECRET_PATTERNS.forEach((p, i) => {
      if (windows.some((w) => p.regex.test(w))) hits[i]?.push(n + 1);
    });
  });
  const findings: LineFinding[] = [];
  SECRET_PATTERNS.forEach((p, i) => {
    for (const line of hits[i] ?? []) findings.push({ pattern: p.id, line, hard: p.hard });
  });
  return { binary: false, findings };
}

Deno.test("patterns are the seven JavaScript forms of amod.md §3.3, in order, without the u flag", () => {
  assert.deepEqual(
    SECRET_PATTERNS.map((p) => [p.id, p.hard, p.regex.source, p.regex.flags]),
    [
      ["private-key", true, "-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----", ""],
      ["aws-access-key-id", false, "\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b", ""],
      ["github-token", false, "\\bgh[pousr]_[A-Za-z0-9]{20,}\\b", ""],
      ["sk-token", false, "\\bsk-[A-Za-z0-9_-]{20,}\\b", ""],
      ["api-key", false, "api[_-]?key[\"']?[\\t\\n\\f\\r ]*[:=]", "i"],
      ["token", false, "(?:auth|access|refresh|bearer|session|api)[_-]?token[\"']?[\\t\\n\\f\\r ]*[:=]", "i"],
      ["secret", false, "secret[\"']?[\\t\\n\\f\\r ]*[:=]", "i"],
    ],
  );
});

Deno.test("scanner matches the test vectors of amod.md §3.3", () => {
  const table: [string, PatternId[]][] = [
    ["-----BEGIN PUBLIC KEY-----", []],
    ["-----BEGIN RSA PRIVATE KEY-----", ["private-key"]],
    ["-----BEGIN OPENSSH PRIVATE KEY-----", ["private-key"]],
    ["-----BEGIN PRIVATE KEY-----", ["private-key"]],
    ["-----BEGIN PGP PRIVATE KEY BLOCK-----", ["private-key"]],
    ["-----BEGIN rsa PRIVATE KEY-----", []],
    ["AKIA123", []],
    ["AKIAIOSFODNN7EXAMPLE", ["aws-access-key-id"]],
    ["id=ASIAIOSFODNN7EXAMPLE;", ["aws-access-key-id"]],
    ["xAKIAIOSFODNN7EXAMPLE", []],
    ["AKIAIOSFODNN7EXAMPLEX", []],
    ["\u00e9AKIAIOSFODNN7EXAMPLE\u00e9", ["aws-access-key-id"]],
    ["ghp_" + "a".repeat(20), ["github-token"]],
    ["ghx_" + "a".repeat(20), []],
    ["ghp_" + "a".repeat(19), []],
    ["sk-FAKE-fixture", []],
    ["sk-" + "A1_-".repeat(5) + "z", ["sk-token"]],
    ["sk-" + "A1_-".repeat(5), []],
    ["task-" + "a".repeat(30), []],
    ["the API key is stored", []],
    ["API_KEY=x", ["api-key"]],
    ['"apiKey": "x"', ["api-key"]],
    ["api-key :", ["api-key"]],
    ["api key = x", []],
    ["api_key\u00a0= x", []],
    ["api_key\u000b= x", []],
    ["api_key \t\f\r = x", ["api-key"]],
    ["tokenizer", []],
    ["secretary", []],
    ["access_token = x", ["token"]],
    ["Bearer-Token: x", ["token"]],
    ["api_token=", ["token"]],
    ["token = x", []],
    ["secret: x", ["secret"]],
    ["SECRET='x'", ["secret"]],
    ['client_secret"=', ["secret"]],
    ["\u00c5\u00bfecret=", []],
    ["api_key = 1; secret = 2; AKIAIOSFODNN7EXAMPLE", ["aws-access-key-id", "api-key", "secret"]],
  ];
  for (const [line, want] of table) {
    const got = scanBytes(bytesOf(line)).findings;
    assert.deepEqual(got.map((f) => f.pattern), want, JSON.stringify(line));
    assert.ok(got.every((f) => f.line === 1 && f.hard === (f.pattern === "private-key")));
  }
});

Deno.test("C12: findings are ordered by pattern, then line", () => {
  const lines = ["# config", "api_key=one", "", "", "", "", "", "", "api_key=two secret: three", "end"];
  const r = scanBytes(bytesOf(lines.join("\n")));
  assert.equal(r.binary, false);
  assert.deepEqual(pairs(r), [["api-key", 2], ["api-key", 9], ["secret", 9]]);
});

Deno.test("one finding per pattern per line, however many matches", () => {
  const r = scanBytes(bytesOf("secret=1 secret=2 SECRET=3\nsecret=4\n"));
  assert.deepEqual(pairs(r), [["secret", 1], ["secret", 2]]);
});

Deno.test("C13: a NUL in the first 8192 bytes skips the file", () => {
  const key = bytesOf("\n-----BEGIN OPENSSH PRIVATE KEY-----\n");
  const make = (nulAt: number, size: number): Uint8Array => {
    const b = new Uint8Array(size).fill(0x61);
    b[nulAt] = 0;
    b.set(key, size - key.length);
    return b;
  };
  assert.deepEqual(scanBytes(make(0, 20_000)), { binary: true, findings: [] });
  assert.deepEqual(scanBytes(make(BINARY_PROBE_BYTES - 1, 20_000)), { binary: true, findings: [] });
  const late = scanBytes(make(BINARY_PROBE_BYTES, 20_000));
  assert.equal(late.binary, false);
  assert.deepEqual(pairs(late), [["private-key", 2]]);
  // A file shorter than the probe is decided at finish.
  assert.equal(scanBytes(bytesOf("secret=1\u0000")).binary, true);
  assert.deepEqual(scanBytes(new Uint8Array(0)), { binary: false, findings: [] });
  // The same decision when the probe arrives in pieces.
  const split = make(BINARY_PROBE_BYTES - 1, 20_000);
  assert.equal(
    scanChunks([split.subarray(0, 100), split.subarray(100, 8191), split.subarray(8191)]).binary,
    true,
  );
});

Deno.test("line model: LF splits, CR stays in the line, a final line needs no LF", () => {
  assert.deepEqual(pairs(scanBytes(bytesOf("\n\nsecret=1"))), [["secret", 3]]);
  assert.deepEqual(pairs(scanBytes(bytesOf("a\r\nb\r\nsecret\r=1\r\n"))), [["secret", 3]]);
  assert.deepEqual(pairs(scanBytes(bytesOf("a\rsecret=1\n"))), [["secret", 1]]);
  // A line never continues over LF: the white-space class does not bridge lines.
  assert.deepEqual(pairs(scanBytes(bytesOf("secret\n=1\napi_key\n\n:"))), []);
  assert.deepEqual(pairs(scanBytes(bytesOf("x\nauth_\ntoken=1\nxaccess_token=2\n"))), [["token", 4]]);
});

Deno.test("long lines are scanned in overlapping 1 MiB windows", () => {
  const size = 3 * 1024 * 1024 + 500_000;
  const line = new Uint8Array(size).fill(0x20);
  const plant = (text: string, at: number) => line.set(bytesOf(text), at);
  // In the middle of the line.
  plant("secret=1", 1_600_000);
  // Straddling the end of the first window: only the second window holds it whole.
  plant("-----BEGIN RSA PRIVATE KEY-----", WINDOW_BYTES - 10);
  // Straddling the end of the third window (start 2 × step).
  plant("api_key=2", 2 * WINDOW_STEP + WINDOW_BYTES - 4);
  const text = new Uint8Array(size + 40);
  text.set(bytesOf("first line\n"));
  text.set(line, 11);
  text.set(bytesOf("\nAKIAIOSFODNN7EXAMPLE\n"), 11 + size);
  const want: [PatternId, number][] = [["private-key", 2], ["aws-access-key-id", 3], ["api-key", 2], [
    "secret",
    2,
  ]];
  assert.deepEqual(pairs(scanBytes(text)), want);
  // The same through small chunks (every long-line byte goes through the sliding carry).
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < text.length; i += 65_521) chunks.push(text.subarray(i, i + 65_521));
  assert.deepEqual(pairs(scanChunks(chunks)), want);
  assert.deepEqual(scanBytes(text), referenceScan(text));
});

Deno.test("a window edge counts as a line edge for \\b", () => {
  const line = new Uint8Array(WINDOW_BYTES + 100_000).fill(0x61);
  // Preceded by a word character, but exactly at the start of the second window.
  line.set(bytesOf("AKIAIOSFODNN7EXAMPLE "), WINDOW_STEP);
  assert.deepEqual(pairs(scanBytes(line)), [["aws-access-key-id", 1]]);
  const chunks = [
    line.subarray(0, 1000),
    line.subarray(1000, WINDOW_STEP + 3),
    line.subarray(WINDOW_STEP + 3),
  ];
  assert.deepEqual(pairs(scanChunks(chunks)), [["aws-access-key-id", 1]]);
  // One byte later it sits inside the first window's overlap and is not at a window start.
  const shifted = new Uint8Array(WINDOW_BYTES + 100_000).fill(0x61);
  shifted.set(bytesOf("AKIAIOSFODNN7EXAMPLE "), WINDOW_STEP + 1);
  assert.deepEqual(pairs(scanBytes(shifted)), []);
});

Deno.test("a line of exactly one window is tested whole", () => {
  const line = new Uint8Array(WINDOW_BYTES).fill(0x20);
  line.set(bytesOf("secret=1"), WINDOW_BYTES - 8);
  const withLf = new Uint8Array(WINDOW_BYTES + 1);
  withLf.set(line);
  withLf[WINDOW_BYTES] = 0x0a;
  assert.deepEqual(pairs(scanBytes(line)), [["secret", 1]]);
  assert.deepEqual(pairs(scanBytes(withLf)), [["secret", 1]]);
  assert.deepEqual(pairs(scanChunks([withLf.subarray(0, 12345), withLf.subarray(12345)])), [["secret", 1]]);
});

Deno.test("lines around one window in length end where their LF is", () => {
  const parts: Uint8Array[] = [];
  for (const len of [WINDOW_BYTES - 1, WINDOW_BYTES, WINDOW_BYTES + 1, WINDOW_BYTES + 2, 3]) {
    const line = new Uint8Array(len + 1).fill(0x20);
    line.set(bytesOf("s=1"), len - 3);
    line[len] = 0x0a;
    parts.push(line, bytesOf("secret=0\n"));
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  const want = referenceScan(bytes);
  assert.deepEqual(pairs(want), [2, 4, 6, 8, 10].map((n): [PatternId, number] => ["secret", n]));
  assert.deepEqual(scanBytes(bytes), want);
  assert.deepEqual(scanChunks(cutAt(bytes, [WINDOW_BYTES + 5, 2 * WINDOW_BYTES + 7])), want);
});

Deno.test("splitting the input at every position gives the same findings", () => {
  const text = bytesOf("x\napi_key=1\n\nsecret: 2 AKIAIOSFODNN7EXAMPLE\r\n-----BEGIN EC PRIVATE KEY-----");
  const whole = scanBytes(text);
  assert.equal(whole.findings.length, 4);
  for (let i = 0; i <= text.length; i++) {
    assert.deepEqual(scanChunks([text.subarray(0, i), text.subarray(i)]), whole, `split at ${i}`);
  }
  assert.deepEqual(scanChunks(Array.from(text, (b) => new Uint8Array([b]))), whole);
});

Deno.test("the scanner keeps no matched text and cannot be reused", () => {
  const s = createScanner();
  s.push(bytesOf("password_secret: hunter2-value\n"));
  const r = s.finish();
  assert.deepEqual(pairs(r), [["secret", 1]]);
  assert.ok(!JSON.stringify(r).includes("hunter2"));
  // The engine's legacy last-match state no longer holds the match.
  const legacy = RegExp as unknown as { lastMatch?: string; input?: string };
  assert.ok(!(legacy.lastMatch ?? "").includes("secret"));
  assert.ok(!(legacy.input ?? "").includes("hunter2"));
  assert.throws(() => s.push(new Uint8Array([1])));
  assert.throws(() => s.finish());
});

// ── properties: random content, random chunking, against the reference ──

const FRAGMENTS = [
  "secret",
  "SeCrEt",
  "=",
  ":",
  " ",
  "\t",
  "\r",
  "\n",
  "\n",
  "\n",
  "api_key",
  "api-Key",
  "apikey",
  "access",
  "_token",
  "token",
  "'",
  '"',
  "AKIA",
  "ASIA",
  "IOSFODNN7EXAMPLE",
  "0123456789",
  "ghp_",
  "gho_",
  "sk-",
  "aaaaaaaaaaaaaaaaaaaa",
  "-----BEGIN ",
  "RSA ",
  "PRIVATE KEY",
  " BLOCK",
  "-----",
  "x",
  "\u00e9",
  "\u0080",
  "\u0081",
  "\u008a",
  "\u009f",
  "\u00ff",
  "\u00a0",
  "\u000b",
];

const content = fc.array(
  fc.oneof(
    { weight: 40, arbitrary: fc.constantFrom(...FRAGMENTS) },
    { weight: 1, arbitrary: fc.constant("\u0000") },
  ),
  { maxLength: 200 },
).map((parts) => bytesOf(parts.join("")));

function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

Deno.test("property: random chunking of short-line text matches the reference scan", () => {
  fc.assert(
    fc.property(content, fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
      const want = referenceScan(bytes);
      assert.deepEqual(scanBytes(bytes), want);
      assert.deepEqual(scanChunks(cutAt(bytes, cuts)), want);
    }),
    { numRuns: RUNS },
  );
});

Deno.test("property: probe-sized inputs decide binary the same however they are split", () => {
  const sized = fc.tuple(fc.integer({ min: 0, max: 9000 }), fc.option(fc.integer({ min: 0, max: 9000 })));
  fc.assert(
    fc.property(sized, fc.array(fc.nat(), { maxLength: 5 }), ([size, nulAt], cuts) => {
      const bytes = new Uint8Array(size).fill(0x73);
      if (nulAt !== null && nulAt < size) bytes[nulAt] = 0;
      bytes.set(bytesOf("secret=\n").subarray(0, size));
      const want = referenceScan(bytes);
      assert.deepEqual(scanChunks(cutAt(bytes, cuts)), want);
    }),
    { numRuns: RUNS },
  );
});

const SECRETS = [
  "secret=1",
  "AKIAIOSFODNN7EXAMPLE",
  " sk-aaaaaaaaaaaaaaaaaaaaaaaa ",
  "-----BEGIN DSA PRIVATE KEY-----",
];

const longLine = fc.record({
  size: fc.integer({ min: WINDOW_BYTES - 16, max: 3 * WINDOW_BYTES + 100_000 }),
  filler: fc.constantFrom(0x20, 0x61),
  plants: fc.array(
    fc.tuple(
      fc.constantFrom(...SECRETS),
      fc.oneof(
        fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -40, max: 8 })).map(([k, d]) =>
          k * WINDOW_STEP + d
        ),
        fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: -40, max: 8 })).map(([k, d]) =>
          k * WINDOW_STEP + WINDOW_BYTES + d
        ),
        fc.nat({ max: 3 * WINDOW_BYTES }),
      ),
    ),
    { maxLength: 4 },
  ),
  chunk: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1000, max: 2_500_000 })),
});

Deno.test("property: long lines through any chunking match the reference scan", () => {
  fc.assert(
    fc.property(longLine, ({ size, filler, plants, chunk }) => {
      const line = new Uint8Array(size).fill(filler);
      for (const [text, at] of plants) {
        const b = bytesOf(text);
        const pos = Math.max(0, Math.min(at, size - b.length));
        line.set(b, pos);
      }
      const bytes = new Uint8Array(size + 22);
      bytes.set(bytesOf("api_key=0\n"));
      bytes.set(line, 10);
      bytes.set(bytesOf("\nsecret=9\n"), 10 + size);
      const want = referenceScan(bytes);
      const chunks: Uint8Array[] = [];
      // Tiny chunks over megabytes would only slow the test down; cap their number.
      const step = Math.max(chunk, Math.ceil(bytes.length / 20_000));
      for (let i = 0; i < bytes.length; i += step) chunks.push(bytes.subarray(i, i + step));
      assert.deepEqual(scanChunks(chunks), want);
      assert.deepEqual(scanBytes(bytes), want);
    }),
    { numRuns: Math.max(3, Math.floor(RUNS / 10)) },
  );
});

const bigText = fc.record({
  lines: fc.array(
    fc.tuple(fc.integer({ min: 0, max: 300 }), fc.option(fc.constantFrom(...SECRETS), { freq: 4 })),
    { minLength: 1, maxLength: 40 },
  ),
  repeat: fc.integer({ min: 1000, max: 3000 }),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
});

Deno.test("property: megabytes of short lines cut anywhere into large and small chunks match the reference", () => {
  fc.assert(
    fc.property(bigText, ({ lines, repeat, cuts }) => {
      const unit = lines.map(([n, secret]) => "x ".repeat(n >> 1) + (secret ?? "") + "\n").join("");
      const bytes = bytesOf(unit.repeat(Math.ceil(repeat * 1000 / (unit.length + 1))).slice(0, 3_000_000));
      const want = referenceScan(bytes);
      // Spread cut points over the whole input: some chunks exceed the staging size, some do not.
      const spread = cuts.map((c) => Math.floor((c % 1000) / 1000 * bytes.length));
      assert.deepEqual(scanChunks(cutAt(bytes, spread)), want);
    }),
    { numRuns: Math.max(3, Math.floor(RUNS / 10)) },
  );
});
