import assert from "node:assert/strict";
import { buildPackage } from "../lib/anpkg/export.ts";
import { sha256Hex } from "../lib/digest.ts";
import {
  createHandler,
  DEFAULT_PORT,
  diskProjectStore,
  type ProjectStore,
  rawPath,
  REQUEST_BODY_INPUT,
  serve,
} from "../lib/serve.ts";
import type { ZipLimits } from "../lib/zip/limits.ts";
import { copyTree, repoPath, sharedDir, tempDir } from "./helpers/fs.ts";

const SHARED = sharedDir();
const CLI = repoPath("cli.ts");
const LIMITS: ZipLimits = { maxMembers: 10_000, maxTotalBytes: 64 * 1024, maxRatio: 100 };

/** A projects root with our fixtures (and the upstream ones when ../shared exists), a broken project and noise. */
async function projectsRoot(): Promise<{ base: string; root: string; cleanup: () => Promise<void> }> {
  const t = await tempDir();
  const root = `${t.path}/projects`;
  for (const name of ["sim-only", "multi-provider", "imported-variants"]) {
    await copyTree(repoPath(`fixtures/projects/${name}`), `${root}/${name}`);
  }
  if (SHARED) {
    for (const name of ["sim-quickstart", "imported-profile"]) {
      await copyTree(`${SHARED}/fixtures/anolis/${name}`, `${root}/${name}`);
    }
  }
  await copyTree(repoPath("fixtures/projects/sim-only"), `${root}/broken`);
  await Deno.writeTextFile(`${root}/broken/machine-profile.yaml`, "schema_version: [1\n");
  await Deno.mkdir(`${root}/empty-dir`);
  await copyTree(repoPath("fixtures/projects/sim-only"), `${root}/bad name`);
  await Deno.writeTextFile(`${root}/notes.txt`, "not a project\n");
  // A valid project beside the root: no request may reach it.
  await copyTree(repoPath("fixtures/projects/sim-only"), `${t.path}/outside`);
  return { base: t.path, root, cleanup: t.cleanup };
}

/** A store that counts every call, to show which requests touched the disk. */
function spyStore(inner: ProjectStore): ProjectStore & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    list: () => {
      calls.push("list");
      return inner.list();
    },
    build: (name) => {
      calls.push(`build ${name}`);
      return inner.build(name);
    },
  };
}

interface Running {
  readonly base: string;
  readonly port: number;
  readonly store: ReturnType<typeof spyStore>;
  close(): Promise<void>;
}

function start(root: string, limits: ZipLimits = LIMITS): Running {
  const store = spyStore(diskProjectStore(root, { limits }));
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createHandler({ store, limits }),
  );
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    port: server.addr.port,
    store,
    close: () => server.shutdown(),
  };
}

/**
 * Sends raw HTTP/1.1 bytes (so the request target reaches the server unnormalized) and reads one
 * response, up to its Content-Length.
 */
async function rawRequest(port: number, head: string): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(head));
    let bytes = new Uint8Array(0);
    const buf = new Uint8Array(65536);
    for (;;) {
      const text = new TextDecoder().decode(bytes);
      const split = text.indexOf("\r\n\r\n");
      if (split >= 0) {
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(text.slice(0, split))?.[1] ?? "0");
        const body = bytes.subarray(new TextEncoder().encode(text.slice(0, split + 4)).length);
        if (body.length >= length) {
          return {
            status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]),
            body: new TextDecoder().decode(body.subarray(0, length)),
          };
        }
      }
      const n = await conn.read(buf);
      if (n === null) throw new Error(`connection closed early: ${JSON.stringify(text)}`);
      const next = new Uint8Array(bytes.length + n);
      next.set(bytes);
      next.set(buf.subarray(0, n), bytes.length);
      bytes = next;
    }
  } finally {
    conn.close();
  }
}

function post(target: string): string {
  return `POST ${target} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
}

async function cliExport(project: string, out: string): Promise<Uint8Array> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", CLI, "export", project, "-o", out],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.equal(r.code, 0, `export of ${project}`);
  return await Deno.readFile(out);
}

async function treeSnapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for await (const e of Deno.readDir(dir)) {
      const info = await Deno.lstat(`${dir}/${e.name}`);
      out.push(`${prefix}${e.name} ${info.size} ${info.mtime?.getTime()}`);
      if (e.isDirectory) await walk(`${dir}/${e.name}`, `${prefix}${e.name}/`);
    }
  };
  await walk(root, "");
  return out.sort();
}

async function errorBody(res: Response): Promise<Record<string, unknown>> {
  assert.equal(res.headers.get("content-type"), "application/json");
  const body = await res.json();
  assert.equal(body.error, body.message, "error and message hold the same text");
  assert.equal(typeof body.code, "string");
  return body;
}

Deno.test("export route: 200 with the workbench headers and the CLI's bytes", async () => {
  const p = await projectsRoot();
  const s = await start(p.root);
  try {
    const res = await fetch(`${s.base}/api/projects/sim-only/export?ignored=1`, {
      method: "POST",
      body: "ignored",
    });
    assert.equal(res.status, 200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(res.headers.get("content-type"), "application/zip");
    assert.equal(res.headers.get("content-disposition"), 'attachment; filename="sim-only.anpkg"');
    assert.equal(res.headers.get("content-length"), String(bytes.length));
    assert.equal(res.headers.get("server"), null);
    assert.deepEqual(bytes, await cliExport(`${p.root}/sim-only`, `${p.base}/cli-sim-only.anpkg`));
    const imported = await fetch(`${s.base}/api/projects/imported-variants/export`, { method: "POST" });
    assert.equal(imported.status, 200, "projects without authored: true export too (D14)");
    assert.deepEqual(
      new Uint8Array(await imported.arrayBuffer()),
      await cliExport(`${p.root}/imported-variants`, `${p.base}/cli-imported.anpkg`),
    );
  } finally {
    await s.close();
    await p.cleanup();
  }
});

Deno.test({
  name: "export route gives the upstream reference packages byte for byte, imported-profile included",
  ignore: SHARED === null,
  fn: async () => {
    const p = await projectsRoot();
    const s = await start(p.root);
    try {
      for (
        const [name, size, sha] of [
          ["sim-quickstart", 2735, "fc9fe55196956c24f4112a565afccca7193eaab318ebec2723a6d3976be66406"],
          ["imported-profile", 4271, "c53522c51dd3537b11b1ae1d2241f6546dcb75bb9454dfdcbf272d3c31771744"],
        ] as const
      ) {
        const res = await fetch(`${s.base}/api/projects/${name}/export`, { method: "POST" });
        assert.equal(res.status, 200, name);
        const bytes = new Uint8Array(await res.arrayBuffer());
        assert.equal(bytes.length, size);
        assert.equal(await sha256Hex(bytes), sha);
      }
    } finally {
      await s.close();
      await p.cleanup();
    }
  },
});

Deno.test("export route errors: bad name 400, unknown project 404, project errors 400 with problems", async () => {
  const p = await projectsRoot();
  const s = await start(p.root);
  try {
    const bad = await fetch(`${s.base}/api/projects/bad%24name/export`, { method: "POST" });
    assert.equal(bad.status, 400);
    const badBody = await errorBody(bad);
    assert.equal(badBody.code, "project-name-invalid");
    assert.match(String(badBody.error), /1 to 64 characters from A-Z, a-z, 0-9, "_" and "-"/);
    assert.equal(badBody.problems, undefined);
    for (const name of ["no-such-project", "empty-dir"]) {
      const res = await fetch(`${s.base}/api/projects/${name}/export`, { method: "POST" });
      assert.equal(res.status, 404, name);
      const body = await errorBody(res);
      assert.equal(body.code, "project-not-found");
      assert.match(String(body.error), new RegExp(`"${name}"`));
    }
    const broken = await fetch(`${s.base}/api/projects/broken/export`, { method: "POST" });
    assert.equal(broken.status, 400);
    const body = await errorBody(broken);
    assert.equal(body.code, "yaml-invalid");
    const problems = body.problems as { code: string; severity: string; message: string }[];
    assert.ok(Array.isArray(problems) && problems.length >= 1);
    assert.equal(problems[0]?.code, "yaml-invalid");
    assert.equal(body.error, problems.find((x) => x.severity === "error")?.message);
  } finally {
    await s.close();
    await p.cleanup();
  }
});

Deno.test("unknown routes, other methods and a trailing slash are 404 not-found", async () => {
  const p = await projectsRoot();
  const s = await start(p.root);
  try {
    const cases: [string, string][] = [
      ["GET", "/api/projects/sim-only/export"],
      ["PUT", "/api/projects/sim-only/export"],
      ["DELETE", "/api/projects/sim-only/export"],
      ["POST", "/api/projects/sim-only/export/"],
      ["GET", "/api/validate"],
      ["POST", "/api/projects"],
      ["POST", "/healthz"],
      ["GET", "/"],
      ["GET", "/api/projects/sim-only"],
    ];
    for (const [method, path] of cases) {
      const res = await fetch(`${s.base}${path}`, { method });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal((await errorBody(res)).code, "not-found");
    }
    assert.deepEqual(s.store.calls, []);
  } finally {
    await s.close();
    await p.cleanup();
  }
});

Deno.test("every refused name form is answered 400 before the disk is touched", async () => {
  const p = await projectsRoot();
  const s = await start(p.root);
  try {
    const names = [
      "..",
      "../outside",
      "../../etc",
      "..%2foutside",
      "..%2Foutside",
      "%2e%2e",
      ".%2e",
      "%2e%2e%2foutside",
      "sim-only%2f..%2f..%2foutside",
      "a/b",
      "sim-only/../../outside",
      "%00",
      "sim-only%00",
      "sim-only%00.yaml",
      "sim%E2%80%90only",
      "%EF%BC%8E%EF%BC%8E",
      "sim\u2010only",
      "sim-only%20",
      "%20",
      "",
      "sim-only\\..\\outside",
      "sim-only%5c..%5coutside",
      "bad%24name",
      "a".repeat(65),
      "SIM-ONLY~1",
    ];
    for (const name of names) {
      const res = await rawRequest(s.port, post(`/api/projects/${name}/export`));
      assert.equal(res.status, 400, JSON.stringify(name));
      const body = JSON.parse(res.body);
      assert.equal(body.code, "project-name-invalid", JSON.stringify(name));
    }
    assert.deepEqual(s.store.calls, [], "no refused name reached the project store");
    // A normalizing client turns ".." into another route, which is not found.
    const normalized = await fetch(`${s.base}/api/projects/../outside/export`, { method: "POST" });
    assert.equal(normalized.status, 404);
    await normalized.body?.cancel();
    const ok = await rawRequest(s.port, post("/api/projects/sim-only/export"));
    assert.equal(ok.status, 200, "a good name over the same raw client works");
    assert.deepEqual(s.store.calls, ["build sim-only"]);
  } finally {
    await s.close();
    await p.cleanup();
  }
});

Deno.test("validate route: 200 with the report whatever the verdict", async () => {
  const p = await projectsRoot();
  const s = await start(p.root);
  try {
    const pkg = (await buildPackage(`${p.root}/multi-provider`)).bytes as Uint8Array;
    const res = await fetch(`${s.base}/api/validate`, {
      method: "POST",
      body: pkg as Uint8Array<ArrayBuffer>,
      headers: { "content-type": "application/octet-stream" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    const text = await res.text();
    assert.ok(
      text.endsWith("}\n") && text.startsWith('{\n  "report_version": 1,'),
      "two-space JSON with a final LF",
    );
    const report = JSON.parse(text);
    assert.deepEqual(Object.keys(report), [
      "report_version",
      "format",
      "operation",
      "input",
      "input_kind",
      "valid",
      "errors",
      "warnings",
      "problems",
      "replay",
    ]);
    assert.equal(report.valid, true);
    assert.equal(report.input, REQUEST_BODY_INPUT);
    assert.equal(report.input_kind, "request-body");
    assert.equal(report.replay.requested, false);
    const garbage = await fetch(`${s.base}/api/validate`, { method: "POST", body: "garbage" });
    assert.equal(garbage.status, 200);
    const g = await garbage.json();
    assert.equal(g.valid, false);
    assert.deepEqual(g.problems.map((x: { code: string }) => x.code), ["zip-no-end-record"]);
    const empty = await fetch(`${s.base}/api/validate`, { method: "POST" });
    assert.equal(empty.status, 200);
    assert.equal((await empty.json()).valid, false);
  } finally {
    await s.close();
    await p.cleanup();
  }
});

Deno.test("validate route: 413 limit-total-bytes above the limit, by Content-Length or while streaming", async () => {
  const p = await projectsRoot();
  const s = await start(p.root);
  try {
    // Only the head is sent: the answer comes without the body ever being read.
    const declared = await rawRequest(
      s.port,
      "POST /api/validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1073741824\r\nConnection: close\r\n\r\n",
    );
    assert.equal(declared.status, 413);
    const body = JSON.parse(declared.body);
    assert.equal(body.code, "limit-total-bytes");
    assert.equal(body.error, body.message);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 4 * 1024 * 1024) controller.close();
        else {
          sent += 16 * 1024;
          controller.enqueue(new Uint8Array(16 * 1024));
        }
      },
    });
    const chunked = await fetch(`${s.base}/api/validate`, { method: "POST", body: stream });
    assert.equal(chunked.status, 413);
    assert.equal((await errorBody(chunked)).code, "limit-total-bytes");
    assert.ok(sent < 4 * 1024 * 1024, `the server stopped reading early (${sent} bytes pulled)`);
    const atLimit = await fetch(`${s.base}/api/validate`, {
      method: "POST",
      body: new Uint8Array(LIMITS.maxTotalBytes),
    });
    assert.equal(atLimit.status, 200, "a body of exactly the limit is read");
    await atLimit.body?.cancel();
  } finally {
    await s.close();
    await p.cleanup();
  }
});

Deno.test("GET /api/projects lists exportable project names and GET /healthz answers", async () => {
  const p = await projectsRoot();
  const s = await start(p.root);
  try {
    const res = await fetch(`${s.base}/api/projects`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    const expected = ["broken", "imported-variants", "multi-provider", "sim-only"];
    if (SHARED) expected.push("imported-profile", "sim-quickstart");
    assert.deepEqual(await res.json(), { projects: expected.sort() });
    const health = await fetch(`${s.base}/healthz`);
    assert.equal(health.status, 200);
    const h = await health.json();
    assert.equal(h.status, "ok");
    assert.equal(typeof h.version, "string");
  } finally {
    await s.close();
    await p.cleanup();
  }
});

Deno.test("20 concurrent exports of one project give identical bytes; nothing is written under the root", async () => {
  const p = await projectsRoot();
  const before = await treeSnapshot(p.root);
  const s = await start(p.root);
  try {
    const expected = await cliExport(`${p.root}/multi-provider`, `${p.base}/cli-multi.anpkg`);
    const exports = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const res = await fetch(`${s.base}/api/projects/multi-provider/export`, { method: "POST" });
        return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
      }),
    );
    for (const e of exports) {
      assert.equal(e.status, 200);
      assert.deepEqual(e.bytes, expected);
    }
    const validations = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await fetch(`${s.base}/api/validate`, {
          method: "POST",
          body: (i % 2 === 0 ? expected : new TextEncoder().encode("junk")) as Uint8Array<ArrayBuffer>,
        });
        return { status: res.status, text: await res.text() };
      }),
    );
    for (const [i, v] of validations.entries()) {
      assert.equal(v.status, 200);
      assert.equal(v.text, validations[i % 2]?.text, "identical requests get identical reports");
    }
    const mixed = await Promise.all(
      ["sim-only", "no-such", "broken", "bad%24name"].flatMap((n) => [n, n]).map(async (n) => {
        const res = await fetch(`${s.base}/api/projects/${n}/export`, { method: "POST" });
        await res.body?.cancel();
        return res.status;
      }),
    );
    assert.deepEqual(mixed, [200, 200, 404, 404, 400, 400, 400, 400]);
    assert.deepEqual(await treeSnapshot(p.root), before, "the projects root is unchanged: no temp files");
  } finally {
    await s.close();
    await p.cleanup();
  }
});

Deno.test("a failing store becomes 500 io-error or internal-error, never a crash", async () => {
  const failing = (err: Error): ProjectStore => ({
    list: () => Promise.reject(err),
    build: () => Promise.reject(err),
  });
  const lines: string[] = [];
  const servers = [
    Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      createHandler({
        store: failing(new Deno.errors.PermissionDenied("nope")),
        onError: (l) => lines.push(l),
      }),
    ),
    Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      createHandler({ store: failing(new TypeError("boom")), onError: (l) => lines.push(l) }),
    ),
  ];
  try {
    const [io, bug] = servers.map((x) => `http://127.0.0.1:${x.addr.port}`);
    const r1 = await fetch(`${io}/api/projects/sim-only/export`, { method: "POST" });
    assert.equal(r1.status, 500);
    assert.equal((await errorBody(r1)).code, "io-error");
    const r2 = await fetch(`${io}/api/projects`);
    assert.equal(r2.status, 500);
    assert.equal((await errorBody(r2)).code, "io-error");
    const r3 = await fetch(`${bug}/api/projects/sim-only/export`, { method: "POST" });
    assert.equal(r3.status, 500);
    const b3 = await errorBody(r3);
    assert.equal(b3.code, "internal-error");
    assert.doesNotMatch(String(b3.error), /boom/, "internal details stay in the server's log");
    assert.equal(lines.length, 3);
    assert.match(lines[2] as string, /boom/);
  } finally {
    for (const x of servers) await x.shutdown();
  }
});

Deno.test("rawPath keeps the request target as sent", () => {
  assert.equal(rawPath("http://h/api/projects/../x/export?a=1"), "/api/projects/../x/export");
  assert.equal(rawPath("http://h:3010/api/projects/%2e%2e/export#f"), "/api/projects/%2e%2e/export");
  assert.equal(rawPath("http://h"), "/");
  assert.equal(DEFAULT_PORT, 3010);
});

Deno.test("serve() binds a free port and serves the disk projects", async () => {
  const p = await projectsRoot();
  let bound: Deno.NetAddr | null = null;
  const server = serve({ projectsRoot: p.root, port: 0, onListen: (a) => (bound = a) });
  try {
    assert.ok(bound !== null);
    const res = await fetch(`http://127.0.0.1:${server.addr.port}/api/projects/sim-only/export`, {
      method: "POST",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(
      new Uint8Array(await res.arrayBuffer()),
      (await buildPackage(`${p.root}/sim-only`)).bytes,
    );
  } finally {
    await server.shutdown();
    await p.cleanup();
  }
});

Deno.test("handoff serve runs with --allow-net=127.0.0.1 and --allow-read=<projects-root> only", async () => {
  const p = await projectsRoot();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      `--allow-read=${p.root}`,
      CLI,
      "serve",
      "--projects-root",
      p.root,
      "--port",
      "0",
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
    const m = /^listening on (http:\/\/127\.0\.0\.1:(\d+)\/)\n/.exec(text);
    assert.ok(m, `first line: ${JSON.stringify(text)}`);
    const base = m[1] as string;
    const health = await fetch(`${base}healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    const res = await fetch(`${base}api/projects/sim-only/export`, { method: "POST" });
    assert.equal(res.status, 200);
    assert.deepEqual(
      new Uint8Array(await res.arrayBuffer()),
      (await buildPackage(`${p.root}/sim-only`)).bytes,
    );
    const v = await fetch(`${base}api/validate`, { method: "POST", body: "x" });
    assert.equal((await v.json()).valid, false);
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0, "SIGTERM stops the server cleanly");
    await reader.cancel();
    const stderr = await new Response(child.stderr).text();
    assert.equal(stderr, "");
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already stopped
    }
    await p.cleanup();
  }
});

Deno.test("handoff serve usage errors exit 2", async () => {
  const t = await tempDir();
  try {
    for (
      const [args, message] of [
        [["--port", "70000"], /--port needs a number from 0 to 65535/],
        [["--port", "http"], /--port needs a number/],
        [["--projects-root", `${t.path}/missing`], /is not an existing directory/],
        [["--data-root", `${t.path}/missing`, "--projects-root", t.path], /--data-root/],
        [["--max-total-bytes", "lots"], /--max-total-bytes/],
        [["stray"], /Unexpected argument/],
      ] as const
    ) {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "-A", CLI, "serve", ...args],
        stdout: "piped",
        stderr: "piped",
        stdin: "null",
      }).output();
      assert.equal(r.code, 2, args.join(" "));
      assert.match(new TextDecoder().decode(r.stderr), message);
    }
  } finally {
    await t.cleanup();
  }
});
