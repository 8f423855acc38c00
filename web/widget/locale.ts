// The widget's languages. The loader picks one from its data-locale
// attribute or the browser's languages and passes it to the chat window.

export const locales = ["en", "de", "it", "fr", "pl"] as const;
export type Locale = (typeof locales)[number];

export function pickLocale(override: string | undefined, preferred: readonly string[]): Locale {
  for (const tag of [override || "", ...preferred]) {
    const lang = tag.toLowerCase().split("-")[0] as Locale;
    if (locales.includes(lang)) return lang;
  }
  return "en";
}
