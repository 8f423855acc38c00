// The agent's notifications (a chunk of its own): newest first, unread
// ones marked; a click opens the conversation and marks the entry read.
import { useEffect } from "preact/hooks";
import { ago } from "../text";
import { useInbox } from "./context";
import { Avatar } from "./parts";

export function Panel({ close }: { close: () => void }) {
  const inbox = useInbox();
  const n = inbox.state.notifications;
  const items = n.items.value;
  const now = inbox.now.value;
  useEffect(() => {
    const esc = (e: KeyboardEvent) => e.key === "Escape" && close();
    addEventListener("keydown", esc);
    return () => removeEventListener("keydown", esc);
  }, []);
  return (
    <section class="notifications" aria-label="Notifications">
      <header>
        <strong>Notifications</strong>
        <span class="spacer" />
        <button class="link" type="button" disabled={!n.unread.value} onClick={() => void inbox.readNotifications("all")}>Mark all read</button>
        <button class="link" type="button" onClick={() => { close(); inbox.openDialog({ kind: "preferences" }); }}>Settings</button>
      </header>
      {items.length ? null : <p class="list-empty">{n.loaded.value ? "Nothing yet. When a note mentions you, it shows here." : "Loading…"}</p>}
      <ul>
        {items.map((x) => (
          <li key={x.id}>
            <button type="button" class={"notification" + (x.read ? "" : " unread")} data-conversation={x.conversationId}
              onClick={() => {
                close();
                inbox.openNotification(x);
              }}>
              <Avatar name={x.author.name || "Agent"} url={x.author.avatarUrl} size="sm" />
              <span class="notification-main">
                <span class="notification-top"><strong>{`${x.author.name || "An agent"} mentioned you`}</strong><time dateTime={x.createdAt}>{ago(x.createdAt, now)}</time></span>
                <span class="preview">{x.preview}</span>
              </span>
              {x.read ? null : <span class="dot" title="Unread"><span class="sr">unread</span></span>}
            </button>
          </li>
        ))}
      </ul>
      {n.next.value ? <button class="ghost more" type="button" onClick={() => void inbox.loadNotifications(true)}>Older notifications</button> : null}
    </section>
  );
}
