// Email capture: the visitor may leave an address so that agents can
// answer by email once the visitor has left (PUT /widget/contact). A
// chunk, loaded when the card is first wanted (the team away, the
// visitor's first message, the header's button, the bot's email step) or
// at start when an address was saved (its bar shows it). Its styles come
// with it, as a constructed stylesheet (no inline style under the page's
// CSP).
import type { VisitorContact } from "../shared/wire";
import type { Strings } from "./strings";
import css from "./capture.css?sheet";

export interface CaptureParts {
  t: Strings;
  /** save stores the address; it rejects with the HTTP status on failure. */
  save: (email: string) => Promise<VisitorContact>;
  /** changed redraws the conversation. */
  changed: () => void;
  /** key is where the choice is remembered (localStorage). */
  key: string;
  /** icon draws the mail icon at a size. */
  icon: (size: number) => SVGSVGElement;
  fill: (s: string, name: string) => string;
}

// The chat window's own helpers are not imported: this chunk shares no
// module with it, so nothing the window needs at once moves into a chunk.
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string>, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

// A pragmatic check before asking the server, which validates for real.
const looksLikeEmail = /^[^\s@<>()",;:[\]]+@[^\s@<>()",;:[\]]+\.[^\s@<>()",;:[\]]{2,}$/;

export class EmailCapture {
  /** saved is the address the visitor gave, "" when none. */
  saved = "";
  /** verified is false until the owner confirms by the emailed link. */
  verified = false;
  /** dismissed is true after "Not now". */
  dismissed = false;
  /** open is true while the form is asked for explicitly (header, "Change"). */
  open = false;

  private readonly input: HTMLInputElement;
  private readonly err: HTMLParagraphElement;
  private readonly submit: HTMLButtonElement;
  /** card is the prompt shown in the conversation. */
  readonly card: HTMLFormElement;
  /** bar shows the saved address above the composer. */
  readonly bar: HTMLParagraphElement;
  private readonly barText: HTMLSpanElement;

  constructor(private readonly o: CaptureParts) {
    const { t, icon } = o;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    this.input = el("input", { class: "cap-input", id: "cap-email", type: "email", autocomplete: "email", inputmode: "email", maxlength: "254", placeholder: "name@example.com", "aria-describedby": "cap-sub cap-err" });
    this.err = el("p", { class: "cap-err", id: "cap-err", role: "alert" });
    this.err.hidden = true;
    this.submit = el("button", { class: "cap-save", type: "submit" }, t.emailSave);
    const later = el("button", { class: "cap-later", type: "button" }, t.emailNotNow);
    later.onclick = () => this.later();
    this.card = el("form", { class: "capture", "aria-labelledby": "cap-title", novalidate: "" },
      el("p", { class: "cap-title", id: "cap-title" }, icon(18), t.emailAsk),
      el("p", { class: "cap-sub", id: "cap-sub" }, t.emailAskSub),
      el("label", { class: "sr", for: "cap-email" }, t.emailLabel),
      el("div", { class: "cap-row" }, this.input, this.submit),
      this.err,
      later);
    this.card.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.send();
    });
    this.input.addEventListener("input", () => (this.err.hidden = true));
    this.barText = el("span", {});
    const change = el("button", { class: "cap-change", type: "button" }, t.emailChange);
    change.onclick = () => this.ask();
    this.bar = el("p", { class: "cap-bar" }, icon(16), this.barText, " ", change);
    this.bar.hidden = true;
    try {
      const s = JSON.parse(localStorage.getItem(o.key) || "{}") as { email?: string; verified?: boolean; dismissed?: boolean };
      this.saved = s.email || "";
      this.verified = !!s.verified;
      this.dismissed = !!s.dismissed;
    } catch {
      // Nothing remembered: ask again.
    }
    this.paint();
  }

  /** shown says whether the card belongs in the conversation now. */
  shown(visitorWrote: boolean): boolean {
    return this.open || (visitorWrote && !this.saved && !this.dismissed);
  }

  /** ask opens the form (from the header button or "Change"). */
  ask(): void {
    this.open = true;
    this.input.value = this.saved;
    this.err.hidden = true;
    this.paint();
    this.o.changed();
    this.input.focus();
  }

  private later(): void {
    this.open = false;
    this.dismissed = !this.saved;
    this.remember();
    this.o.changed();
  }

  /** isAddress is the widget's check of an address, before the server's. */
  isAddress(email: string): boolean {
    return looksLikeEmail.test(email);
  }

  /**
   * give saves an address as the contact's, as the form does (the
   * confirmation email, its limits): the form's, or one the visitor gave
   * the bot's email step. It says how it went and never rejects.
   */
  async give(email: string): Promise<"saved" | "invalid" | "taken" | "failed"> {
    if (!looksLikeEmail.test(email)) return "invalid";
    try {
      const c = await this.o.save(email);
      this.saved = c.email;
      this.verified = c.verified;
      this.open = false;
      this.remember();
      this.o.changed();
      return "saved";
    } catch (e) {
      const status = (e as { status?: number }).status;
      return status === 400 ? "invalid" : status === 409 ? "taken" : "failed";
    }
  }

  private async send(): Promise<void> {
    this.submit.disabled = true;
    const r = await this.give(this.input.value.trim());
    this.submit.disabled = false;
    if (r !== "saved") this.error(r === "invalid" ? this.o.t.emailInvalid : r === "taken" ? this.o.t.emailTaken : this.o.t.emailFailed);
  }

  private error(text: string): void {
    this.err.textContent = text;
    this.err.hidden = false;
    this.input.setAttribute("aria-invalid", "true");
    this.input.focus();
  }

  private paint(): void {
    this.input.removeAttribute("aria-invalid");
    this.barText.textContent = this.o.fill(this.verified ? this.o.t.emailSaved : this.o.t.emailConfirm, this.saved);
    this.bar.hidden = !this.saved || this.open;
  }

  private remember(): void {
    this.paint();
    try {
      localStorage.setItem(this.o.key, JSON.stringify({ email: this.saved, verified: this.verified, dismissed: this.dismissed }));
    } catch {
      // Storage may be blocked; the choice holds for this page view.
    }
  }
}
