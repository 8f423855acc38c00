// The satisfaction survey: a chunk, loaded only once a conversation shown
// closed with the survey on. "How was this conversation?": five scores as
// a radio group (arrow keys move, each score has its label for screen
// readers), an optional comment and a button; the visitor may answer any
// time the conversation is shown, and answer again to change the rating.
// Its styles come with it, as a constructed stylesheet (no inline style
// under the page's CSP).
import type { Rating } from "../shared/wire";
import type { Strings } from "./strings";
import css from "./survey.css?sheet";

/** Send records the rating of a conversation; it rejects on failure. */
type Send = (conversationId: string, score: number, comment: string) => Promise<Rating>;

// The chat window's own helpers are not imported: this chunk shares no
// module with it, so nothing the window needs at once moves into a chunk.
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string>, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** maxComment is the server's bound of a comment, in characters. */
const maxComment = 1000;

export class Survey {
  /** card is the survey, shown below the closed conversation. */
  readonly card: HTMLFormElement;
  private readonly radios: HTMLInputElement[];
  private readonly comment: HTMLTextAreaElement;
  private readonly send: HTMLButtonElement;
  private readonly status: HTMLParagraphElement;
  private conv = "";
  private known = "";

  constructor(private readonly t: Strings, private readonly save: Send) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    const labels = t.surveyScores.split("|");
    this.radios = labels.map((_, i) => el("input", { type: "radio", name: "sv-score", value: String(i + 1), "aria-label": `${i + 1} – ${labels[i]}` }));
    this.comment = el("textarea", { class: "sv-comment", id: "sv-comment", maxlength: String(maxComment), placeholder: t.surveyComment });
    this.send = el("button", { class: "sv-send", type: "submit" }, t.surveySend);
    this.status = el("p", { class: "sv-status", role: "status" });
    this.card = el("form", { class: "survey", "aria-labelledby": "sv-q", novalidate: "" },
      el("fieldset", { class: "sv-set" },
        el("legend", { class: "sv-q", id: "sv-q" }, t.surveyQuestion),
        el("div", { class: "sv-scale" }, ...this.radios.map((r, i) => el("label", { class: "sv-opt" }, r, el("span", { "aria-hidden": "true" }, String(i + 1))))),
        el("div", { class: "sv-ends", "aria-hidden": "true" }, el("span", {}, labels[0]), el("span", {}, labels[labels.length - 1]))),
      el("label", { class: "sr", for: "sv-comment" }, t.surveyComment),
      this.comment, this.send, this.status);
    this.card.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submit();
    });
  }

  /** show sets the card for a conversation and its current rating (none yet: undefined); what the visitor is typing stays unless the rating changed. */
  show(conversationId: string, current: Rating | undefined): void {
    const sig = current ? current.score + "\n" + (current.comment || "") : "";
    if (conversationId === this.conv && sig === this.known) return;
    this.conv = conversationId;
    this.known = sig;
    for (const r of this.radios) r.checked = !!current && r.value === String(current.score);
    this.comment.value = current?.comment || "";
    this.status.className = "sv-status";
    this.status.textContent = current ? this.t.surveyThanks : "";
  }

  private async submit(): Promise<void> {
    const picked = this.radios.find((r) => r.checked);
    if (!picked) {
      this.fail(this.t.surveyPick);
      this.radios[0].focus();
      return;
    }
    this.send.disabled = true;
    try {
      const r = await this.save(this.conv, Number(picked.value), this.comment.value.trim());
      this.known = r.score + "\n" + (r.comment || "");
      this.status.className = "sv-status";
      this.status.textContent = this.t.surveyThanks;
    } catch {
      this.fail(this.t.surveyFailed);
    } finally {
      this.send.disabled = false;
      this.status.scrollIntoView({ block: "nearest" });
    }
  }

  private fail(text: string): void {
    this.status.className = "sv-status err";
    this.status.textContent = text;
  }
}
