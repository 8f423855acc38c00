// The notifications button of the top bar, with the unread count; the list
// it opens is a chunk of its own, loaded on the first opening.
import { useSignal } from "@preact/signals";
import { useInbox } from "./context";
import { useChunk } from "./lazy";

export function Bell() {
  const inbox = useInbox();
  const unread = inbox.state.notifications.unread.value;
  const open = useSignal(false);
  const { chunk } = useChunk(() => import("./notifications"), open.value);
  const label = unread ? `Notifications, ${unread} unread` : "Notifications";
  return (
    <div class="bell-wrap">
      <button class="ghost bell" type="button" aria-label={label} aria-expanded={open.value} onClick={() => (open.value = !open.value)}>
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z" /></svg>
        {unread ? <span class="count">{unread > 98 ? "99+" : unread}</span> : null}
      </button>
      {open.value && chunk ? <chunk.Panel close={() => (open.value = false)} /> : null}
    </div>
  );
}
