// The chatflow's bot in the chat window: a chunk, loaded only on a channel
// whose flow is a bot or for a conversation a bot took part in. Its
// entries are drawn as any message (with the bot's name and picture);
// this draws what its open question asks: the buttons, a group named by
// the question (Tab reaches each, Enter or Space presses it, and its label
// goes as the visitor's answer), and the composer's hint. The email step
// checks the address and gives it to the contact before it is sent
// (docs/chatflows.md). Its styles come with it, as a constructed
// stylesheet (no inline style under the page's CSP).
import type { Message } from "../shared/wire";
import { answerMode, openQuestion, type Mode } from "./ask";
import type { EmailCapture } from "./capture";
import type { Strings } from "./strings";
import css from "./bot.css?sheet";

// The chat window's own helpers are not imported: this chunk shares no
// module with it, so nothing the window needs at once moves into a chunk.
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string>, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

export interface BotParts {
  t: Strings;
  input: HTMLTextAreaElement;
  composer: HTMLFormElement;
  /** capture loads the email capture (a chunk of its own). */
  capture: () => Promise<EmailCapture>;
  /** answer sends text as the visitor's message. */
  answer: (text: string) => void;
}

export class Bot {
  private readonly err: HTMLParagraphElement;
  private mode: Mode = "free";
  // cap is the email capture, loaded on the email step.
  private cap?: EmailCapture;
  // The open question's buttons, kept while it is open so that the button
  // under the visitor's focus stays the same node.
  private asked: { seq: number; group: HTMLElement } | null = null;
  // follow: a button was pressed; the next question's first button (or the
  // composer) takes the focus once the bot has answered, so a keyboard user
  // stays in the flow.
  private follow = false;

  constructor(private readonly o: BotParts) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    this.err = el("p", { class: "bot-err", id: "bot-err", role: "alert" });
    this.err.hidden = true;
    o.composer.before(this.err);
    o.input.addEventListener("input", () => this.hint(""));
  }

  /**
   * render sets the composer for the conversation's open question and
   * returns its buttons, or null; answering is true while a message of the
   * visitor is on its way.
   */
  render(sorted: readonly Message[], open: boolean, answering: boolean): HTMLElement | null {
    const q = openQuestion(sorted, open, answering);
    const mode = answerMode(q);
    if (mode !== this.mode) {
      this.mode = mode;
      this.hint("");
      if (mode === "email") this.o.capture().then((c) => (this.cap = c), () => undefined);
      const { input, t } = this.o;
      input.placeholder = mode === "pick" ? t.botPick : mode === "email" ? t.emailLabel : t.placeholder;
      for (const [k, v] of [["inputmode", "email"], ["autocomplete", "email"]]) {
        if (mode === "email") input.setAttribute(k, v);
        else input.removeAttribute(k);
      }
    }
    if (this.asked?.seq !== q?.seq) this.asked = q?.ask?.buttons?.length ? { seq: q.seq, group: this.group(q) } : null;
    const group = this.asked?.group || null;
    const last = sorted[sorted.length - 1];
    if (this.follow && !answering && last && last.author.type !== "visitor") {
      // The bot has answered the pressed button. The focus moves only when
      // it went with the button (nothing else took it meanwhile).
      this.follow = false;
      const to = group?.querySelector("button") || this.o.input;
      queueMicrotask(() => {
        if (!document.activeElement || document.activeElement === document.body) to.focus();
      });
    }
    return group;
  }

  /** check tells whether body may go as the answer; on the email step an address that is not one stays in the composer, and a hint says why (the capture's check, once its chunk is here; the bot's step checks again). */
  check(body: string): boolean {
    if (this.mode !== "email" || !this.cap || this.cap.isAddress(body)) return true;
    this.hint(this.o.t.emailInvalid);
    this.o.input.focus();
    return false;
  }

  /**
   * give, on the email step, gives the address to the contact (the email
   * capture: its confirmation email) before it goes as the answer; the
   * answer goes however that went, the bot keeps it. Undefined on any
   * other step.
   */
  give(body: string): Promise<unknown> | undefined {
    return this.mode === "email" ? this.o.capture().then((c) => c.give(body), () => "failed") : undefined;
  }

  private group(q: Message): HTMLElement {
    const g = el("div", { class: "bot-replies", role: "group", "aria-label": q.body || this.o.t.botPick });
    for (const label of q.ask?.buttons || []) {
      const b = el("button", { class: "bot-reply", type: "button" }, label);
      b.addEventListener("click", () => {
        this.follow = true;
        this.o.answer(label);
      });
      g.append(b);
    }
    return g;
  }

  private hint(text: string): void {
    this.err.textContent = text;
    this.err.hidden = !text;
    const { input } = this.o;
    if (text) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "bot-err");
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
  }
}
