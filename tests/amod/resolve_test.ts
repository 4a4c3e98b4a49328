import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { collisionKey, normalizePath as normalize } from "../../lib/names.ts";
import {
  checkSymlinkTarget,
  hasProjectMarker,
  MAX_LINK_HOPS,
  resolveLink,
  type SnapshotView,
  unsafeSymlinks,
  type ViewEntry,
} from "../../lib/amod/resolve.ts";

const RUNS = Number(Deno.env.get("HANDOFF_PROPERTY_RUNS") ?? "100");

function viewOf(entries: Record<string, ViewEntry>): SnapshotView {
  const map = new Map(Object.entries(entries));
  return (rel) => map.get(rel);
}

const link = (target: string): ViewEntry => ({ kind: "symlink", target });
const file: ViewEntry = { kind: "file" };
const dir: ViewEntry = { kind: "directory" };

Deno.test("normalizePath cleans the paths of amod.md §5.4 like Go's path.Clean", () => {
  const table: [string, string][] = [
    ["", "."],
    [".", "."],
    ["./", "."],
    ["a", "a"],
    ["a/", "a"],
    ["a//b", "a/b"],
    ["a/./b", "a/b"],
    ["a/b/..", "a"],
    ["a/..", "."],
    ["..", ".."],
    ["../..", "../.."],
    ["../x", "../x"],
    ["a/../../x", "../x"],
    [".agentmod/../x", "x"],
    [".agentmod/../../x", "../x"],
    [".agentmod/d1/d2/../../x", ".agentmod/x"],
    [".agentmod/./x/", ".agentmod/x"],
    ["a/../..", ".."],
    ["../a/..", ".."],
  ];
  for (const [input, want] of table) assert.equal(normalize(input), want, JSON.stringify(input));
});

Deno.test("collisionKey folds case, NFC and the special case pairs", () => {
  const same: [string, string][] = [
    ["A.md", "a.md"],
    ["\u00e9.md", "e\u0301.md"],
    ["\u03c3", "\u03c2"],
    ["\u03a3", "\u03c3"],
    ["\u017f", "s"],
    ["\u212a", "k"],
    ["\u00df", "ss"],
    [".agentmod/Claude/X", ".agentmod/claude/x"],
  ];
  for (const [a, b] of same) assert.equal(collisionKey(a), collisionKey(b), `${a} / ${b}`);
  assert.notEqual(collisionKey("a.md"), collisionKey("a.mdx"));
  assert.notEqual(collisionKey("e"), collisionKey("\u00e9"));
});

Deno.test("checkSymlinkTarget reports the first failing syntactic check", () => {
  const table: [string | Uint8Array, string | null][] = [
    ["../agentmod.toml", null],
    ["x", null],
    ["a".repeat(4096), null],
    ["a".repeat(4097), "symlink-target-too-large"],
    ["a".repeat(8192), "symlink-target-too-large"],
    ["\u00e9".repeat(2048), null],
    ["\u00e9".repeat(2049), "symlink-target-too-large"],
    ["\u{1f600}".repeat(1024), null],
    ["\u{1f600}".repeat(1025), "symlink-target-too-large"],
    ["", "symlink-target-empty"],
    ["..\\x", "symlink-target-backslash"],
    ["/etc/passwd", "symlink-target-absolute"],
    ["/", "symlink-target-absolute"],
    ["C:/x", "symlink-target-absolute"],
    ["c:", "symlink-target-absolute"],
    ["C:\\x", "symlink-target-backslash"],
    ["1:x", null],
    ["\u00e9:x", null],
    ["a\nb", "symlink-target-invalid"],
    ["a\u0000", "symlink-target-invalid"],
    ["a\u0085", "symlink-target-invalid"],
    ["a\u2028", "symlink-target-invalid"],
    ["a\\\n", "symlink-target-invalid"],
    ["a\ud800b", "symlink-target-invalid"],
    ["a\udc00", "symlink-target-invalid"],
    ["\u{1f600}", null],
    ["../../outside.txt", null],
    [new Uint8Array([0x61, 0x2f, 0x62]), null],
    [new Uint8Array([0xff]), "symlink-target-invalid"],
    [new Uint8Array([0xc3]), "symlink-target-invalid"],
    [new Uint8Array(0), "symlink-target-empty"],
    [new Uint8Array(4097).fill(0x61), "symlink-target-too-large"],
    [new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), null],
  ];
  for (const [target, want] of table) {
    const label = typeof target === "string"
      ? JSON.stringify(target.slice(0, 20))
      : `bytes ${target.slice(0, 4)}`;
    assert.equal(checkSymlinkTarget(target), want, label);
  }
});

Deno.test("resolveLink rejects the worked example of amod.md §5.4 and accepts its first link", () => {
  const view = viewOf({
    ".agentmod/d1": dir,
    ".agentmod/d1/d2": dir,
    ".agentmod/d1/d2/s": link("../.."),
    ".agentmod/t": link("d1/d2/s/../x"),
  });
  assert.deepEqual(resolveLink(".agentmod/d1/d2/s", "../..", view), { ok: true, path: ".agentmod" });
  assert.deepEqual(resolveLink(".agentmod/t", "d1/d2/s/../x", view), { ok: false, code: "symlink-escapes" });
  // Lexically the same target stays inside: only the substitution reveals the escape.
  assert.equal(normalize(".agentmod/d1/d2/s/../x"), ".agentmod/d1/d2/x");
});

Deno.test("resolveLink rejects paths that leave .agentmod even when they come back", () => {
  const view = viewOf({ ".agentmod/a": dir, ".agentmod/x": file });
  const table: [string, string][] = [
    [".agentmod/a/l", "../../.agentmod/x"],
    [".agentmod/l", "../.agentmod/x"],
    [".agentmod/l", ".."],
    [".agentmod/a/l", "../../outside"],
    [".agentmod/l", "./../x"],
  ];
  for (const [rel, target] of table) {
    assert.deepEqual(
      resolveLink(rel, target, view),
      { ok: false, code: "symlink-escapes" },
      `${rel} -> ${target}`,
    );
  }
});

Deno.test("resolveLink allows links to .agentmod itself and dangling links inside it", () => {
  const view = viewOf({ ".agentmod/a": dir, ".agentmod/a/b": dir });
  const table: [string, string, string][] = [
    [".agentmod/a/b/l", "../..", ".agentmod"],
    [".agentmod/l", ".", ".agentmod"],
    [".agentmod/l", "./", ".agentmod"],
    [".agentmod/a/l", "..//./", ".agentmod"],
    [
      ".agentmod/node/bin/tool",
      "../lib/node_modules/tool/cli.js",
      ".agentmod/node/lib/node_modules/tool/cli.js",
    ],
    [".agentmod/a/l", "b/c/../d", ".agentmod/a/b/d"],
  ];
  for (const [rel, target, want] of table) {
    assert.deepEqual(resolveLink(rel, target, view), { ok: true, path: want }, `${rel} -> ${target}`);
  }
});

Deno.test("resolveLink follows chains and treats files and missing entries as plain segments", () => {
  const view = viewOf({
    ".agentmod/a": link("b"),
    ".agentmod/b": link("c/d"),
    ".agentmod/c": dir,
    ".agentmod/c/d": file,
    ".agentmod/f": file,
    ".agentmod/up": link("c/.."),
  });
  assert.deepEqual(resolveLink(".agentmod/l", "a", view), { ok: true, path: ".agentmod/c/d" });
  assert.deepEqual(resolveLink(".agentmod/l", "f/../c", view), { ok: true, path: ".agentmod/c" });
  assert.deepEqual(resolveLink(".agentmod/l", "missing/../c/d", view), { ok: true, path: ".agentmod/c/d" });
  assert.deepEqual(resolveLink(".agentmod/c/l", "../up/c/d", view), { ok: true, path: ".agentmod/c/d" });
  assert.deepEqual(resolveLink(".agentmod/l", "up/..", view), { ok: false, code: "symlink-escapes" });
});

Deno.test("resolveLink reports loops after 40 substitutions", () => {
  const loop = viewOf({ ".agentmod/a": link("b"), ".agentmod/b": link("a") });
  assert.deepEqual(resolveLink(".agentmod/a", "b", loop), { ok: false, code: "symlink-loop" });
  const self = viewOf({ ".agentmod/s": link("s") });
  assert.deepEqual(resolveLink(".agentmod/s", "s", self), { ok: false, code: "symlink-loop" });
  const selfDir = viewOf({ ".agentmod/s": link("./s/x") });
  assert.deepEqual(resolveLink(".agentmod/s", "./s/x", selfDir), { ok: false, code: "symlink-loop" });

  const chain = (hops: number): SnapshotView => {
    const entries: Record<string, ViewEntry> = { ".agentmod/end": file };
    for (let i = 1; i <= hops; i++) entries[`.agentmod/l${i}`] = link(i === hops ? "end" : `l${i + 1}`);
    return viewOf(entries);
  };
  assert.deepEqual(resolveLink(".agentmod/start", "l1", chain(MAX_LINK_HOPS)), {
    ok: true,
    path: ".agentmod/end",
  });
  assert.deepEqual(resolveLink(".agentmod/start", "l1", chain(MAX_LINK_HOPS + 1)), {
    ok: false,
    code: "symlink-loop",
  });
});

Deno.test("resolveLink fails on bad targets: its own with their code, met ones as escapes", () => {
  const view = viewOf({ ".agentmod/abs": link("/etc"), ".agentmod/bs": link("a\\b") });
  assert.deepEqual(resolveLink(".agentmod/abs", "/etc", view), {
    ok: false,
    code: "symlink-target-absolute",
  });
  assert.deepEqual(resolveLink(".agentmod/l", "", view), { ok: false, code: "symlink-target-empty" });
  assert.deepEqual(resolveLink(".agentmod/l", "abs/x", view), { ok: false, code: "symlink-escapes" });
  assert.deepEqual(resolveLink(".agentmod/l", "bs", view), { ok: false, code: "symlink-escapes" });
});

Deno.test("unsafeSymlinks excludes the links of C16 and keeps the rest", () => {
  const kept = new Map<string, ViewEntry>([
    [".agentmod/agentmod.toml", file],
    [".agentmod/abs", link("/etc/passwd")],
    [".agentmod/out", link("../../outside")],
    [".agentmod/d1", dir],
    [".agentmod/d1/d2", dir],
    [".agentmod/d1/d2/s", link("../..")],
    [".agentmod/t", link("d1/d2/s/../x")],
    [".agentmod/loop1", link("loop2")],
    [".agentmod/loop2", link("loop1")],
    [".agentmod/claude", dir],
    [".agentmod/claude/link.toml", link("../agentmod.toml")],
    [".agentmod/via", link("claude/link.toml")],
  ]);
  assert.deepEqual([...unsafeSymlinks(kept)].sort(), [
    ".agentmod/abs",
    ".agentmod/loop1",
    ".agentmod/loop2",
    ".agentmod/out",
    ".agentmod/t",
  ]);
  assert.equal(unsafeSymlinks(new Map([[".agentmod/x", file]])).size, 0);
});

Deno.test("hasProjectMarker accepts a regular file or a link resolving to one", () => {
  assert.equal(hasProjectMarker(viewOf({ ".agentmod/agentmod.toml": file })), true);
  assert.equal(hasProjectMarker(viewOf({})), false);
  assert.equal(hasProjectMarker(viewOf({ ".agentmod/agentmod.toml": dir })), false);
  assert.equal(
    hasProjectMarker(viewOf({ ".agentmod/agentmod.toml": link("real.toml"), ".agentmod/real.toml": file })),
    true,
  );
  assert.equal(hasProjectMarker(viewOf({ ".agentmod/agentmod.toml": link("real.toml") })), false);
  assert.equal(
    hasProjectMarker(viewOf({ ".agentmod/agentmod.toml": link("d"), ".agentmod/d": dir })),
    false,
  );
  assert.equal(hasProjectMarker(viewOf({ ".agentmod/agentmod.toml": link("../agentmod.toml") })), false);
});

// ── properties ──

const NAMES = ["a", "b", "c"];
const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 2, arbitrary: fc.constant("..") },
  { weight: 1, arbitrary: fc.constantFrom(".", "") },
);
// Mostly "up, then down" shapes, which often land on entries; sometimes arbitrary segment soup.
const target = fc.oneof(
  fc.tuple(
    fc.integer({ min: 0, max: 2 }),
    fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }),
  )
    .map(([up, down]) => [...Array(up).fill(".."), ...down].join("/")),
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join("/")),
);
const relPath = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }).map((s) =>
  `.agentmod/${s.join("/")}`
);

interface RandomTree {
  /** Every ancestor of a listed path is a directory unless it is listed itself. */
  readonly entries: Map<string, ViewEntry>;
}

const randomTree = fc.array(
  fc.tuple(relPath, fc.oneof(fc.constant<ViewEntry>(file), target.map((t) => link(t)))),
  { minLength: 1, maxLength: 12 },
).map((rows): RandomTree => {
  const entries = new Map<string, ViewEntry>([[".agentmod", dir]]);
  for (const [rel, e] of rows) {
    const parts = rel.split("/");
    // Skip a row whose ancestor is already a non-directory, or whose path is already taken.
    let ok = !entries.has(rel);
    for (let i = 2; i < parts.length && ok; i++) {
      const anc = parts.slice(0, i).join("/");
      const have = entries.get(anc);
      if (have !== undefined && have.kind !== "directory") ok = false;
    }
    if (!ok) continue;
    for (let i = 2; i < parts.length; i++) entries.set(parts.slice(0, i).join("/"), dir);
    entries.set(rel, e);
  }
  return { entries };
});

Deno.test("property: after unsafeSymlinks every remaining link resolves inside .agentmod", () => {
  fc.assert(
    fc.property(randomTree, ({ entries }) => {
      const excluded = unsafeSymlinks(entries);
      const view: SnapshotView = (rel) => excluded.has(rel) ? undefined : entries.get(rel);
      for (const [rel, e] of entries) {
        if (e.kind !== "symlink") continue;
        if (excluded.has(rel)) continue;
        const r = resolveLink(rel, e.target, view);
        assert.ok(r.ok, `${rel} -> ${e.target}`);
        assert.ok(r.path === ".agentmod" || r.path.startsWith(".agentmod/"));
        assert.equal(view(r.path)?.kind === "symlink", false);
      }
    }),
    { numRuns: RUNS },
  );
});

Deno.test("property: a resolved path is where the kernel's own resolution lands", async () => {
  const base = await Deno.makeTempDir({ prefix: "handoff-resolve-" });
  let n = 0;
  try {
    await fc.assert(
      // The kernel cannot create a link with an empty target; those fail syntactically anyway.
      fc.asyncProperty(randomTree, async ({ entries: all }) => {
        const entries = new Map([...all].filter(([, e]) => e.kind !== "symlink" || e.target !== ""));
        // A fresh project root per run, with a sandbox above it for links that escape.
        const root = `${base}/${n++}/sandbox/project`;
        await Deno.mkdir(`${root}/.agentmod`, { recursive: true });
        const links: [string, string][] = [];
        for (const [rel, e] of entries) {
          if (rel === ".agentmod") continue;
          if (e.kind === "directory") await Deno.mkdir(`${root}/${rel}`, { recursive: true });
        }
        for (const [rel, e] of entries) {
          if (e.kind === "file") await Deno.writeTextFile(`${root}/${rel}`, "x");
          if (e.kind === "symlink") {
            await Deno.symlink(e.target, `${root}/${rel}`);
            links.push([rel, e.target]);
          }
        }
        const view: SnapshotView = (rel) => entries.get(rel);
        const real = await Deno.realPath(root);
        for (const [rel, t] of links) {
          const r = resolveLink(rel, t, view);
          let kernel: string | null;
          try {
            kernel = await Deno.realPath(`${root}/${rel}`);
          } catch {
            kernel = null; // dangling, a loop, or a file used as a directory
          }
          if (r.ok && kernel !== null) assert.equal(kernel, `${real}/${r.path}`, `${rel} -> ${t}`);
          if (r.ok && kernel === null) {
            // Ours resolves lexically through missing entries and files; the kernel then fails.
            const k = view(r.path);
            assert.ok(k === undefined || k.kind !== "symlink");
          }
        }
      }),
      { numRuns: RUNS },
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
