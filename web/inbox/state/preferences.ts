// The agent's notification preferences and what they allow: which events
// show a desktop notification (and a chime, when sound is on).
import { signal } from "@preact/signals";
import type { Message, Notification, Preferences, Summary } from "../../shared/wire";

/** defaultPreferences are the server's for an agent who never chose (chat.DefaultPreferences). */
export const defaultPreferences: Preferences = {
  sound: true,
  desktop: { newConversations: true, assigned: true, mentions: true, messages: false },
};

/** Alert is an event an agent may be notified of. */
export type Alert =
  | { kind: "message"; conversation: Summary; message: Message }
  | { kind: "assigned"; conversation: Summary; message: Message }
  | { kind: "mention"; notification: Notification };

export class PreferencesState {
  readonly prefs = signal<Preferences>(defaultPreferences);
}

/**
 * wants says whether p asks for a desktop notification of a: a visitor's
 * message when it starts a conversation (newConversations), is in a
 * conversation assigned to meId (assigned) or in any (messages); a
 * conversation assigned to meId by someone else (assigned); a mention.
 */
export function wants(p: Preferences, a: Alert, meId: string): boolean {
  const d = p.desktop;
  switch (a.kind) {
    case "message":
      return d.messages || (d.newConversations && a.message.seq === 1) || (d.assigned && a.conversation.assigneeId === meId);
    case "assigned":
      return d.assigned;
    case "mention":
      return d.mentions;
  }
}
