// The admin routes the settings pages call (a chunk of its own, like the
// pages): chat channels, inboxes and the team.
import type { AgentAccess, Answers, ChatChannel, Inbox, TeamMember } from "../../shared/wire";
import type { InboxEdit, Invite, MemberEdit } from "../state/settings";
import type { HTTPClient } from "./client";

const e = encodeURIComponent;

export class SettingsAPI {
  constructor(private readonly http: HTTPClient) {}

  channels(): Promise<Answers["GET /agent/settings/channels"]> {
    return this.http.request("GET", "/agent/settings/channels");
  }

  channel(id: string): Promise<ChatChannel> {
    return this.http.request("GET", "/agent/settings/channels/" + e(id));
  }

  createChannel(inboxId: string, name: string): Promise<ChatChannel> {
    return this.http.request("POST", "/agent/settings/channels", { inboxId, name });
  }

  /** saveChannel sends the whole document. */
  saveChannel(c: ChatChannel): Promise<ChatChannel> {
    return this.http.request("PUT", "/agent/settings/channels/" + e(c.id), c);
  }

  inboxes(): Promise<Answers["GET /agent/settings/inboxes"]> {
    return this.http.request("GET", "/agent/settings/inboxes");
  }

  createInbox(name: string): Promise<Inbox> {
    return this.http.request("POST", "/agent/settings/inboxes", { name });
  }

  saveInbox(id: string, v: InboxEdit): Promise<Inbox> {
    return this.http.request("PUT", "/agent/settings/inboxes/" + e(id), v);
  }

  team(): Promise<Answers["GET /agent/team"]> {
    return this.http.request("GET", "/agent/team");
  }

  invite(v: Invite): Promise<TeamMember> {
    return this.http.request("POST", "/agent/team", v);
  }

  saveMember(id: string, v: MemberEdit): Promise<TeamMember> {
    return this.http.request("PUT", "/agent/team/" + e(id), v);
  }

  setAccess(id: string, disabled: boolean): Promise<AgentAccess> {
    return this.http.request("PUT", `/agent/agents/${e(id)}/access`, { disabled });
  }
}
