/** Test helper: runs python3 (with PyYAML and jsonschema, as on our machines) if it is available. */

let available: boolean | undefined;

/** True when `python3` runs. */
export async function hasPython(): Promise<boolean> {
  if (available !== undefined) return available;
  try {
    const out = await new Deno.Command("python3", {
      args: ["-c", "import yaml"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    available = out.success;
  } catch {
    available = false;
  }
  return available;
}

/** Runs a python program with `stdin` text and returns its stdout (throws on failure). */
export async function runPython(program: string, stdin: string): Promise<string> {
  const child = new Deno.Command("python3", {
    args: ["-c", program],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}
