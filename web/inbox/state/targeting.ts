// The targeting rules of the chat channel being edited (docs/chatflows.md,
// "Targeting"): which pages get which flow, or no widget. The rules are
// in order (the first whose pattern matches a page decides), edited in
// the channel's form and saved with it; the server checks the patterns
// and the flows they name, and a change that moves or removes a rule
// moves the errors it placed on the rules too.
import type { ChatChannel, PageShows, Targeting } from "../../shared/wire";
import { move, order, reindex } from "./flows";
import type { Form } from "./form";

/** maxRules is the server's limit (shared/chatflow): the editor offers no more. */
export const maxRules = 50;

/** choice is what a page gets as the editor's lists say it: "flow:<id>", "live" (live chat with the greeting) or "hide" (no widget). */
export function choice(s: PageShows): string {
  return s.hide ? "hide" : s.flow ? "flow:" + s.flow : "live";
}

/** shows is what a page gets for a choice of the editor's lists. */
export function shows(choice: string): PageShows {
  if (choice === "hide") return { hide: true };
  return choice.startsWith("flow:") ? { flow: choice.slice(5) } : {};
}

/** where says which pages the flow of id gets by the rules, for the flow's "Where it runs". */
export function where(t: Targeting, id: string): string {
  const pages = t.rules.filter((r) => !r.hide && r.flow === id).map((r) => r.pages.trim() || "(a rule without pages)");
  if (t.otherPages.flow === id) pages.push("every page no rule matches");
  return pages.length ? "On " + pages.join(", ") + "." : "Nowhere yet: no rule gives it pages, and other pages get something else.";
}

function edit(form: Form<ChatChannel>, change: (t: Targeting) => Targeting): void {
  form.edit((c) => ({ ...c, targeting: change(c.targeting) }));
}

/** setRule changes rule i. */
export function setRule(form: Form<ChatChannel>, i: number, change: (r: Targeting["rules"][number]) => Targeting["rules"][number]): void {
  edit(form, (t) => ({ ...t, rules: t.rules.map((r, k) => (k === i ? change(r) : r)) }));
}

/** addRule adds a rule at the end: no pages yet, live chat with the greeting. */
export function addRule(form: Form<ChatChannel>): void {
  edit(form, (t) => ({ ...t, rules: [...t.rules, { pages: "" }] }));
}

/** moveRule moves rule i to index to, and the errors the server placed on the rules with them. */
export function moveRule(form: Form<ChatChannel>, i: number, to: number): void {
  const n = form.value.peek().targeting.rules.length;
  if (to < 0 || to >= n || to === i) return;
  form.moveErrors((p) => reindex(p, "targeting.rules", order(n, i, to)));
  edit(form, (t) => ({ ...t, rules: move(t.rules, i, to) }));
}

/** removeRule removes rule i, and the errors on it. */
export function removeRule(form: Form<ChatChannel>, i: number): void {
  form.moveErrors((p) => reindex(p, "targeting.rules", order(form.value.peek().targeting.rules.length, i, null)));
  edit(form, (t) => ({ ...t, rules: t.rules.filter((_, k) => k !== i) }));
}

/** setOtherPages says what the pages no rule matches get. */
export function setOtherPages(form: Form<ChatChannel>, s: PageShows): void {
  edit(form, (t) => ({ ...t, otherPages: s }));
}
