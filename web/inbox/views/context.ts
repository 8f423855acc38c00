import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Inbox } from "../inbox";
// Every page loaded on demand imports this module, so esbuild puts it,
// and what it imports, in the one chunk those pages share with the first
// screen. The settings page also uses these two; imported here, they stay
// in that chunk instead of making a chunk of their own, one more file of
// the first load (a file compresses alone: about 900 bytes of gzip more,
// measured). The settings page imports nothing else of the first screen.
import "@preact/signals";
import "../../shared/initials";

export const InboxContext = createContext<Inbox | null>(null);

/** useInbox is the running inbox, for the views to read its state and call its actions. */
export function useInbox(): Inbox {
  const inbox = useContext(InboxContext);
  if (!inbox) throw new Error("views: rendered outside the inbox");
  return inbox;
}
