// Which of the bot's questions the visitor is asked now, and how the chat
// window takes the answer (docs/chatflows.md). Pure: bot.ts draws it, the
// Node tests check it.
import type { Message } from "../shared/wire";

/**
 * openQuestion is the bot's question the visitor may answer now: the
 * newest entry of an open conversation when it is one (the inactivity
 * warning aside). Anything after it (the visitor's answer, a person's
 * message or hand on the conversation, the bot's next step) or an answer
 * on its way means it was answered, and its buttons go.
 */
export function openQuestion(sorted: readonly Message[], open: boolean, answering: boolean): Message | null {
  if (!open || answering) return null;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const m = sorted[i];
    if (m.kind === "event" && m.event?.type === "warning") continue;
    return m.kind === "text" && m.author.type === "bot" && m.ask ? m : null;
  }
  return null;
}

/**
 * Mode is how the composer takes the answer to a question: "pick" asks
 * for one of its buttons (typing is still sent: the bot asks again),
 * "email" for an address (checked, and given to the contact first),
 * "free" for anything typed.
 */
export type Mode = "pick" | "email" | "free";

export function answerMode(q: Message | null): Mode {
  switch (q?.ask?.type) {
    case "email":
      return "email";
    case "buttons":
      return q.ask.freeText ? "free" : "pick";
  }
  return "free";
}

