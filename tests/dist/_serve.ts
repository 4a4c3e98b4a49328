/**
 * A tiny static file server on the loopback interface for the distribution tests: serves the
 * files under one directory with the content types Deno needs to run modules from a URL
 * (`.ts` as `application/typescript`, `.js` as `application/javascript`), and records what was
 * asked for.
 *
 * @module
 */

/** Content types by file extension; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ts: "application/typescript; charset=utf-8",
  js: "application/javascript; charset=utf-8",
  mjs: "application/javascript; charset=utf-8",
  json: "application/json; charset=utf-8",
  wasm: "application/wasm",
  md: "text/markdown; charset=utf-8",
};

/** A running server. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly origin: string;
  /** Request paths in arrival order, with the response status (`/cli.ts 200`). */
  readonly requests: readonly string[];
  /** Stops the server and waits for it. */
  close(): Promise<void>;
}

/** The content type of a file name. */
export function contentType(name: string): string {
  const dot = name.lastIndexOf(".");
  return (dot >= 0 ? CONTENT_TYPES[name.slice(dot + 1)] : undefined) ?? "application/octet-stream";
}

/** Serves the regular files under `root` (no listings, nothing outside it) on a free port. */
export function serveStatic(root: string): StaticServer {
  const requests: string[] = [];
  const base = root.replace(/\/+$/, "");
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const path = decodeURIComponent(new URL(req.url).pathname);
      const respond = (status: number, body: BodyInit | null, type = "text/plain; charset=utf-8") => {
        requests.push(`${path} ${status}`);
        return new Response(body, { status, headers: { "content-type": type } });
      };
      if (req.method !== "GET" && req.method !== "HEAD") return respond(405, "method not allowed\n");
      if (path.split("/").some((s) => s === "..")) return respond(404, "not found\n");
      try {
        const file = `${base}${path}`;
        if (!(await Deno.stat(file)).isFile) return respond(404, "not found\n");
        return respond(200, req.method === "HEAD" ? null : await Deno.readFile(file), contentType(file));
      } catch {
        return respond(404, "not found\n");
      }
    },
  );
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    requests,
    close: () => server.shutdown(),
  };
}
