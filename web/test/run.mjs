// Runs the web's Node tests: bundles each pure module a test needs with
// esbuild (TypeScript to ES modules in .test/), then node --test. The
// inbox's state layer, router and texts have no DOM, so they run here.
//
//   node test/run.mjs                 the seeded property tests (make test)
//   FUZZ_SECONDS=30 node test/run.mjs  random inputs for 30 s per property (make fuzz)
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, ".test");
await rm(out, { recursive: true, force: true });
await esbuild.build({
  entryPoints: {
    links: join(root, "shared/links.ts"),
    live: join(root, "shared/live.ts"),
    upload: join(root, "shared/upload.ts"),
    "inbox-state": join(root, "inbox/state/inbox.ts"),
    "inbox-compose": join(root, "inbox/state/compose.ts"),
    "inbox-preferences": join(root, "inbox/state/preferences.ts"),
    "inbox-search": join(root, "inbox/state/search.ts"),
    "inbox-replies": join(root, "inbox/state/replies.ts"),
    "inbox-router": join(root, "inbox/router.ts"),
    "inbox-text": join(root, "inbox/text.ts"),
    "inbox-socket": join(root, "inbox/live/socket.ts"),
    "inbox-settings": join(root, "inbox/state/settings.ts"),
    "inbox-week": join(root, "inbox/state/week.ts"),
    "inbox-form": join(root, "inbox/state/form.ts"),
    "inbox-channel": join(root, "inbox/state/channel.ts"),
    "inbox-flows": join(root, "inbox/state/flows.ts"),
    "inbox-targeting": join(root, "inbox/state/targeting.ts"),
    "inbox-reports": join(root, "inbox/state/reports.ts"),
    "widget-locale": join(root, "widget/locale.ts"),
    "widget-ask": join(root, "widget/ask.ts"),
    "widget-pages": join(root, "widget/pages.ts"),
    "widget-status": join(root, "widget/status.ts"),
    "widget-strings": join(root, "widget/strings.ts"),
  },
  outdir: out,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["module", "main"],
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
