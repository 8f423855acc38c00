// What the inbox says about people, times, sizes and system events. Pure
// functions of their input, shared by the views and the notifications.
import type { ClosingFrame, Message } from "../shared/wire";
import type { Alert } from "./state/preferences";

/** errorText is what went wrong, for people. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** visitorName is how the inbox calls a visitor: by the contact's name (or address) when known. */
export function visitorName(visitorId = "", name?: string): string {
  return name || "Visitor " + visitorId.slice(0, 4).toUpperCase();
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
  const target = m.event?.agentName || "";
  switch (m.event?.type) {
    case "assigned":
      return m.event.agentId === m.author.id ? `${who} took the conversation` : `${who} assigned the conversation to ${target}`;
    case "taken_over":
      return `${who} took over the conversation`;
    case "unassigned":
      return `${who} unassigned ${target}`;
    case "closed":
      if (m.event.reason === "inactivity") return inactivityText(m, thread);
      return `${who} closed the conversation`;
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
