// Collision: the other agents viewing the open conversation, those writing
// in it, and the editor's warning when another agent answered meanwhile.
import { useInbox } from "./context";
import { Avatar } from "./parts";

/** Viewers shows the avatars of the other agents who have the conversation open. */
export function Viewers({ id }: { id: string }) {
  const viewers = useInbox().state.collision.viewers.value.get(id) ?? [];
  if (!viewers.length) return null;
  const names = viewers.map((v) => v.name).join(", ");
  return (
    <p class="viewers" title={`Also viewing: ${names}`}>
      <span class="sr">Also viewing: {names}</span>
      {viewers.map((v) => <span key={v.id} class="viewer" data-id={v.id}><Avatar name={v.name} url={v.avatarUrl} size="sm" /></span>)}
    </p>
  );
}

/** AgentsTyping says which other agents are writing a reply or a note here. */
export function AgentsTyping({ id }: { id: string }) {
  const typing = useInbox().state.collision.typing.value.get(id) ?? [];
  return (
    <p class="typing agents-typing" aria-live="polite">
      {typing.map((a) => `${a.name} is typing ${a.note ? "a note" : "a reply"}…`).join(" ")}
    </p>
  );
}

/** Overtaken warns, before sending, that another agent answered the visitor while this one was writing. */
export function Overtaken() {
  const { compose, email } = useInbox().state;
  const who = compose.overtaken.value;
  if (!who || compose.mode.value === "note") return null;
  return (
    <p class="overtaken" role="alert">
      {`${who} replied while you were writing${email.channel.value === "email" ? "" : " to the visitor"}: read it before you send. `}
      <button class="link" type="button" onClick={() => (compose.overtaken.value = null)}>Dismiss</button>
    </p>
  );
}
