// What the inbox says about people, times, sizes, system events and a
// chatflow's bot. Pure functions of their input, shared by the views and
// the notifications.
import type { BotSummary, ClosingFrame, ContactCard, Message, Summary } from "../shared/wire";
import type { Alert } from "./state/preferences";

/** errorText is what went wrong, for people. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** visitorName is how the inbox calls a visitor: by the contact's name (or address) when known. */
export function visitorName(visitorId = "", name?: string): string {
  return name || "Visitor " + visitorId.slice(0, 4).toUpperCase();
}

/**
 * BotLabel is the list's "bot" label of a conversation a chatflow's bot
 * took part in: what it says, what its title adds, and whether the bot
 * is talking with the visitor now.
 */
export interface BotLabel {
  text: string;
  title: string;
  running: boolean;
}

/** botLabel says where a conversation's bot is: talking, handed over, resolved, taken over, or left by the visitor; null without a bot. */
export function botLabel(bot: BotSummary | undefined): BotLabel | null {
  if (!bot) return null;
  const name = bot.name || "The bot";
  if (bot.running) {
    const away = bot.outcome === "handed_over" ? ", in the away steps after the handover" : "";
    return { text: "Bot", title: `${name} (bot) is talking with the visitor${away}`, running: true };
  }
  switch (bot.outcome) {
    case "handed_over":
      return { text: "Bot · handed over", title: `${name} (bot) handed the conversation to the team`, running: false };
    case "ended":
      return { text: "Resolved by bot", title: `${name} (bot) ended the conversation; no person took part`, running: false };
    case "taken_over":
      return { text: "Bot · taken over", title: `An agent took the conversation from ${name} (bot)`, running: false };
  }
  return { text: "Bot · visitor left", title: `The visitor left ${name} (bot) without an answer`, running: false };
}

/**
 * botAnswers are what a chatflow's bot collected in a conversation, by
 * the name each answer is saved under and in the order the visitor gave
 * them, for the contact sidebar: from the conversation's latest state
 * when it is the card's (the answers grow live while the bot asks), else
 * from the card as read.
 */
export function botAnswers(card: ContactCard, conversation: Summary | null): [string, string][] {
  const answers = conversation?.bot ? conversation.bot.answers : card.botAnswers;
  return (answers || []).map((a) => [a.name, a.value]);
}

/** exportFileName names a contact's export: who (the address, else the name, else the visitor id) and the day, safe as a file name. */
export function exportFileName(c: { visitorId: string; name?: string; email?: string }, exportedAt: string): string {
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9@._-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "").slice(0, 60);
  const who = slug(c.email || "") || slug(c.name || "") || slug(c.visitorId);
  return `contact-${who}-${exportedAt.slice(0, 10)}.json`;
}

/** erasePhrase is what an admin types to confirm a contact's erasure: its address, else its name as the inbox shows it. */
export function erasePhrase(c: { visitorId: string; name?: string; email?: string }): string {
  return c.email || visitorName(c.visitorId, c.name);
}

/** confirmsErasure says whether typed is the erase phrase (case and surrounding spaces aside). */
export function confirmsErasure(phrase: string, typed: string): boolean {
  return typed.trim().toLowerCase() === phrase.trim().toLowerCase();
}

/** closingText says why the server closed the agent's socket. */
export function closingText(reason: ClosingFrame["reason"]): string {
  return reason === "disabled" ? "An admin turned off your access." : "You signed out here or in another window.";
}

/** ago is how long ago iso was, as the list shows it, seen at now (ms). */
export function ago(iso: string, now: number): string {
  const s = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (s < 60) return "now";
  if (s < 3600) return Math.floor(s / 60) + " min";
  if (s < 86400) return Math.floor(s / 3600) + " h";
  return new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short" });
}

export function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

export function fileSize(n: number): string {
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return Math.round(n / 1024) + " KB";
  return (n / 1024 / 1024).toFixed(1) + " MB";
}

/** eventText says what a system event of the thread did; thread is the conversation's messages. */
export function eventText(m: Message, thread: readonly Message[]): string {
  const who = m.author.name || "An agent";
  const bot = m.author.name ? `${m.author.name} (bot)` : "The bot";
  const target = m.event?.agentName || "";
  switch (m.event?.type) {
    case "assigned":
      return m.event.agentId === m.author.id ? `${who} took the conversation` : `${who} assigned the conversation to ${target}`;
    case "taken_over":
      return `${who} took over the conversation`;
    case "unassigned":
      return `${who} unassigned ${target}`;
    case "handed_over":
      return `${bot} handed the conversation to the team`;
    case "closed": {
      const text = m.event.reason === "inactivity" ? inactivityText(m, thread)
        : m.event.reason === "bot" ? `${bot} ended the conversation`
        : `${who} closed the conversation`;
      return m.event.survey ? text + "; the visitor was asked for a rating" : text;
    }
    case "rated": {
      const score = `${m.event.rating?.score ?? "?"} of 5`;
      const again = thread.some((x) => x.seq < m.seq && x.event?.type === "rated");
      return `${visitorName(m.author.id)} ${again ? "changed the rating to" : "rated the conversation"} ${score}`;
    }
    case "reopened":
      if (m.author.type === "visitor") return `${visitorName(m.author.id)} reopened the conversation by email`;
      return `${who} reopened the conversation`;
    case "warning":
      return "The visitor was warned that the chat closes soon for inactivity";
    case "transcript_sent": {
      const to = m.event.email || "the visitor";
      const subject = m.event.subject ? ` (“${m.event.subject}”)` : "";
      return m.author.type === "agent" ? `${who} emailed the transcript to ${to}${subject}` : `Transcript emailed to ${to}${subject}`;
    }
  }
  return "The conversation changed";
}

/**
 * inactivityText says how long the visitor had been quiet when the
 * inactivity timer closed the conversation: from the visitor's last
 * message before the close to the close.
 */
export function inactivityText(close: Message, thread: readonly Message[]): string {
  let since = "";
  for (const m of thread) {
    if (m.seq < close.seq && m.kind === "text" && m.author.type === "visitor" && m.createdAt > since) since = m.createdAt;
  }
  const minutes = since ? Math.round((new Date(close.createdAt).getTime() - new Date(since).getTime()) / 60000) : 0;
  if (minutes < 1) return "Closed for inactivity: the visitor stopped replying";
  const span = minutes >= 120 && minutes % 60 === 0 ? `${minutes / 60} hours` : minutes === 1 ? "1 minute" : `${minutes} minutes`;
  return `Closed after ${span} without a reply from the visitor`;
}

/** alertText is what a notification of a says: a title, a body, and the conversation a click opens. */
export function alertText(a: Alert): { title: string; body: string; conversationId: string } {
  switch (a.kind) {
    case "message": {
      const name = visitorName(a.conversation.visitorId, a.conversation.visitorName);
      return { title: a.message.seq === 1 ? `New chat from ${name}` : `${name} wrote`, body: a.conversation.preview, conversationId: a.conversation.id };
    }
    case "assigned":
      return {
        title: `${a.message.author.name || "An agent"} assigned you a conversation`,
        body: `${visitorName(a.conversation.visitorId, a.conversation.visitorName)}: ${a.conversation.preview}`,
        conversationId: a.conversation.id,
      };
    case "mention":
      return { title: `${a.notification.author.name || "An agent"} mentioned you`, body: a.notification.preview, conversationId: a.notification.conversationId };
  }
}
