// The quarantine page: inbound mail that failed a check, kept for agents
// and never posted as the contact. A chunk of its own.
import type { Quarantined } from "../../shared/wire";
import { when } from "../text";
import { useInbox } from "./context";
import css from "./quarantine.css?sheet";
import { adopt } from "./sheet";

adopt(css);

export function Page() {
  const inbox = useInbox();
  const q = inbox.state.quarantine;
  return (
    <section class="quarantine" aria-labelledby="q-title">
      <div class="q-head">
        <div>
          <h2 id="q-title">Quarantined mail</h2>
          <p class="sub">Inbound mail that failed a check. It was kept, but never posted to a conversation.</p>
        </div>
        <button class="ghost" type="button" onClick={() => void inbox.loadQuarantine()}>Refresh</button>
      </div>
      <p class="q-status" role="status">{q.status.value}</p>
      <ul class="q-list">{q.mails.value.map((m) => <Mail key={m.id} m={m} />)}</ul>
    </section>
  );
}

function Mail({ m }: { m: Quarantined }) {
  const inbox = useInbox();
  const id = m.conversationId;
  return (
    <li class="q-item">
      <div class="q-top">
        <strong class="q-from">{m.from || "unknown sender"}</strong>
        <time dateTime={m.receivedAt}>{when(m.receivedAt)}</time>
      </div>
      <p class="q-subject">{m.subject || "(no subject)"}</p>
      <p class="q-reason"><span class="q-tag">Reason</span>{m.reason}</p>
      {m.preview ? <p class="q-preview">{m.preview}</p> : null}
      {id ? <button class="ghost q-open" type="button" onClick={() => inbox.open(id)}>Open the conversation</button> : null}
    </li>
  );
}
