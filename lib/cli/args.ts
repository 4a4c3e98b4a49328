/**
 * A small argument parser shared by every command: options anywhere after the command,
 * `--name=value` and `--name value`, `-x value`, `--` ends options. Every mistake is a
 * {@link UsageError} (exit code 2).
 *
 * @module
 */

/** A command-line mistake: exit code 2, nothing examined or changed. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** One option of a command. */
export interface OptionSpec {
  /** Long name without dashes (`max-members`). */
  readonly name: string;
  /** Single-letter alias without dash (`o`). */
  readonly short?: string;
  /** Name of the value in help (`PATH`); absent for flags. */
  readonly value?: string;
  /** One line of help. */
  readonly help: string;
}

/** Parsed arguments. */
export interface ParsedArgs {
  /** Positional arguments in order. */
  readonly positionals: string[];
  /** Option values by long name (`true` for flags; repeated options keep the last value). */
  readonly options: Map<string, string | true>;
}

/** Parses `argv` against the given options; `--help`/`-h` is always recognized. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byLong = new Map<string, OptionSpec>();
  const byShort = new Map<string, OptionSpec>();
  for (const s of [...specs, HELP_OPTION]) {
    byLong.set(s.name, s);
    if (s.short) byShort.set(s.short, s);
  }
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) inline = arg.slice(eq + 1);
      spec = byLong.get(name);
      if (!spec) throw new UsageError(`Unknown option "--${name}"`);
    } else if (arg.startsWith("-") && arg.length > 1) {
      spec = byShort.get(arg.slice(1, 2));
      if (!spec) throw new UsageError(`Unknown option "${arg}"`);
      if (arg.length > 2) inline = arg.slice(2);
    } else {
      positionals.push(arg);
      continue;
    }
    if (spec.value === undefined) {
      if (inline !== undefined) throw new UsageError(`Option "--${spec.name}" takes no value`);
      options.set(spec.name, true);
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`Option "--${spec.name}" needs a value (${spec.value})`);
      inline = next;
      i++;
    }
    options.set(spec.name, inline);
  }
  return { positionals, options };
}

/** The implicit `--help` option. */
export const HELP_OPTION: OptionSpec = { name: "help", short: "h", help: "show this help and exit" };

/**
 * Parses a command's arguments, or — when `--help` is among them — prints `help` through `out`
 * and returns `null` (the command then exits 0).
 */
export function parseOrHelp(
  argv: readonly string[],
  specs: readonly OptionSpec[],
  help: string,
  out: (text: string) => void,
): ParsedArgs | null {
  const args = parseArgs(argv, specs);
  if (args.options.get("help") !== true) return args;
  out(help);
  return null;
}

/** A string option's value, or `undefined`. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name);
  return typeof v === "string" ? v : undefined;
}

/** True when a flag was given. */
export function flag(args: ParsedArgs, name: string): boolean {
  return args.options.get(name) === true;
}

/** Checks the number of positional arguments. */
export function expectPositionals(args: ParsedArgs, min: number, max: number, what: string): void {
  const n = args.positionals.length;
  if (n < min) throw new UsageError(`Missing ${what}`);
  if (n > max) {
    throw new UsageError(`Too many arguments: expected ${max === 1 ? "one" : max} (${what}), got ${n}`);
  }
}

/** Renders the help text of a command. */
export function renderHelp(
  usage: readonly string[],
  summary: string,
  specs: readonly OptionSpec[],
  notes: readonly string[] = [],
): string {
  const lines = [summary, "", "Usage:", ...usage.map((u) => `  ${u}`), "", "Options:"];
  const rows = [...specs, HELP_OPTION].map((s) => {
    const names = (s.short ? `-${s.short}, ` : "    ") + `--${s.name}` + (s.value ? ` ${s.value}` : "");
    return [names, s.help] as const;
  });
  const width = Math.max(...rows.map(([n]) => n.length));
  for (const [n, h] of rows) lines.push(`  ${n.padEnd(width)}  ${h}`);
  if (notes.length) lines.push("", ...notes);
  return lines.join("\n") + "\n";
}
