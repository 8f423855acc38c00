// The open conversation's email facts (the contact's address, the channel
// the server suggests, why email is blocked) and the reply editor's
// channel, which follows the suggestion when asked to.
import { computed, signal } from "@preact/signals";
import type { Channel, Summary } from "../../shared/wire";

/** EmailFacts are what a read of one conversation adds to its summary. */
export type EmailFacts = Pick<Summary, "contactEmail" | "contactName" | "contactVerified" | "suggestedChannel" | "emailBlocked">;

export function emailFacts(s: Summary): EmailFacts {
  return { contactEmail: s.contactEmail, contactName: s.contactName, contactVerified: s.contactVerified, suggestedChannel: s.suggestedChannel, emailBlocked: s.emailBlocked };
}

export class EmailState {
  readonly facts = signal<EmailFacts>({});
  readonly channel = signal<Channel>("chat");
  readonly possible = computed(() => !!this.facts.value.contactEmail && !this.facts.value.emailBlocked);
  /** online is the visitor's presence the facts were read at; undefined before the first read. */
  online: boolean | undefined;

  /** take uses facts read while the visitor was online (or not); with follow, the suggestion becomes the choice. */
  take(facts: EmailFacts, online: boolean, follow: boolean): void {
    this.online = online;
    this.facts.value = facts;
    let c = this.channel.peek();
    if (follow && facts.suggestedChannel) c = facts.suggestedChannel;
    if (!this.possible.peek()) c = "chat";
    this.channel.value = c;
  }

  /** pick is the agent's choice; email only when it can be sent. */
  pick(c: Channel): void {
    if (c === "email" && !this.possible.peek()) return;
    this.channel.value = c;
  }

  reset(): void {
    this.online = undefined;
    this.facts.value = {};
    this.channel.value = "chat";
  }
}
