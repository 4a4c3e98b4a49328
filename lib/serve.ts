/**
 * The HTTP front-end (anpkg.md §6.4): the workbench's export route, package validation over HTTP,
 * a project list and a health check, on Deno's built-in server. Everything is built in memory:
 * nothing is ever written under the projects root.
 *
 * Routes:
 *
 * | route | answer |
 * |---|---|
 * | `POST /api/projects/{name}/export` | 200 the package (`application/zip`); 400 bad name or export errors; 404 no such project |
 * | `POST /api/validate` | 200 the validation report whatever the verdict; 413 body above `--max-total-bytes` |
 * | `GET /api/projects` | 200 `{"projects": [names]}` |
 * | `GET /healthz` | 200 `{"status": "ok", "version": …}` |
 * | anything else | 404 `not-found` |
 *
 * Error bodies are `{"error", "code", "message"[, "problems"]}`: `error` is the key the
 * reference's clients read and the spec names; `message` holds the same text so that every error
 * is also a `{code, message}` object.
 *
 * @module
 */

import { buildPackage, type BuiltPackage } from "./anpkg/export.ts";
import { NOT_REQUESTED } from "./anpkg/replay.ts";
import { validateBytes } from "./anpkg/validate.ts";
import { isSystemError } from "./fs/atomic.ts";
import type { Code } from "./report/codes.ts";
import { renderJson } from "./report/render.ts";
import { type Problem, reportCore, sortAnpkgProblems } from "./report/report.ts";
import { VERSION } from "./version.ts";
import { ANPKG_LIMITS, type ZipLimits } from "./zip/limits.ts";

/** The project names the export route accepts (anpkg.md §6.4). */
export const PROJECT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The `input` of reports about a request body. */
export const REQUEST_BODY_INPUT = "<request body>";

/**
 * Where projects come from. The handler validates names before calling either method, so a store
 * only ever sees names matching {@link PROJECT_NAME}; it is the handler's only file-system access.
 */
export interface ProjectStore {
  /** Names of the projects (directories holding a `machine-profile.yaml`), in code-point order. */
  list(): Promise<string[]>;
  /** Builds the package of project `name` in memory (anpkg.md §2.2 steps 1–16). */
  build(name: string): Promise<BuiltPackage>;
}

/** Options of {@link diskProjectStore}. */
export interface DiskStoreOptions {
  /** Second base for behavior references, as `handoff export --data-root`. */
  readonly dataRoot?: string;
  /** Limits applied in export's self-validation. */
  readonly limits?: ZipLimits;
}

/** A {@link ProjectStore} over `projectsRoot/<name>` directories; reads only. */
export function diskProjectStore(projectsRoot: string, options: DiskStoreOptions = {}): ProjectStore {
  const exportOptions = {
    limits: options.limits ?? ANPKG_LIMITS,
    ...(options.dataRoot !== undefined ? { dataRoot: options.dataRoot } : {}),
  };
  return {
    async list(): Promise<string[]> {
      const names: string[] = [];
      for await (const e of Deno.readDir(projectsRoot)) {
        if (!PROJECT_NAME.test(e.name)) continue;
        try {
          if ((await Deno.stat(`${projectsRoot}/${e.name}/machine-profile.yaml`)).isFile) names.push(e.name);
        } catch (err) {
          if (err instanceof Deno.errors.NotCapable) throw err;
          // not a project directory
        }
      }
      // Names are ASCII, where code-point order is plain string order.
      return names.sort();
    },
    build(name: string): Promise<BuiltPackage> {
      return buildPackage(`${projectsRoot}/${name}`, exportOptions);
    },
  };
}

/** Options of {@link createHandler}. */
export interface HandlerOptions {
  /** The projects (usually {@link diskProjectStore}). */
  readonly store: ProjectStore;
  /** Limits of `/api/validate` (body size: `maxTotalBytes`, 0 disables). Default: the `.anpkg` limits. */
  readonly limits?: ZipLimits;
  /** Receives one line per failed request (500), for the server's log. */
  readonly onError?: (line: string) => void;
}

/** A request handler as `Deno.serve` takes it. */
export type Handler = (request: Request) => Promise<Response>;

const JSON_TYPE = "application/json";

function jsonResponse(status: number, value: unknown): Response {
  return new Response(renderJson(value), { status, headers: { "content-type": JSON_TYPE } });
}

/** An error response: `{error, code, message}` plus `problems` where relevant. */
function errorResponse(status: number, code: Code, message: string, problems?: readonly Problem[]): Response {
  const body: Record<string, unknown> = { error: message, code, message };
  if (problems !== undefined) body.problems = problems;
  return jsonResponse(status, body);
}

/**
 * The raw path of a request, exactly as it arrived (not percent-decoded, dot segments kept):
 * `Request.url` keeps the request target as sent, whereas `new URL(...).pathname` would resolve
 * `..` and `%2e%2e` segments before the name check could see them.
 */
export function rawPath(url: string): string {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(url);
  let rest = m ? url.slice(m[0].length) : url;
  const cut = rest.search(/[?#]/);
  if (cut >= 0) rest = rest.slice(0, cut);
  return rest === "" ? "/" : rest;
}

const EXPORT_ROUTE = /^\/api\/projects\/(.*)\/export$/s;

/** Reads a request body, refusing (without buffering it) one above `limit` bytes (0: no limit). */
async function readBody(request: Request, limit: number): Promise<Uint8Array | null> {
  const declared = request.headers.get("content-length");
  const length = declared !== null && /^[0-9]+$/.test(declared) ? Number(declared) : null;
  if (limit > 0 && length !== null && length > limit) {
    await request.body?.cancel().catch(() => {});
    return null;
  }
  if (request.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (limit > 0 && total > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function isPermissionError(err: unknown): boolean {
  return err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied;
}

/**
 * Builds the request handler. Every route answers JSON except a successful export; no request can
 * make the handler throw.
 */
export function createHandler(options: HandlerOptions): Handler {
  const limits = options.limits ?? ANPKG_LIMITS;
  const store = options.store;
  const logError = options.onError ?? (() => {});

  const failure = (what: string, err: unknown): Response => {
    const detail = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    logError(`${what}: ${detail}`);
    if (isPermissionError(err)) {
      return errorResponse(
        500,
        "io-error",
        `The server may not read what ${what} needs (missing permission)`,
      );
    }
    if (isSystemError(err)) return errorResponse(500, "io-error", `An I/O error stopped ${what}`);
    return errorResponse(500, "internal-error", `An internal error stopped ${what}`);
  };

  const exportProject = async (name: string): Promise<Response> => {
    // The raw segment is checked before anything touches the disk: "..", "%2f", NUL, "/" and
    // non-ASCII look-alikes all fail this pattern.
    if (!PROJECT_NAME.test(name)) {
      return errorResponse(
        400,
        "project-name-invalid",
        'Project names are 1 to 64 characters from A-Z, a-z, 0-9, "_" and "-"',
      );
    }
    let built: BuiltPackage;
    try {
      built = await store.build(name);
    } catch (err) {
      return failure(`the export of "${name}"`, err);
    }
    const problems = sortAnpkgProblems(built.problems);
    if (problems.some((p) => p.code === "project-not-found")) {
      return errorResponse(
        404,
        "project-not-found",
        `No project "${name}" with a machine-profile.yaml was found`,
      );
    }
    if (built.bytes === null) {
      const first = problems.find((p) => p.severity === "error");
      if (first === undefined) {
        return failure(`the export of "${name}"`, new Error("no package and no error"));
      }
      return errorResponse(400, first.code, first.message, problems);
    }
    return new Response(built.bytes as Uint8Array<ArrayBuffer>, {
      status: 200,
      headers: {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="${name}.anpkg"`,
        "content-length": String(built.bytes.length),
      },
    });
  };

  const validate = async (request: Request): Promise<Response> => {
    const body = await readBody(request, limits.maxTotalBytes);
    if (body === null) {
      const res = errorResponse(
        413,
        "limit-total-bytes",
        `The request body is larger than the server's limit of ${limits.maxTotalBytes} bytes`,
      );
      // The rest of the body is never read, so the connection cannot carry another request.
      res.headers.set("connection", "close");
      return res;
    }
    try {
      const checked = await validateBytes(body, { limits, inputKind: "request-body" });
      const core = reportCore("anpkg", "validate", REQUEST_BODY_INPUT, "request-body", checked.problems);
      return jsonResponse(200, { ...core, replay: NOT_REQUESTED });
    } catch (err) {
      return failure("the validation", err);
    }
  };

  const listProjects = async (): Promise<Response> => {
    try {
      return jsonResponse(200, { projects: await store.list() });
    } catch (err) {
      return failure("the project list", err);
    }
  };

  return async (request: Request): Promise<Response> => {
    const path = rawPath(request.url);
    const method = request.method;
    const notFound = () => {
      request.body?.cancel().catch(() => {});
      return errorResponse(404, "not-found", `No route for ${method} ${path}`);
    };
    if (path === "/healthz") {
      return method === "GET" ? jsonResponse(200, { status: "ok", version: VERSION }) : notFound();
    }
    if (path === "/api/projects") return method === "GET" ? await listProjects() : notFound();
    if (path === "/api/validate") return method === "POST" ? await validate(request) : notFound();
    const m = EXPORT_ROUTE.exec(path);
    if (m !== null && method === "POST") {
      // The request body is ignored (anpkg.md §6.4).
      request.body?.cancel().catch(() => {});
      return await exportProject(m[1] as string);
    }
    return notFound();
  };
}

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Directory holding the projects. */
  readonly projectsRoot: string;
  /** `--data-root`, an existing directory (absolute, symlinks resolved). */
  readonly dataRoot?: string;
  /** Address to bind (default 127.0.0.1). */
  readonly hostname?: string;
  /** Port (default 3010; 0 picks a free one). */
  readonly port?: number;
  /** Limits of both routes. */
  readonly limits?: ZipLimits;
  /** Stops the server when aborted. */
  readonly signal?: AbortSignal;
  /** Called once the socket is bound. */
  readonly onListen?: (addr: Deno.NetAddr) => void;
  /** Receives one line per failed request. */
  readonly onError?: (line: string) => void;
}

/** The port the reference workbench used, and our default (anpkg.md §6.1). */
export const DEFAULT_PORT = 3010;

/**
 * Starts the HTTP server over a {@link diskProjectStore}. Resolves nothing itself: the returned
 * server's `finished` settles when it stops.
 */
export function serve(options: ServeOptions): Deno.HttpServer<Deno.NetAddr> {
  const limits = options.limits ?? ANPKG_LIMITS;
  const store = diskProjectStore(options.projectsRoot, {
    limits,
    ...(options.dataRoot !== undefined ? { dataRoot: options.dataRoot } : {}),
  });
  const handler = createHandler({
    store,
    limits,
    ...(options.onError !== undefined ? { onError: options.onError } : {}),
  });
  return Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? DEFAULT_PORT,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    onListen: (addr) => options.onListen?.(addr),
    onError: (err) => {
      options.onError?.(`unhandled: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`);
      return errorResponse(500, "internal-error", "An internal error stopped the request");
    },
  }, handler);
}
