import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Inbox } from "../inbox";

export const InboxContext = createContext<Inbox | null>(null);

/** useInbox is the running inbox, for the views to read its state and call its actions. */
export function useInbox(): Inbox {
  const inbox = useContext(InboxContext);
  if (!inbox) throw new Error("views: rendered outside the inbox");
  return inbox;
}
