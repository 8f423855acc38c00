// Stylesheets imported as minified text (web/build.mjs, plugin "sheets").
declare module "*.css?sheet" {
  const css: string;
  export default css;
}
