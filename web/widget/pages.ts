// Targeting on the page: the config's flow for the page the loader runs
// on, or no widget, by the channel's rules. The rules come with the
// config, so the page's address never leaves the page before the visitor
// opens the chat. The same matching as shared/chatflow's Match
// (docs/chatflows.md, "Targeting"): both run the cases of
// shared/chatflow/testdata/targeting.json.
import type { WidgetConfig } from "../shared/wire";

/**
 * match: a pattern as the server saves it, host/path with * for any characters, against the page at
 * host (no port) and path, as shared/chatflow's Match says: host and path between line breaks, and
 * the pattern too, its first "/" getting one before it; each piece between the * found after the one
 * before, as early as it can be. Linear, where a regular expression of many .* would backtrack for
 * ages on a long address.
 */
export const match = (p: string, host: string, path: string): boolean => {
  const page = `\n${host}\n${path}\n`;
  let i = 0;
  return `\n${p.replace("/", "\n/")}\n`.split("*").every((x) => (i = page.indexOf(x, i)) >= 0 && (i += x.length));
};

/**
 * target sets the config's flow to the page's by the channel's rules (the first that matches the page,
 * else the other pages' lot; a lot without a flow is live chat with the greeting) and says whether the
 * page gets the widget. A config without rules is left as it is: every page gets it.
 */
export const target = (c: WidgetConfig, { hostname, pathname }: { hostname: string; pathname: string }): boolean => {
  const t = c.targeting;
  const s = t && (t.rules.find((r) => match(r.pages, hostname, pathname)) || t.otherPages);
  if (s) c.flow = c.flows?.[s.flow || ""];
  return !s?.hide;
};
