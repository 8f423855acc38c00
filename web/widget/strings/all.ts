import type { Locale } from "../locale";
import { english, type Strings } from "../strings";
import de from "./de";
import fr from "./fr";
import it from "./it";
import pl from "./pl";

// Every language at once, for the inbox's preview of the widget in its
// settings; the chat window loads only its visitor's (see frame.ts).
const all: Record<Locale, Strings> = { en: english, de, it, fr, pl };

/** stringsNow are the chat window's texts in l, or in English. */
export function stringsNow(l: Locale): Strings {
  return all[l] || english;
}
