#!/usr/bin/env -S deno run
/**
 * The `handoff` command line. Run `handoff --help` for the commands.
 *
 * @module
 */

// Deno loads a WebAssembly module from an npm package only as part of the static module graph,
// never through a dynamic import(): the pinned deflate/inflate codec is therefore imported here,
// while the commands themselves are imported lazily.
import "./lib/zip/zlib.ts";
import { main } from "./lib/cli/main.ts";
import { processIo } from "./lib/cli/io.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args, processIo()));
}
