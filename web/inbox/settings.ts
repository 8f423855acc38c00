// The running settings pages (a chunk of their own): they read the
// inboxes, chat channels and team over HTTP, put them into the settings
// state, and save what the admin changed. Like the Inbox, nothing here
// draws; the views read the state and call these methods.
import type { AgentStatus } from "../shared/wire";
import type { APIError } from "./api/client";
import { SettingsAPI } from "./api/settings";
import type { Inbox } from "./inbox";
import type { Form, Refusal } from "./state/form";
import { ChannelEditor, type InboxEdit, SettingsState, upsert } from "./state/settings";
import { errorText } from "./text";

/** refusal is what a failed save tells the form: the message, and the refused fields of a 400. */
function refusal(e: unknown, conflictField?: string): Refusal {
  // An APIError, told by its status: this chunk imports nothing of the
  // first screen but what views/context.ts names.
  if (!(e instanceof Error && "status" in e)) return { message: errorText(e) };
  const a = e as APIError;
  // A 409 names no field; the one form that can get it says which.
  if (a.status === 409 && conflictField) return { message: a.message, fields: [{ field: conflictField, message: a.message }] };
  return { message: a.message, fields: a.fields };
}

export class Settings {
  readonly state = new SettingsState();
  private readonly api: SettingsAPI;

  constructor(readonly inbox: Inbox) {
    this.api = new SettingsAPI(inbox.api.http);
  }

  /** admin says whether the signed-in agent may see the admin pages (the server checks every call anyway). */
  get admin(): boolean {
    return this.inbox.state.profile.me.value.role === "admin";
  }

  private async read(what: () => Promise<void>): Promise<void> {
    this.state.failure.value = "";
    try {
      await what();
    } catch (e) {
      this.state.failure.value = errorText(e);
    }
  }

  loadChannels(): Promise<void> {
    return this.read(async () => {
      const [c, i] = await Promise.all([this.api.channels(), this.api.inboxes()]);
      this.state.channels.value = c.channels;
      this.state.gotInboxes(i.inboxes);
    });
  }

  /** loadInboxesAndTeam reads what the inboxes and team pages show: each names the other's items. */
  loadInboxesAndTeam(): Promise<void> {
    return this.read(async () => {
      const [i, t] = await Promise.all([this.api.inboxes(), this.api.team()]);
      this.state.gotInboxes(i.inboxes);
      this.state.gotTeam(t.members);
    });
  }

  /** openChannel reads a channel for its page; asked for the one open, it keeps its unsaved changes. */
  openChannel(id: string): Promise<void> {
    const open = this.state.channel.peek();
    if (open && open.form.value.peek().id === id) return Promise.resolve();
    this.state.channel.value = null;
    return this.read(async () => {
      const [c, i] = await Promise.all([this.api.channel(id), this.state.inboxes.peek() ? null : this.api.inboxes()]);
      if (i) this.state.gotInboxes(i.inboxes);
      this.state.channel.value = new ChannelEditor(c);
    });
  }

  async saveChannel(ed: ChannelEditor): Promise<void> {
    const f = ed.form;
    f.start();
    try {
      const c = await this.api.saveChannel(f.value.peek());
      f.done(c);
      this.state.putChannel(c);
      this.inbox.state.notices.say("Chat channel saved");
    } catch (e) {
      f.refused(refusal(e));
    }
  }

  /** createChannel makes a channel and goes to its page. */
  async createChannel(): Promise<void> {
    const f = this.state.newChannel;
    const v = f.value.peek();
    f.start();
    try {
      const c = await this.api.createChannel(v.inboxId, v.name);
      f.done({ name: "", inboxId: v.inboxId }, "");
      this.state.putChannel(c);
      this.inbox.router.go({ page: "settings", section: "channels/" + c.id });
    } catch (e) {
      f.refused(refusal(e));
    }
  }

  async createInbox(): Promise<void> {
    const f = this.state.newInbox;
    f.start();
    try {
      const i = await this.api.createInbox(f.value.peek().name);
      f.done({ name: "" }, `Inbox ${i.name} created`);
      this.state.putInbox(i);
    } catch (e) {
      f.refused(refusal(e));
    }
  }

  async saveInbox(id: string, f: Form<InboxEdit>): Promise<void> {
    f.start();
    try {
      this.state.putInbox(await this.api.saveInbox(id, f.value.peek()));
      void this.inbox.loadInboxes(); // the switcher's names
    } catch (e) {
      f.refused(refusal(e));
    }
  }

  /** invite creates the user at the identity provider, which mails the invitation. */
  async invite(): Promise<void> {
    const f = this.state.invite;
    const v = f.value.peek();
    f.start();
    try {
      const m = await this.api.invite(v);
      f.done({ email: "", name: "", role: "agent", inboxIds: v.inboxIds }, `Invitation sent to ${m.email}`);
      this.state.putMember(m, "");
    } catch (e) {
      f.refused(refusal(e, "email"));
    }
  }

  async saveMember(id: string): Promise<void> {
    const m = this.state.team.peek()?.find((x) => x.id === id);
    if (!m) return;
    const f = this.state.memberForm(m);
    f.start();
    try {
      this.state.putMember(await this.api.saveMember(id, f.value.peek()));
    } catch (e) {
      f.refused(refusal(e));
    }
  }

  /** setDisabled disables an agent (its sockets close, its tokens are refused) or enables it again. */
  async setDisabled(id: string, disabled: boolean): Promise<void> {
    const m = this.state.team.peek()?.find((x) => x.id === id);
    if (!m) return;
    const f = this.state.memberForm(m);
    f.start();
    try {
      const a = await this.api.setAccess(id, disabled);
      // Only the row changes: unsaved changes of role or inboxes stay.
      this.state.team.value = upsert(this.state.team.peek(), { ...m, disabled: a.disabled });
      f.saving.value = false;
      f.note.value = a.disabled ? "Disabled: signed out everywhere" : "Enabled";
    } catch (e) {
      f.refused(refusal(e));
    }
  }

  setStatus(s: AgentStatus): Promise<void> {
    return this.inbox.setStatus(s);
  }
}
