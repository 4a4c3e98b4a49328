/**
 * `handoff serve`: the HTTP routes of anpkg.md §6.4 on Deno's built-in server. Prints the bound
 * address on stdout and runs until SIGINT or SIGTERM (or the injected signal) stops it.
 *
 * @module
 */

import { type OptionSpec, parseOrHelp, renderHelp, stringOption, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { LIMIT_OPTIONS, limitsFrom } from "./common.ts";
import { type CliIo, EXIT } from "./io.ts";
import { ANPKG_LIMITS } from "../zip/limits.ts";

const OPTIONS: readonly OptionSpec[] = [
  {
    name: "projects-root",
    value: "DIR",
    help: "directory holding the projects (default: the current directory)",
  },
  { name: "data-root", value: "DIR", help: "also look up behavior trees relative to DIR, as export does" },
  { name: "host", value: "HOST", help: "address to bind (default 127.0.0.1)" },
  { name: "port", value: "PORT", help: "port to bind (default 3010; 0 picks a free one)" },
  ...LIMIT_OPTIONS,
];

const HELP = renderHelp(
  ["handoff serve [--projects-root DIR] [--data-root DIR] [--host HOST] [--port PORT] [limits]"],
  "Serve the workbench's HTTP routes: POST /api/projects/{name}/export (the package, byte-identical to\n" +
    "handoff export), POST /api/validate (the validation report of the request body), GET /api/projects\n" +
    "and GET /healthz. Packages are built in memory; nothing is written under the projects root. There\n" +
    "is no authentication: keep the default loopback address unless a proxy in front adds it.",
  OPTIONS,
  [
    'Prints "listening on http://HOST:PORT/" on stdout once the socket is bound; stops on SIGINT or SIGTERM.',
    "Permissions: --allow-net=HOST:PORT --allow-read=<projects-root>[,<data-root>]",
    "Exit: 0 stopped by a signal · 2 usage error · 3 cannot bind or read the projects root.",
  ],
);

/** What the command takes from the process; injected by tests. */
export interface ServeDeps {
  /** Stops the server when aborted (in addition to SIGINT and SIGTERM). */
  readonly signal?: AbortSignal;
  /** Whether to stop on SIGINT/SIGTERM (default true). */
  readonly handleSignals?: boolean;
}

async function existingDir(path: string, option: string): Promise<string> {
  const info = await Deno.stat(path).catch((err) => {
    if (err instanceof Deno.errors.NotCapable) throw err;
    return null;
  });
  if (!info?.isDirectory) throw new UsageError(`--${option} "${path}" is not an existing directory`);
  return await Deno.realPath(path);
}

/** Builds the serve command over the given dependencies. */
export function serveCommand(deps: ServeDeps = {}): Command {
  return {
    async run(argv: readonly string[], io: CliIo): Promise<number> {
      const args = parseOrHelp(argv, OPTIONS, HELP, io.out);
      if (args === null) return EXIT.ok;
      const extra = args.positionals[0];
      if (extra !== undefined) {
        throw new UsageError(`Unexpected argument "${extra}"; use --projects-root DIR`);
      }
      const limits = limitsFrom(args, ANPKG_LIMITS);
      const host = stringOption(args, "host") ?? "127.0.0.1";
      if (host === "") throw new UsageError("--host needs an address");
      const portText = stringOption(args, "port");
      let port: number | undefined;
      if (portText !== undefined) {
        port = Number(portText);
        if (!/^[0-9]{1,5}$/.test(portText) || port > 65535) {
          throw new UsageError(`--port needs a number from 0 to 65535, got "${portText}"`);
        }
      }
      const projectsRoot = await existingDir(stringOption(args, "projects-root") ?? ".", "projects-root");
      const dataRootArg = stringOption(args, "data-root");
      const dataRoot = dataRootArg !== undefined ? await existingDir(dataRootArg, "data-root") : undefined;

      const { serve } = await import("../serve.ts");
      const stop = new AbortController();
      deps.signal?.addEventListener("abort", () => stop.abort(), { once: true });
      const onSignal = () => stop.abort();
      const signals: Deno.Signal[] = deps.handleSignals === false || Deno.build.os === "windows"
        ? []
        : ["SIGINT", "SIGTERM"];
      for (const s of signals) Deno.addSignalListener(s, onSignal);
      try {
        const server = serve({
          projectsRoot,
          ...(dataRoot !== undefined ? { dataRoot } : {}),
          hostname: host,
          ...(port !== undefined ? { port } : {}),
          limits,
          signal: stop.signal,
          onListen: (addr) => {
            const h = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
            io.out(`listening on http://${h}:${addr.port}/\n`);
          },
          onError: (line) => io.err(`handoff serve: ${line}\n`),
        });
        await server.finished;
      } finally {
        for (const s of signals) Deno.removeSignalListener(s, onSignal);
      }
      return EXIT.ok;
    },
  };
}

/** The serve command over the real process. */
export const command: Command = serveCommand();
