// The quarantine page: inbound mail kept aside, and what its last read said.
import { signal } from "@preact/signals";
import type { Quarantined } from "../../shared/wire";

export class QuarantineState {
  readonly mails = signal<readonly Quarantined[]>([]);
  readonly status = signal("");

  loading(): void {
    this.status.value = "Loading…";
  }

  loaded(mails: readonly Quarantined[]): void {
    this.mails.value = mails;
    this.status.value = mails.length ? `${mails.length} ${mails.length === 1 ? "mail" : "mails"} kept aside` : "Nothing in quarantine.";
  }

  failed(reason: string): void {
    this.status.value = "Could not load the quarantine: " + reason;
  }
}
