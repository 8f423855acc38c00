// Builds the widget (loader + chat window) and the inbox into dist/.
// The loader keeps a stable name (sites embed its URL); everything else is
// content-hashed so it can be cached for a year. The HTML pages and the
// loader carry placeholders that infra/webpublish fills with the API URLs
// at serve (local cloud) or deploy (AWS) time.
import * as esbuild from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");
const common = { bundle: true, minify: true, target: "es2020", legalComments: "none", logLevel: "warning" };

await rm(dist, { recursive: true, force: true });

await esbuild.build({
  ...common,
  entryPoints: [join(root, "widget/loader.ts")],
  outfile: join(dist, "widget/loader.js"),
  format: "iife",
});

// Builds one app (JS + CSS) with hashed names and writes its HTML page with
// those names filled in.
async function app(name, entry, outdir, htmlIn, htmlOut, publicPath) {
  const res = await esbuild.build({
    ...common,
    entryPoints: { [name]: join(root, entry) },
    outdir: join(dist, outdir),
    entryNames: "[name]-[hash]",
    format: "esm",
    metafile: true,
  });
  const outs = Object.keys(res.metafile.outputs).map((p) => basename(p));
  const js = outs.find((f) => f.endsWith(".js"));
  const css = outs.find((f) => f.endsWith(".css"));
  let html = await readFile(join(root, htmlIn), "utf8");
  html = html.replace("%JS%", publicPath + js).replace("%CSS%", publicPath + css);
  await mkdir(dirname(join(dist, htmlOut)), { recursive: true });
  await writeFile(join(dist, htmlOut), html);
  return [js, css];
}

const frame = await app("frame", "widget/frame.ts", "widget", "widget/frame.html", "widget/frame.html", "");
const inbox = await app("app", "inbox/app.ts", "inbox", "inbox/index.html", "inbox/index.html", "/inbox/");
console.log(`web: built dist/widget/loader.js, dist/widget/{frame.html,${frame.join(",")}}, dist/inbox/{index.html,${inbox.join(",")}}`);
