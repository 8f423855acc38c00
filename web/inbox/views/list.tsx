// The side bar: the search box, the list's filters and the conversations,
// newest first (or, while searching, what the search found).
import type { Summary } from "../../shared/wire";
import { routeHash } from "../router";
import { ago, botLabel, visitorName } from "../text";
import { useInbox } from "./context";
import { Lazy } from "./lazy";
import { Avatar, Segmented } from "./parts";
import { SearchBox } from "./searchbox";

const statusOptions = [["open", "Open"], ["closed", "Closed"]] as const;
const viewOptions = [["mine", "Mine"], ["unassigned", "Unassigned"], ["all", "All"]] as const;

export function Side() {
  const inbox = useInbox();
  const { list } = inbox.state;
  const f = list.filter.value;
  // One search box whatever shows below it: typing the first letter
  // swaps the list for the results, not the box the agent types in.
  return (
    <nav class="side" aria-label="Conversations">
      <SearchBox />
      {inbox.state.search.active.value ? <Lazy key="search" load={() => import("./search")} props={{}} /> : (
        <>
          <div class="filters">
            <Switcher />
            <Segmented label="Status" options={statusOptions} value={f.status} onPick={(status) => inbox.setFilter({ status })} />
            <Segmented label="Show" options={viewOptions} value={f.view} onPick={(view) => inbox.setFilter({ view })} />
          </div>
          <Conversations />
          <p class="list-empty" hidden={!list.loaded.value || list.rows.value.length > 0}>No conversations here.</p>
        </>
      )}
    </nav>
  );
}

/** Switcher picks the inbox the list shows, when the agent is in more than one. */
function Switcher() {
  const inbox = useInbox();
  const list = inbox.state.profile.inboxes.value;
  if (list.length < 2) return null;
  return (
    <select class="switcher" aria-label="Inbox" value={inbox.state.list.filter.value.inboxId} onChange={(e) => inbox.setFilter({ inboxId: e.currentTarget.value })}>
      {list.map((i) => <option key={i.id} value={i.id}>{i.name}</option>)}
    </select>
  );
}

// Keyed by conversation: a live update changes a row in place or moves
// it, and never replaces the node under the agent's pointer; "load more"
// adds rows below without touching those shown.
function Conversations() {
  const inbox = useInbox();
  const current = inbox.state.thread.id.value;
  const now = inbox.now.value;
  const { list } = inbox.state;
  return (
    <ul class="list">
      {list.rows.value.map((s) => <Row key={s.id} s={s} current={s.id === current} now={now} />)}
      {list.next.value ? (
        <li class="more-row" key="more">
          <button class="ghost more" type="button" disabled={inbox.loadingMore.value} onClick={() => void inbox.loadMore()}>
            {inbox.loadingMore.value ? "Loading…" : "Load more"}
          </button>
        </li>
      ) : null}
    </ul>
  );
}

function Row({ s, current, now }: { s: Summary; current: boolean; now: number }) {
  const inbox = useInbox();
  const unread = s.agentReadSeq < s.lastSeq;
  const name = visitorName(s.visitorId, s.visitorName);
  const bot = botLabel(s.bot);
  const open = (e: MouseEvent) => {
    // A modified click opens the link in another tab, as links do.
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    inbox.open(s.id);
  };
  return (
    <li>
      <a class={"item" + (unread ? " unread" : "")} href={routeHash({ page: "conversation", id: s.id })} aria-current={current ? "true" : undefined} data-id={s.id} onClick={open}>
        <span class="who">
          <Avatar name={name} size="md" />
          {s.visitorOnline ? <span class="online" title="Visitor online"><span class="sr">online</span></span> : null}
        </span>
        <span class="item-main">
          <span class="item-top"><span class="name">{name}</span><time dateTime={s.lastActivityAt}>{ago(s.lastActivityAt, now)}</time></span>
          <span class="item-bottom">
            <span class="preview">{s.preview}</span>
            {unread ? <span class="dot" title="Unread"><span class="sr">unread</span></span> : null}
          </span>
          <span class="item-foot">
            {s.assigneeName ? <span class="assignee">{s.assigneeName}</span> : <span class="assignee none">Unassigned</span>}
            {bot ? <span class={"pill bot" + (bot.running ? " running" : "")} title={bot.title}>{bot.text}</span> : null}
          </span>
        </span>
      </a>
    </li>
  );
}
