// What the chat channel page computes from a channel's settings: the
// colour check the server makes, the embed snippet, the time zones to
// choose from, and what the live preview of the widget shows.
import type { ChatChannel, Holiday, WidgetLanguage } from "../../shared/wire";
import { replyTime, type Strings } from "../../widget/strings";
import { stringsNow } from "../../widget/strings/all";

export const languages: readonly (readonly [WidgetLanguage, string])[] = [["en", "English"], ["de", "German"], ["it", "Italian"], ["fr", "French"], ["pl", "Polish"]];

/** isColor: the colours the widget accepts, "#rrggbb". */
export function isColor(c: string): boolean {
  return /^#[0-9a-f]{6}$/i.test(c);
}

/** contrast is the WCAG 2 contrast ratio of white text on colour c ("#rrggbb"). */
export function contrast(c: string): number {
  const lum = [1, 3, 5]
    .map((i) => parseInt(c.slice(i, i + 2), 16) / 255)
    .map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 1.05 / (0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2] + 0.05);
}

/** minContrast is what the launcher's white icon and text need, as the server checks it. */
export const minContrast = 3;

/** colorProblem is what the server would say about colour c, or "" when it takes it. */
export function colorProblem(c: string): string {
  if (!isColor(c)) return "must be a colour like #2f5bea";
  const r = contrast(c);
  return r < minContrast ? `contrast with white text is too low (${(Math.floor(r * 10) / 10).toFixed(1)}:1, needs ${minContrast}:1)` : "";
}

const attr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/**
 * snippet is the tag a site embeds for a channel. The loader comes from
 * the inbox's own origin: the loader and the inbox are served by the same
 * distribution (the local cloud serves both too); the chat window, by one
 * of its own.
 */
export function snippet(inboxURL: string, channelId: string): string {
  const loader = new URL("/widget/loader.js", inboxURL).href;
  return `<script src="${attr(loader)}" data-channel="${attr(channelId)}" async></script>`;
}

/**
 * timeZones lists the IANA zones the browser knows, with UTC, and the
 * zone stored now even when the browser does not know it (so opening the
 * page loses nothing).
 */
export function timeZones(current: string | undefined, known: readonly string[]): string[] {
  const all = new Set(known);
  all.add("UTC");
  if (current) all.add(current);
  return [...all].sort();
}

/** browserZones is Intl's list of zones (ES2022; the lib setting is ES2020). */
export function browserZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  return intl.supportedValuesOf ? intl.supportedValuesOf("timeZone") : [];
}

/** addHoliday appends a holiday closing the day after the last one (or today), so two new rows never overlap. */
export function addHoliday(list: readonly Holiday[], today: string): Holiday[] {
  const last = list.map((h) => h.endDate || h.date).filter((d) => /^\d{4}-\d\d-\d\d$/.test(d)).sort().pop();
  let date = today;
  if (last && last >= today) {
    const d = new Date(last + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + 1);
    date = d.toISOString().slice(0, 10);
  }
  return [...list, { date }];
}

/** Preview is what the widget shows for a channel, in its language: the launcher, and the chat window available or away. */
export interface Preview {
  t: Strings;
  color: string;
  launcherText: string;
  left: boolean;
  teamName: string;
  avatarUrl?: string;
  greeting: string;
  replyTime: string;
  poweredBy: boolean;
  awayMessage: string;
  hidden: boolean;
}

/** preview is what the widget would show for c: an empty greeting or away message shows the built-in one, in the channel's language. */
export function preview(c: ChatChannel, away: boolean): Preview {
  const t = stringsNow(c.look.language);
  return {
    t,
    color: isColor(c.look.color) ? c.look.color : "#2f5bea",
    launcherText: c.look.launcherText.trim(),
    left: c.look.position === "left",
    teamName: c.look.teamName.trim() || "Chat",
    avatarUrl: c.look.teamAvatarUrl || undefined,
    greeting: c.look.greeting.trim() || t.greeting,
    replyTime: away ? t.awayNow : replyTime(t, c.typicalReplyTime),
    poweredBy: c.look.poweredBy,
    awayMessage: c.away.message.trim() || t.awayText,
    hidden: away && c.away.mode === "hide",
  };
}
