#!/usr/bin/env -S deno run
/**
 * The `handoff` command line. Run `handoff --help` for the commands.
 *
 * @module
 */

import { main } from "./lib/cli/main.ts";
import { processIo } from "./lib/cli/io.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args, processIo()));
}
