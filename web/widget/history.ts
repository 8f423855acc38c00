// The visitor's conversations (W4): with more than one, a button in the
// header lists them, newest first, with their date and last line; picking
// one shows its history (read-only once closed: a new message starts a
// new conversation, as after any close).
import { h, svg } from "../shared/dom";
import type { VisitorConversation } from "../shared/wire";
import type { Locale } from "./locale";
import "./history.css";

const labels: Record<Locale, [title: string, open: string, closed: string]> = {
  en: ["Your conversations", "Open", "Closed"],
  de: ["Ihre Unterhaltungen", "Offen", "Beendet"],
  it: ["Le tue conversazioni", "Aperta", "Chiusa"],
  fr: ["Vos conversations", "Ouverte", "Terminée"],
  pl: ["Twoje rozmowy", "Otwarta", "Zakończona"],
};
const listIcon = "M3 5h2v2H3V5Zm4 0h14v2H7V5ZM3 11h2v2H3v-2Zm4 0h14v2H7v-2Zm-4 6h2v2H3v-2Zm4 0h14v2H7v-2Z";

export class History {
  /** button opens and closes the list (in the header). */
  readonly button: HTMLButtonElement;
  /** panel is the list, shown in place of the conversation. */
  readonly panel: HTMLElement;
  private readonly items: HTMLUListElement;
  private list: VisitorConversation[] = [];
  private shown = false;

  /** pick shows a conversation; changed redraws the window. */
  constructor(private readonly locale: Locale, private readonly pick: (c: VisitorConversation) => void, private readonly changed: () => void) {
    const [title] = labels[locale];
    this.button = h("button", { class: "icon-btn", type: "button", hidden: true, "aria-label": title, title, "aria-expanded": "false", "aria-controls": "past",
      onclick: () => this.toggle() }, svg(listIcon, 20));
    this.items = h("ul", { class: "past-list" });
    this.panel = h("section", { class: "past", id: "past", "aria-label": title, hidden: true }, h("h2", { class: "past-title" }, title), this.items);
  }

  get open(): boolean {
    return this.shown;
  }

  /** set takes the visitor's conversations (a session's answer). */
  set(list: readonly VisitorConversation[]): void {
    this.list = [...list];
  }

  /** put keeps a conversation's newest state. */
  put(c: VisitorConversation): void {
    this.list = [c, ...this.list.filter((x) => x.id !== c.id)].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  toggle(): void {
    this.shown = !this.shown;
    this.changed();
  }

  /** render draws the button and, while open, the list; current is the conversation shown. */
  render(current: string | undefined): void {
    const several = this.list.length > 1 || (this.list.length === 1 && this.list[0].id !== current);
    this.shown &&= several;
    this.button.hidden = !several;
    this.button.setAttribute("aria-expanded", String(this.shown));
    this.panel.hidden = !this.shown;
    if (!this.shown) return;
    const [, open, closed] = labels[this.locale];
    this.items.replaceChildren(...this.list.map((c) => {
      const when = new Date(c.lastActivityAt).toLocaleDateString(this.locale, { day: "numeric", month: "short", year: "numeric" });
      return h("li", {}, h("button", {
        class: "past-item", type: "button", "aria-current": c.id === current ? "true" : undefined,
        onclick: () => {
          this.shown = false;
          this.pick(c);
        },
      }, h("span", { class: "past-top" }, h("time", { datetime: c.lastActivityAt }, when), h("span", { class: "past-status " + c.status }, c.status === "open" ? open : closed)),
      h("span", { class: "past-preview" }, c.preview)));
    }));
  }
}
