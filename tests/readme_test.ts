import assert from "node:assert/strict";
import { withCodeTable } from "../scripts/readme_codes.ts";
import { VERSION } from "../lib/version.ts";

const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));

Deno.test("README's problem-code table is generated from the registry (run `deno task readme`)", () => {
  assert.equal(withCodeTable(readme), readme);
});

Deno.test("README starts with the set-up command and the test command", () => {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  assert.ok(
    (blocks[0] ?? "").includes("npm ci --prefix tools/deno") && (blocks[0] ?? "").includes("deno task demo"),
  );
  assert.ok((blocks[1] ?? "").includes("tools/deno/deno task test"));
  const ci = Deno.readTextFileSync(new URL("../.ci/run", import.meta.url));
  assert.ok(ci.includes('"$DENO" task test'), ".ci/run runs the README's test command");
});

Deno.test("deno.json's version is the CLI's version", () => {
  const config = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)));
  assert.equal(config.version, VERSION);
});
