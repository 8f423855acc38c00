// Email capture: the visitor may leave an address so that agents can
// answer by email once the visitor has left (PUT /widget/contact).
import { h, svg } from "../shared/dom";
import type { VisitorContact } from "../shared/wire";
import { fill, type Strings } from "./strings";

export const mailIcon = "M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1Zm1 3.2V17h16V8.2l-8 5.3-8-5.3ZM5.2 7l6.8 4.5L18.8 7H5.2Z";

/** Save stores the address; it rejects with the HTTP status on failure. */
type Save = (email: string) => Promise<VisitorContact>;

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

  constructor(private readonly t: Strings, private readonly save: Save, private readonly changed: () => void, private readonly storageKey: string) {
    this.input = h("input", { class: "cap-input", id: "cap-email", type: "email", autocomplete: "email", inputmode: "email", maxlength: "254", placeholder: "name@example.com", "aria-describedby": "cap-sub cap-err" });
    this.err = h("p", { class: "cap-err", id: "cap-err", role: "alert", hidden: true });
    this.submit = h("button", { class: "cap-save", type: "submit" }, t.emailSave);
    this.card = h("form", { class: "capture", "aria-labelledby": "cap-title", novalidate: true },
      h("p", { class: "cap-title", id: "cap-title" }, svg(mailIcon, 18), t.emailAsk),
      h("p", { class: "cap-sub", id: "cap-sub" }, t.emailAskSub),
      h("label", { class: "sr", for: "cap-email" }, t.emailLabel),
      h("div", { class: "cap-row" }, this.input, this.submit),
      this.err,
      h("button", { class: "cap-later", type: "button", onclick: () => this.later() }, t.emailNotNow));
    this.card.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.send();
    });
    this.input.addEventListener("input", () => (this.err.hidden = true));
    this.barText = h("span", {});
    this.bar = h("p", { class: "cap-bar", hidden: true }, svg(mailIcon, 16), this.barText, " ",
      h("button", { class: "cap-change", type: "button", onclick: () => this.ask() }, t.emailChange));
    try {
      const s = JSON.parse(localStorage.getItem(storageKey) || "{}") as { email?: string; verified?: boolean; dismissed?: boolean };
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
    this.changed();
    this.input.focus();
  }

  private later(): void {
    this.open = false;
    this.dismissed = !this.saved;
    this.remember();
    this.changed();
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
      const c = await this.save(email);
      this.saved = c.email;
      this.verified = c.verified;
      this.open = false;
      this.remember();
      this.changed();
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
    if (r !== "saved") this.error(r === "invalid" ? this.t.emailInvalid : r === "taken" ? this.t.emailTaken : this.t.emailFailed);
  }

  private error(text: string): void {
    this.err.textContent = text;
    this.err.hidden = false;
    this.input.setAttribute("aria-invalid", "true");
    this.input.focus();
  }

  private paint(): void {
    this.input.removeAttribute("aria-invalid");
    this.barText.textContent = fill(this.verified ? this.t.emailSaved : this.t.emailConfirm, this.saved);
    this.bar.hidden = !this.saved || this.open;
  }

  private remember(): void {
    this.paint();
    try {
      localStorage.setItem(this.storageKey, JSON.stringify({ email: this.saved, verified: this.verified, dismissed: this.dismissed }));
    } catch {
      // Storage may be blocked; the choice holds for this page view.
    }
  }
}
