// Runs the web's Node tests: bundles each pure module a test needs with
// esbuild (TypeScript to one ES module in .test/), then node --test.
//
//   node test/run.mjs                 the seeded property tests (make test)
//   FUZZ_SECONDS=30 node test/run.mjs  random inputs for 30 s per property (make fuzz)
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, ".test");
await esbuild.build({
  entryPoints: { links: join(root, "shared/links.ts") },
  outdir: out,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2020",
  logLevel: "warning",
});
const seconds = Number(process.env.FUZZ_SECONDS || 0);
const here = join(root, "test");
const files = (await readdir(here)).filter((f) => f.endsWith(".test.mjs")).map((f) => join(here, f));
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", `--test-timeout=${(seconds + 120) * 1000}`, ...files], {
  stdio: "inherit",
  env: { ...process.env, PARLEY_TEST_BUNDLES: out },
});
process.exit(r.status ?? 1);
