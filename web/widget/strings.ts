import type { ReplyTime } from "../shared/wire";
import type { Locale } from "./locale";

// Every string the chat window shows, in English; the other languages are
// in strings/, which the chat window loads as chunks, only the visitor's
// (see frame.ts). {name} is replaced.
export const english = {
  // lang is the language these texts are in (the page's lang attribute).
  lang: "en" as Locale,
  greeting: "Hi there! How can we help you today?",
  replyMinutes: "We usually reply within a few minutes",
  replyHours: "We usually reply within a few hours",
  replyDay: "We usually reply within a day",
  awayNow: "We're away right now",
  awayText: "We're away right now. Leave your email address and we'll answer by email.",
  poweredBy: "Powered by Parley",
  placeholder: "Write a message…",
  send: "Send",
  minimize: "Minimize chat",
  messages: "Conversation",
  typing: "{name} is typing…",
  sending: "Sending…",
  sent: "Sent",
  seen: "Seen",
  failed: "Not sent. It will be retried.",
  refused: "Not sent.",
  ended: "This conversation has ended.",
  startNew: "Start a new conversation",
  joined: "{name} joined the conversation",
  tookOver: "{name} took over the conversation",
  left: "{name} left the conversation",
  closed: "The conversation was closed",
  reopened: "The conversation was reopened",
  offline: "Reconnecting… Messages you write are sent as soon as the connection is back.",
  notHere: "This chat is not available on this website.",
  emailAsk: "Get replies by email",
  emailAskSub: "Leave your email address and we'll answer there if you're not around.",
  emailLabel: "Your email address",
  emailSave: "Save",
  emailNotNow: "Not now",
  emailInvalid: "Please enter a valid email address, like name@example.com.",
  emailTaken: "This email address is already used for another conversation history.",
  emailFailed: "Your email address could not be saved. Please try again.",
  emailSaved: "We'll also email replies to {name}",
  emailConfirm: "Check {name} for our link to confirm it; replies can reach you there.",
  emailChange: "Change",
  warning: "Are you still there? This chat will close soon.",
  closedInactive: "The conversation was closed after a period of inactivity",
  you: "You",
  agentSaid: "{name}:",
  attach: "Attach files",
  drop: "Drop files to attach them",
  download: "Download",
  fileBlocked: "Not available: the malware scan stopped this file",
  fileScanning: "Checking this file for malware…",
  // The satisfaction survey after a close (survey.ts); the five scores'
  // labels, 1 to 5, are separated by "|".
  surveyQuestion: "How was this conversation?",
  surveyScores: "Very bad|Bad|OK|Good|Very good",
  surveyComment: "Tell us more (optional)",
  surveySend: "Send rating",
  surveyThanks: "Thank you for your feedback! You can change your rating.",
  surveyPick: "Choose a rating from 1 to 5.",
  surveyFailed: "Your rating could not be sent. Please try again.",
  // The chatflow's bot (bot.ts): the header's line under the bot's name,
  // and the composer's hint while a question takes only its buttons.
  botSub: "Automated assistant",
  botPick: "Choose an option above",
  // The launcher's "(2 unread)", on the site's page.
  unread: "unread",
};
export type Strings = typeof english;

const replyKeys: Record<ReplyTime, "replyMinutes" | "replyHours" | "replyDay"> = { minutes: "replyMinutes", hours: "replyHours", day: "replyDay" };

/** replyTime is the "we usually reply within …" line of a typical reply time. */
export function replyTime(t: Strings, r: ReplyTime | undefined): string {
  return t[replyKeys[r!] || "replyMinutes"];
}

/** fill puts name in s's {name}, as it is ("$&" and the like in it are no patterns). */
export function fill(s: string, name: string): string {
  return s.replace("{name}", () => name);
}
