import assert from "node:assert/strict";
import {
  checkAgentmodDir,
  DENO_WALK_FS,
  type PlannedEntry,
  planSnapshot,
  type SnapshotPlan,
  utf8Length,
  type WalkFs,
} from "../../lib/amod/walk.ts";
import { POLICY_RULES } from "../../lib/amod/exclude.ts";
import { makeProject, minimalTree, removeProject, run, type TreeEntry } from "./_trees.ts";

/** Plans a fresh project built from `entries` and removes it afterwards. */
async function withPlan<T>(
  entries: readonly TreeEntry[],
  f: (root: string) => T | Promise<T>,
): Promise<T> {
  const root = await makeProject(entries);
  try {
    return await f(root);
  } finally {
    await removeProject(root);
  }
}

function okPlan(outcome: ReturnType<typeof planSnapshot>): SnapshotPlan {
  if (!outcome.ok) throw new Error(`Plan refused: ${outcome.problems.map((p) => p.code).join(", ")}`);
  return outcome.plan;
}

function kept(plan: SnapshotPlan): string[] {
  return plan.entries.map((e: PlannedEntry) => e.relPath);
}

function excludedRules(plan: SnapshotPlan): [string, string][] {
  return plan.excluded.map((x) => [x.path, x.rule]);
}

Deno.test("walk visits depth first with each directory's names in UTF-8 order", async () => {
  await withPlan(
    minimalTree(
      { path: ".agentmod/codex/prompts/x.md", kind: "file", content: "x\n" },
      { path: ".agentmod/codex/prompts-old.md", kind: "file", content: "o\n" },
      { path: ".agentmod/b/\u{1F600}.md", kind: "file" },
      { path: ".agentmod/b/\uFF5E.md", kind: "file" },
      { path: ".agentmod/B.md", kind: "file" },
    ),
    (root) => {
      const plan = okPlan(planSnapshot({ root, form: "amod" }));
      assert.deepEqual(kept(plan), [
        ".agentmod",
        ".agentmod/B.md",
        ".agentmod/agentmod.toml",
        ".agentmod/b",
        // U+FF5E sorts before U+1F600 in UTF-8 order, unlike JavaScript's UTF-16 comparison.
        ".agentmod/b/\uFF5E.md",
        ".agentmod/b/\u{1F600}.md",
        ".agentmod/codex",
        ".agentmod/codex/prompts",
        ".agentmod/codex/prompts/x.md",
        ".agentmod/codex/prompts-old.md",
      ]);
      assert.equal(plan.members, 10 + 6);
      assert.equal(plan.plannedBytes, 19 + 2 + 2);
    },
  );
});

Deno.test("walk records kind, perm, size and link target of kept entries", async () => {
  await withPlan(
    minimalTree(
      { path: ".agentmod/d", kind: "dir", perm: 0o700 },
      { path: ".agentmod/d/run.sh", kind: "file", perm: 0o755, content: "#!/bin/sh\n" },
      { path: ".agentmod/d/l", kind: "symlink", target: "run.sh" },
    ),
    (root) => {
      const plan = okPlan(planSnapshot({ root, form: "amod" }));
      const byPath = new Map(plan.entries.map((e) => [e.relPath, e]));
      assert.deepEqual(byPath.get(".agentmod/d"), { relPath: ".agentmod/d", kind: "directory", perm: 0o700 });
      assert.deepEqual(byPath.get(".agentmod/d/run.sh"), {
        relPath: ".agentmod/d/run.sh",
        kind: "file",
        perm: 0o755,
        size: 10,
      });
      assert.deepEqual(byPath.get(".agentmod/d/l"), {
        relPath: ".agentmod/d/l",
        kind: "symlink",
        perm: 0o777,
        target: "run.sh",
        size: 6,
      });
      assert.equal(plan.plannedBytes, 19 + 10 + 6);
    },
  );
});

Deno.test("walk prunes an excluded directory once, with a trailing slash (C22)", async () => {
  await withPlan(
    minimalTree(
      { path: ".agentmod/node/node_modules/pkg/.credentials.json", kind: "file", content: "{}" },
      { path: ".agentmod/node/node_modules/pkg/index.js", kind: "file" },
    ),
    (root) => {
      const plan = okPlan(planSnapshot({ root, form: "amod" }));
      assert.deepEqual(excludedRules(plan), [[".agentmod/node/node_modules/", "node-modules"]]);
      assert.deepEqual(kept(plan), [".agentmod", ".agentmod/agentmod.toml", ".agentmod/node"]);
    },
  );
});

Deno.test("walk records exclusions in walk order whichever rule excluded them", async () => {
  await withPlan(
    minimalTree(
      { path: ".agentmod/a/.env", kind: "file" },
      { path: ".agentmod/a/z", kind: "symlink", target: "/etc/passwd" },
      { path: ".agentmod/b/auth.json", kind: "file" },
      { path: ".agentmod/snapshots/old.amod", kind: "file" },
      { path: ".agentmod/tmp/x", kind: "file" },
    ),
    (root) => {
      const plan = okPlan(planSnapshot({ root, form: "amod" }));
      assert.deepEqual(excludedRules(plan), [
        [".agentmod/a/.env", "env-file"],
        [".agentmod/a/z", "unsafe-symlink"],
        [".agentmod/b/auth.json", "auth-file"],
        [".agentmod/snapshots/", "snapshots-output"],
        [".agentmod/tmp/", "tmp"],
      ]);
    },
  );
});

Deno.test("walk treats a file or symlink named snapshots like any other entry", async () => {
  await withPlan(
    minimalTree({ path: ".agentmod/snapshots", kind: "file", content: "not a directory\n" }),
    (root) => {
      const plan = okPlan(planSnapshot({ root, form: "amod" }));
      assert.deepEqual(plan.excluded, []);
      assert.ok(kept(plan).includes(".agentmod/snapshots"));
    },
  );
  await withPlan(
    minimalTree(
      { path: ".agentmod/real", kind: "dir" },
      { path: ".agentmod/snapshots", kind: "symlink", target: "real" },
    ),
    (root) => {
      const plan = okPlan(planSnapshot({ root, form: "amod" }));
      assert.deepEqual(plan.excluded, []);
      assert.ok(kept(plan).includes(".agentmod/snapshots"));
    },
  );
});

Deno.test("walk skips the running create's own output silently", async () => {
  await withPlan(
    minimalTree({ path: ".agentmod/out.amod", kind: "file", content: "partial" }),
    (root) => {
      const plan = okPlan(
        planSnapshot({ root, form: "amod", skip: new Set([`${root}/.agentmod/out.amod`]) }),
      );
      assert.deepEqual(plan.excluded, []);
      assert.ok(!kept(plan).includes(".agentmod/out.amod"));
    },
  );
});

Deno.test("walk excludes a fifo and a socket as special-file (C14)", async () => {
  await withPlan(
    minimalTree({ path: ".agentmod/pipe", kind: "fifo" }, { path: ".agentmod/sock", kind: "socket" }),
    (root) => {
      const plan = okPlan(planSnapshot({ root, form: "amod" }));
      assert.deepEqual(excludedRules(plan), [[".agentmod/pipe", "special-file"], [
        ".agentmod/sock",
        "special-file",
      ]]);
    },
  );
});

Deno.test("walk applies the safety rules: protected, unportable and colliding names (C15)", async () => {
  await withPlan(
    minimalTree(
      { path: ".agentmod/.aws", kind: "file", content: "[default]\n" },
      { path: ".agentmod/a\\b", kind: "file" },
      { path: ".agentmod/Notes.md", kind: "file" },
      { path: ".agentmod/notes.md", kind: "file" },
      { path: ".agentmod/x\u0085y", kind: "file" },
    ),
    (root) => {
      const plan = okPlan(planSnapshot({ root, form: "amod" }));
      assert.deepEqual(excludedRules(plan), [
        [".agentmod/.aws", "protected-name"],
        [".agentmod/a\\b", "unportable-name"],
        [".agentmod/notes.md", "name-collision"],
        [".agentmod/x\u0085y", "unportable-name"],
      ]);
      assert.ok(kept(plan).includes(".agentmod/Notes.md"));
    },
  );
});

Deno.test("walk keeps a collision exclusion when rule 16 later drops the first sibling", async () => {
  await withPlan(
    minimalTree(
      { path: ".agentmod/A", kind: "symlink", target: "/abs" },
      { path: ".agentmod/a", kind: "file", content: "x" },
    ),
    (root) => {
      const plan = okPlan(planSnapshot({ root, form: "amod" }));
      assert.deepEqual(excludedRules(plan), [[".agentmod/A", "unsafe-symlink"], [
        ".agentmod/a",
        "name-collision",
      ]]);
    },
  );
});

Deno.test("walk excludes unsafe symlinks against the kept set (C16)", async () => {
  await withPlan(
    minimalTree(
      { path: ".agentmod/abs", kind: "symlink", target: "/etc/passwd" },
      { path: ".agentmod/d/out", kind: "symlink", target: "../../outside" },
      { path: ".agentmod/d1/d2/s", kind: "symlink", target: "../.." },
      { path: ".agentmod/t", kind: "symlink", target: "d1/d2/s/../x" },
      { path: ".agentmod/loop/a", kind: "symlink", target: "b" },
      { path: ".agentmod/loop/b", kind: "symlink", target: "a" },
      { path: ".agentmod/ok", kind: "symlink", target: "agentmod.toml" },
      { path: ".agentmod/via", kind: "symlink", target: "abs" },
    ),
    (root) => {
      const plan = okPlan(planSnapshot({ root, form: "amod" }));
      assert.deepEqual(excludedRules(plan), [
        [".agentmod/abs", "unsafe-symlink"],
        [".agentmod/d/out", "unsafe-symlink"],
        [".agentmod/loop/a", "unsafe-symlink"],
        [".agentmod/loop/b", "unsafe-symlink"],
        [".agentmod/t", "unsafe-symlink"],
        // Resolved in the same round, while `abs` and its bad target are still in the kept set.
        [".agentmod/via", "unsafe-symlink"],
      ]);
      // `s` resolves to .agentmod itself, which is allowed: only `t` of the chain pair goes.
      assert.ok(kept(plan).includes(".agentmod/d1/d2/s"));
      assert.ok(kept(plan).includes(".agentmod/ok"));
    },
  );
});

Deno.test("walk excludes a link whose target is not UTF-8 at once (rule 16)", async () => {
  await withPlan(minimalTree({ path: ".agentmod/bad", kind: "symlink", target: "x" }), (root) => {
    const fs: WalkFs = {
      ...DENO_WALK_FS,
      readLink: (path) => {
        if (path.endsWith("/bad")) throw new Deno.errors.InvalidData("stream did not contain valid UTF-8");
        return DENO_WALK_FS.readLink(path);
      },
    };
    const plan = okPlan(planSnapshot({ root, form: "amod", fs }));
    assert.deepEqual(excludedRules(plan), [[".agentmod/bad", "unsafe-symlink"]]);
  });
});

Deno.test("walk stops with name-not-utf8 naming every undecodable entry (C17)", async () => {
  await withPlan(minimalTree({ path: ".agentmod/sub", kind: "dir" }), async (root) => {
    await run(
      "sh",
      ["-c", `touch "$(printf 'a\\377')" && mkdir "$(printf '\\376d')"`],
      `${root}/.agentmod/sub`,
    );
    const out = planSnapshot({ root, form: "amod" });
    assert.ok(!out.ok);
    assert.deepEqual(out.problems.map((p) => [p.code, p.member]), [
      ["name-not-utf8", ".agentmod/sub/a\uFFFD"],
      ["name-not-utf8", ".agentmod/sub/\uFFFDd"],
    ]);
  });
});

Deno.test("walk requires the project marker as a file or a link to a kept file (C18)", async () => {
  await withPlan([{ path: ".agentmod/x.md", kind: "file" }], (root) => {
    const out = planSnapshot({ root, form: "amod" });
    assert.ok(!out.ok);
    assert.deepEqual(out.problems.map((p) => p.code), ["project-marker-missing"]);
  });
  await withPlan(
    [
      { path: ".agentmod/real.toml", kind: "file", content: "schema_version = 1\n" },
      { path: ".agentmod/agentmod.toml", kind: "symlink", target: "real.toml" },
    ],
    (root) => assert.ok(planSnapshot({ root, form: "amod" }).ok),
  );
  // A marker link to an excluded file does not count.
  await withPlan(
    [
      { path: ".agentmod/.env", kind: "file", content: "X=1\n" },
      { path: ".agentmod/agentmod.toml", kind: "symlink", target: ".env" },
    ],
    (root) => {
      const out = planSnapshot({ root, form: "amod" });
      assert.ok(!out.ok && out.problems[0]?.code === "project-marker-missing");
    },
  );
});

Deno.test("walk refuses more members than the limit, counting the six root members (C20)", async () => {
  const files: TreeEntry[] = Array.from({ length: 4 }, (_, i) => ({ path: `.agentmod/f${i}`, kind: "file" }));
  await withPlan(minimalTree(...files), (root) => {
    // .agentmod + marker + 4 files + 6 root members = 12
    const limits = { maxMembers: 12, maxTotalBytes: 0, maxRatio: 200 };
    assert.ok(planSnapshot({ root, form: "amod", limits }).ok);
    const out = planSnapshot({ root, form: "amod", limits: { ...limits, maxMembers: 11 } });
    assert.ok(!out.ok);
    assert.deepEqual(out.problems.map((p) => p.code), ["limit-members"]);
    assert.ok(planSnapshot({ root, form: "amod", limits: { ...limits, maxMembers: 0 } }).ok);
  });
});

Deno.test("walk refuses planned bytes above the limit", async () => {
  await withPlan(
    minimalTree(
      { path: ".agentmod/a", kind: "file", content: "0123456789" },
      { path: ".agentmod/l", kind: "symlink", target: "a" },
    ),
    (root) => {
      const limits = { maxMembers: 0, maxTotalBytes: 19 + 10 + 1, maxRatio: 200 };
      assert.ok(planSnapshot({ root, form: "amod", limits }).ok);
      const out = planSnapshot({ root, form: "amod", limits: { ...limits, maxTotalBytes: 29 } });
      assert.ok(!out.ok);
      assert.deepEqual(out.problems.map((p) => p.code), ["limit-total-bytes"]);
    },
  );
});

Deno.test("walk applies the session and log rules to trees only (C24)", async () => {
  await withPlan(
    minimalTree(
      { path: ".agentmod/claude/projects/p/s.jsonl", kind: "file" },
      { path: ".agentmod/codex/history.jsonl", kind: "file" },
      { path: ".agentmod/codex/logs_2.sqlite", kind: "file" },
      { path: ".agentmod/codex/memories/history.jsonl", kind: "file" },
    ),
    (root) => {
      const tree = okPlan(planSnapshot({ root, form: "tree" }));
      assert.deepEqual(excludedRules(tree), [
        [".agentmod/claude/projects/", "session-data"],
        [".agentmod/codex/history.jsonl", "session-data"],
        [".agentmod/codex/logs_2.sqlite", "log-data"],
      ]);
      assert.ok(kept(tree).includes(".agentmod/codex/memories/history.jsonl"));
      const amod = okPlan(planSnapshot({ root, form: "amod" }));
      assert.deepEqual(amod.excluded, []);
    },
  );
});

Deno.test("walk honours an explicit policy; an empty one disables rules 1-11 only", async () => {
  await withPlan(
    minimalTree(
      { path: ".agentmod/.env", kind: "file" },
      { path: ".agentmod/tmp/x", kind: "file" },
      { path: ".agentmod/.aws", kind: "file" },
    ),
    (root) => {
      const none = okPlan(planSnapshot({ root, form: "amod", policy: [] }));
      assert.deepEqual(excludedRules(none), [[".agentmod/.aws", "protected-name"]]);
      const onlyTmp = okPlan(planSnapshot({ root, form: "amod", policy: [POLICY_RULES.tmp] }));
      assert.deepEqual(excludedRules(onlyTmp), [[".agentmod/.aws", "protected-name"], [
        ".agentmod/tmp/",
        "tmp",
      ]]);
    },
  );
});

Deno.test("walk checks that .agentmod is a real directory", async () => {
  await withPlan([], (root) => {
    const out = planSnapshot({ root, form: "amod" });
    assert.ok(!out.ok && out.problems[0]?.code === "agentmod-dir-missing");
  });
  await withPlan([{ path: "real/agentmod.toml", kind: "file" }, {
    path: ".agentmod",
    kind: "symlink",
    target: "real",
  }], (
    root,
  ) => {
    assert.equal(checkAgentmodDir(root)?.code, "agentmod-dir-not-directory");
  });
  await withPlan([{ path: ".agentmod", kind: "file" }], (root) => {
    assert.equal(checkAgentmodDir(root)?.code, "agentmod-dir-not-directory");
  });
});

Deno.test("walk turns listing, lstat and readLink failures into io-error naming the path", async () => {
  await withPlan(
    minimalTree({ path: ".agentmod/d/f", kind: "file" }, {
      path: ".agentmod/l",
      kind: "symlink",
      target: "d",
    }),
    (root) => {
      const failing = (what: "readDir" | "lstat" | "readLink", suffix: string): WalkFs => ({
        ...DENO_WALK_FS,
        [what]: (path: string) => {
          if (path.endsWith(suffix)) {
            throw new Deno.errors.PermissionDenied("Permission denied (os error 13)");
          }
          return (DENO_WALK_FS[what] as (p: string) => unknown)(path);
        },
      });
      for (
        const [what, suffix] of [["readDir", "/.agentmod/d"], ["lstat", "/d/f"], [
          "readLink",
          "/.agentmod/l",
        ]] as const
      ) {
        const out = planSnapshot({ root, form: "amod", fs: failing(what, suffix) });
        assert.ok(!out.ok, what);
        assert.equal(out.problems.length, 1);
        assert.equal(out.problems[0]?.code, "io-error");
        assert.ok(out.problems[0]?.message.includes(`${root}/.agentmod/`), out.problems[0]?.message);
        assert.ok(out.problems[0]?.message.includes("Permission denied"));
      }
    },
  );
});

Deno.test("walk reports progress for every visited entry", async () => {
  await withPlan(minimalTree({ path: ".agentmod/a/b", kind: "file" }), (root) => {
    const seen: number[] = [];
    okPlan(planSnapshot({ root, form: "amod", onProgress: (p) => seen.push(p.members) }));
    assert.deepEqual(seen, [1, 2, 3]);
  });
});

Deno.test("utf8Length counts UTF-8 bytes", () => {
  for (const s of ["", "abc", "é", "\u20ac", "\u{1F600}", "a/\u00e9/\u{1F600}"]) {
    assert.equal(utf8Length(s), new TextEncoder().encode(s).length, s);
  }
});
