// Builds the widget (loader + chat window) and the inbox into dist/.
// The loader keeps a stable name (sites embed its URL); everything else is
// content-hashed so it can be cached for a year. The inbox is split into
// ES module chunks: what its first screen does not need (pages, dialogs)
// loads on demand. The HTML pages and the loader carry placeholders that
// shared/webpublish fills with the API URLs at serve (local cloud) or
// deploy (AWS) time.
import * as esbuild from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");

// `import css from "./x.css?sheet"` gives a stylesheet's text, minified,
// for a constructed stylesheet: the loader's shadow root, and the inbox's
// pages loaded on demand, which bring their own styles so that the first
// load carries none of them. Constructed stylesheets need no
// 'unsafe-inline' in a Content-Security-Policy.
const sheets = {
  name: "sheets",
  setup(b) {
    b.onResolve({ filter: /\.css\?sheet$/ }, (a) => ({ path: join(a.resolveDir, a.path.replace(/\?sheet$/, "")), namespace: "sheet" }));
    b.onLoad({ filter: /.*/, namespace: "sheet" }, async (a) => {
      const { code } = await esbuild.transform(await readFile(a.path, "utf8"), { loader: "css", minify: true, target: "chrome100" });
      return { contents: `export default ${JSON.stringify(code.trim())}`, loader: "js", watchFiles: [a.path] };
    });
  },
};

// Top-level await (every browser with ES modules and constructed
// stylesheets has it) lets the chat window wait for its language's chunk.
const common = {
  bundle: true, minify: true, target: "es2020", supported: { "top-level-await": true }, legalComments: "none", logLevel: "warning",
  jsx: "automatic", jsxImportSource: "preact", plugins: [sheets],
};

await rm(dist, { recursive: true, force: true });

await esbuild.build({
  ...common,
  entryPoints: [join(root, "widget/loader.ts")],
  outfile: join(dist, "widget/loader.js"),
  format: "iife",
});

// Builds one app (JS + CSS) with hashed names and writes its HTML page with
// those names filled in. With splitting, the page also preloads the chunks
// the entry imports, so they load beside it rather than after it.
async function app(name, entry, outdir, htmlIn, htmlOut, publicPath, splitting = false) {
  const res = await esbuild.build({
    ...common,
    entryPoints: { [name]: join(root, entry) },
    outdir: join(dist, outdir),
    entryNames: "[name]-[hash]",
    chunkNames: "[name]-[hash]",
    format: "esm",
    splitting,
    metafile: true,
    absWorkingDir: root,
  });
  const outputs = res.metafile.outputs;
  const main = Object.keys(outputs).find((p) => outputs[p].entryPoint === entry);
  const js = basename(main);
  const css = basename(outputs[main].cssBundle);
  const preload = outputs[main].imports.filter((i) => i.kind === "import-statement").map((i) => `<link rel="modulepreload" href="${publicPath + basename(i.path)}">`);
  let html = await readFile(join(root, htmlIn), "utf8");
  html = html.replace("%JS%", publicPath + js).replace("%CSS%", publicPath + css).replace("%PRELOAD%", preload.join("\n"));
  await mkdir(dirname(join(dist, htmlOut)), { recursive: true });
  await writeFile(join(dist, htmlOut), html);
  return Object.keys(outputs).filter((p) => !p.endsWith(".map")).map((p) => basename(p));
}

// The chat window loads the upload tray on the first file attached.
const frame = await app("frame", "widget/frame.ts", "widget", "widget/frame.html", "widget/frame.html", "", true);
// The page an email's file link opens.
const file = await app("file", "widget/file.ts", "widget", "widget/file.html", "widget/file.html", "");
const inbox = await app("app", "inbox/main.tsx", "inbox", "inbox/index.html", "inbox/index.html", "/inbox/", true);
console.log(`web: built dist/widget/loader.js, dist/widget/{frame.html,${frame.join(",")},file.html,${file.join(",")}}, dist/inbox/{index.html,${inbox.join(",")}}`);
