// The widget's languages. The loader picks one: the site's data-locale
// attribute, then the browser's languages, then the chat channel's
// default language, then English; it passes it to the chat window.

export const locales = ["en", "de", "it", "fr", "pl"] as const;
export type Locale = (typeof locales)[number];

/** pickLocale is the first of tags (language tags, in order of preference) the widget speaks, or English. */
export function pickLocale(tags: readonly (string | undefined)[]): Locale {
  for (const tag of tags) {
    const lang = (tag || "").toLowerCase().split("-")[0] as Locale;
    if (locales.includes(lang)) return lang;
  }
  return "en";
}
