// The visitor's conversations (W4), a chunk loaded once the visitor has
// more than one (most never do): a button in the header lists them,
// newest first, with their date and last line; picking one shows its
// history (read-only once closed: a new message starts a new conversation,
// as after any close). Its styles come with it, as a constructed
// stylesheet (no inline style under the page's CSP).
import type { VisitorConversation } from "../shared/wire";
import css from "./history.css?sheet";
import type { Locale } from "./locale";

const labels: Record<Locale, [title: string, open: string, closed: string]> = {
  en: ["Your conversations", "Open", "Closed"],
  de: ["Ihre Unterhaltungen", "Offen", "Beendet"],
  it: ["Le tue conversazioni", "Aperta", "Chiusa"],
  fr: ["Vos conversations", "Ouverte", "Terminée"],
  pl: ["Twoje rozmowy", "Otwarta", "Zakończona"],
};
const listIcon = "M3 5h2v2H3V5Zm4 0h14v2H7V5ZM3 11h2v2H3v-2Zm4 0h14v2H7v-2Zm-4 6h2v2H3v-2Zm4 0h14v2H7v-2Z";

// The chat window's own helpers are not imported here: this chunk shares
// no module with it, so nothing the window needs at once moves into a
// chunk of its own.
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string>, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

function icon(d: string): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const s = document.createElementNS(ns, "svg");
  for (const [k, v] of Object.entries({ viewBox: "0 0 24 24", width: "20", height: "20", "aria-hidden": "true", focusable: "false" })) s.setAttribute(k, v);
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", d);
  p.setAttribute("fill", "currentColor");
  s.append(p);
  return s;
}

export class History {
  /** button opens and closes the list (in the header). */
  readonly button: HTMLButtonElement;
  /** panel is the list, shown in place of the conversation. */
  readonly panel: HTMLElement;
  private readonly items: HTMLUListElement;
  private list: readonly VisitorConversation[] = [];
  private shown = false;

  /** pick shows a conversation; changed redraws the window. */
  constructor(private readonly locale: Locale, private readonly pick: (c: VisitorConversation) => void, private readonly changed: () => void) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    const [title] = labels[locale];
    this.button = el("button", { class: "icon-btn", type: "button", "aria-label": title, title, "aria-expanded": "false", "aria-controls": "past" }, icon(listIcon));
    this.button.hidden = true;
    this.button.addEventListener("click", () => this.toggle());
    this.items = el("ul", { class: "past-list" });
    this.panel = el("section", { class: "past", id: "past", "aria-label": title }, el("h2", { class: "past-title" }, title), this.items);
    this.panel.hidden = true;
  }

  get open(): boolean {
    return this.shown;
  }

  toggle(): void {
    this.shown = !this.shown;
    this.changed();
  }

  /** render draws the button and, while open, the list (newest first); current is the conversation shown. */
  render(list: readonly VisitorConversation[], current: string | undefined): void {
    this.list = list;
    const several = list.length > 1 || (list.length === 1 && list[0].id !== current);
    this.shown &&= several;
    this.button.hidden = !several;
    this.button.setAttribute("aria-expanded", String(this.shown));
    this.panel.hidden = !this.shown;
    if (!this.shown) return;
    const [, open, closed] = labels[this.locale];
    this.items.replaceChildren(...this.list.map((c) => {
      const when = new Date(c.lastActivityAt).toLocaleDateString(this.locale, { day: "numeric", month: "short", year: "numeric" });
      const item = el("button", { class: "past-item", type: "button" },
        el("span", { class: "past-top" }, el("time", { datetime: c.lastActivityAt }, when), el("span", { class: "past-status " + c.status }, c.status === "open" ? open : closed)),
        el("span", { class: "past-preview" }, c.preview));
      if (c.id === current) item.setAttribute("aria-current", "true");
      item.addEventListener("click", () => {
        this.shown = false;
        this.pick(c);
      });
      return el("li", {}, item);
    }));
  }
}
