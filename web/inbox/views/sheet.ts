// A page loaded on demand brings its own styles: adopt adds them to the
// document as a constructed stylesheet (web/build.mjs gives the text of a
// `./x.css?sheet` import), so the first load carries none of them.
export function adopt(css: string): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
