// The inbox's email parts: the reply editor's channel switch, the contact's
// address, the manual transcript dialog and the quarantine view.
import { h, renderText } from "../shared/dom";

export type Api = <T>(method: string, path: string, body?: object) => Promise<T>;
export type Channel = "chat" | "email";

/** EmailFacts are what GET /agent/conversations/{id} adds to a summary. */
export interface EmailFacts {
  contactEmail?: string;
  /** contactVerified is false while a typed address awaits its owner's confirmation. */
  contactVerified?: boolean;
  suggestedChannel?: Channel;
  emailBlocked?: string;
}

export interface Quarantined {
  id: string;
  from: string;
  subject?: string;
  reason: string;
  conversationId?: string;
  preview?: string;
  receivedAt: string;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

// ---------------------------------------------------------------- channel switch

/**
 * ChannelSwitch is the reply editor's "Chat | Email" choice. It follows the
 * server's suggestion when asked to, and disables email with the reason
 * when email cannot be sent.
 */
export class ChannelSwitch {
  value: Channel = "chat";
  private facts: EmailFacts = {};
  private readonly chatBtn = h("button", { type: "button", "data-channel": "chat", onclick: () => this.pick("chat") }, "Chat");
  private readonly emailBtn = h("button", { type: "button", "data-channel": "email", onclick: () => this.pick("email") }, "Email");
  readonly el = h("div", { class: "seg channel-switch", role: "group", "aria-label": "Reply by" }, this.chatBtn, this.emailBtn);
  /** note explains where an email goes, or why email is unavailable. */
  readonly note = h("p", { class: "channel-note", "aria-live": "polite" });

  constructor(private readonly onChange: (c: Channel) => void) {
    this.paint();
  }

  /** update takes new facts; with follow, the suggestion becomes the choice. */
  update(facts: EmailFacts, follow: boolean): void {
    this.facts = facts;
    if (follow && facts.suggestedChannel) this.value = facts.suggestedChannel;
    if (!this.emailPossible()) this.value = "chat";
    this.paint();
    this.onChange(this.value);
  }

  emailPossible(): boolean {
    return !!this.facts.contactEmail && !this.facts.emailBlocked;
  }

  private pick(c: Channel): void {
    if (c === "email" && !this.emailPossible()) return;
    this.value = c;
    this.paint();
    this.onChange(c);
  }

  private paint(): void {
    const email = this.value === "email";
    this.chatBtn.setAttribute("aria-pressed", String(!email));
    this.emailBtn.setAttribute("aria-pressed", String(email));
    const possible = this.emailPossible();
    this.emailBtn.disabled = !possible;
    // No address yet is ordinary; an address that bounced is a warning.
    this.note.classList.toggle("blocked", !possible && !!this.facts.contactEmail);
    if (!possible) {
      const why = this.facts.contactEmail
        ? "Email unavailable: address undeliverable: " + (this.facts.emailBlocked || "")
        : "Email unavailable: no email address is known for this visitor.";
      this.emailBtn.title = why;
      this.note.textContent = why;
    } else {
      this.emailBtn.title = "Send the reply by email to " + this.facts.contactEmail;
      this.note.textContent = email ? `Sends an email to ${this.facts.contactEmail} with the conversation so far; the visitor's answer comes back here.` : "";
    }
  }
}

// ---------------------------------------------------------------- dialogs

function dialogShell(title: string, sub: string, form: HTMLFormElement, ...fields: Node[]): HTMLDialogElement {
  const id = "d-" + title.toLowerCase().replace(/\W+/g, "-");
  form.replaceChildren(h("h2", { id }, title), h("p", { class: "sub" }, sub), ...fields);
  return h("dialog", { class: "profile", "aria-labelledby": id }, form);
}

function dialogBar(dialog: () => HTMLDialogElement, submit: string): HTMLElement {
  return h("div", { class: "dialog-bar" },
    h("button", { class: "ghost", type: "button", onclick: () => dialog().close() }, "Cancel"),
    h("button", { class: "primary", type: "submit" }, submit));
}

/** ContactDialog sets or changes the visitor's email address. */
export class ContactDialog {
  private readonly emailIn = h("input", { id: "c-email", type: "email", required: true, maxlength: "254", autocomplete: "off", placeholder: "name@example.com" });
  private readonly nameIn = h("input", { id: "c-name", maxlength: "80", autocomplete: "off" });
  private readonly err = h("p", { class: "error", role: "alert", hidden: true });
  private readonly form = h("form", { class: "profile-form", novalidate: true });
  readonly el: HTMLDialogElement;
  private conversationId = "";

  constructor(private readonly api: Api, private readonly saved: (conversationId: string, email: string) => void) {
    this.el = dialogShell("Visitor's email", "Replies by email and transcripts go to this address.", this.form,
      h("label", { for: "c-email" }, "Email address"), this.emailIn,
      h("label", { for: "c-name" }, "Name (optional)"), this.nameIn,
      this.err, dialogBar(() => this.el, "Save"));
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.save();
    });
  }

  open(conversationId: string, current: string | undefined): void {
    this.conversationId = conversationId;
    this.emailIn.value = current || "";
    this.nameIn.value = "";
    this.err.hidden = true;
    this.el.showModal();
    this.emailIn.focus();
  }

  private async save(): Promise<void> {
    const email = this.emailIn.value.trim();
    if (!this.emailIn.checkValidity() || !email) {
      this.showError("Enter an email address such as name@example.com.");
      return;
    }
    try {
      const r = await this.api<{ contact: { email: string } }>("PUT", `/agent/conversations/${this.conversationId}/contact`, { email, name: this.nameIn.value.trim() || undefined });
      this.el.close();
      this.saved(this.conversationId, r.contact.email);
    } catch (e) {
      this.showError(errText(e));
    }
  }

  private showError(text: string): void {
    this.err.textContent = text;
    this.err.hidden = false;
  }
}

/**
 * TranscriptDialog emails the transcript of a closed conversation: to the
 * contact's address or another one, with a subject the agent may edit.
 */
export class TranscriptDialog {
  static readonly defaultSubject = "Transcript of your conversation";
  private readonly toContact = h("input", { type: "radio", name: "t-to", id: "t-to-contact", value: "contact" });
  private readonly toOther = h("input", { type: "radio", name: "t-to", id: "t-to-other", value: "other" });
  private readonly contactLabel = h("label", { for: "t-to-contact", class: "radio" });
  private readonly otherIn = h("input", { id: "t-other", type: "email", maxlength: "254", autocomplete: "off", placeholder: "name@example.com", "aria-label": "Other address" });
  private readonly subjectIn = h("input", { id: "t-subject", required: true, maxlength: "200" });
  private readonly err = h("p", { class: "error", role: "alert", hidden: true });
  private readonly form = h("form", { class: "profile-form", novalidate: true });
  private readonly contactRow = h("div", { class: "choice" }, this.toContact, this.contactLabel);
  readonly el: HTMLDialogElement;
  private conversationId = "";
  private contact = "";

  constructor(private readonly api: Api, private readonly sent: (conversationId: string, to: string) => void) {
    this.el = dialogShell("Send transcript", "Emails every message of this conversation.", this.form,
      h("fieldset", { class: "to" }, h("legend", {}, "To"),
        this.contactRow,
        h("div", { class: "choice" }, this.toOther, h("label", { for: "t-to-other", class: "radio" }, "Another address"))),
      this.otherIn,
      h("label", { for: "t-subject" }, "Subject"), this.subjectIn,
      this.err, dialogBar(() => this.el, "Send transcript"));
    const paint = () => {
      this.otherIn.disabled = !this.toOther.checked;
      if (this.toOther.checked) this.otherIn.focus();
    };
    this.toContact.addEventListener("change", paint);
    this.toOther.addEventListener("change", paint);
    this.otherIn.addEventListener("focus", () => (this.toOther.checked = true));
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.send();
    });
  }

  open(conversationId: string, contact: string | undefined): void {
    this.conversationId = conversationId;
    this.contact = contact || "";
    this.contactRow.hidden = !this.contact;
    this.contactLabel.textContent = this.contact;
    this.toContact.checked = !!this.contact;
    this.toOther.checked = !this.contact;
    this.otherIn.value = "";
    this.otherIn.disabled = !!this.contact;
    this.subjectIn.value = TranscriptDialog.defaultSubject;
    this.err.hidden = true;
    this.el.showModal();
    (this.contact ? this.subjectIn : this.otherIn).focus();
  }

  private async send(): Promise<void> {
    const to = this.toOther.checked ? this.otherIn.value.trim() : this.contact;
    if (this.toOther.checked && (!to || !this.otherIn.checkValidity())) {
      this.showError("Enter the address to send the transcript to.");
      return;
    }
    const subject = this.subjectIn.value.trim();
    if (!subject) {
      this.showError("The subject must not be empty.");
      return;
    }
    try {
      await this.api("POST", `/agent/conversations/${this.conversationId}/transcript`, { to, subject });
      this.el.close();
      this.sent(this.conversationId, to);
    } catch (e) {
      this.showError(errText(e));
    }
  }

  private showError(text: string): void {
    this.err.textContent = text;
    this.err.hidden = false;
  }
}

// ---------------------------------------------------------------- quarantine

/**
 * QuarantineView lists inbound mail that failed a check: kept for agents,
 * never posted as the contact.
 */
export class QuarantineView {
  private readonly listEl = h("ul", { class: "q-list" });
  private readonly status = h("p", { class: "q-status", role: "status" });
  readonly el = h("section", { class: "quarantine", "aria-labelledby": "q-title" },
    h("div", { class: "q-head" },
      h("div", {}, h("h2", { id: "q-title" }, "Quarantined mail"),
        h("p", { class: "sub" }, "Inbound mail that failed a check. It was kept, but never posted to a conversation.")),
      h("button", { class: "ghost", type: "button", onclick: () => void this.load() }, "Refresh")),
    this.status, this.listEl);

  constructor(private readonly api: Api, private readonly openConversation: (id: string) => void) {}

  async load(): Promise<void> {
    this.status.textContent = "Loading…";
    try {
      const r = await this.api<{ mails: Quarantined[] }>("GET", "/agent/quarantine?limit=100");
      this.render(r.mails);
    } catch (e) {
      this.status.textContent = "Could not load the quarantine: " + errText(e);
    }
  }

  private render(mails: Quarantined[]): void {
    this.status.textContent = mails.length ? `${mails.length} ${mails.length === 1 ? "mail" : "mails"} kept aside` : "Nothing in quarantine.";
    this.listEl.replaceChildren(...mails.map((q) => {
      const preview = h("p", { class: "q-preview" });
      renderText(preview, q.preview || "");
      preview.querySelectorAll("a").forEach((a) => a.replaceWith(a.textContent || ""));
      return h("li", { class: "q-item" },
        h("div", { class: "q-top" },
          h("strong", { class: "q-from" }, q.from || "unknown sender"),
          h("time", { datetime: q.receivedAt }, when(q.receivedAt))),
        h("p", { class: "q-subject" }, q.subject || "(no subject)"),
        h("p", { class: "q-reason" }, h("span", { class: "q-tag" }, "Reason"), q.reason),
        q.preview ? preview : null,
        q.conversationId ? h("button", { class: "ghost q-open", type: "button", onclick: () => this.openConversation(q.conversationId || "") }, "Open the conversation") : null);
    }));
  }
}
