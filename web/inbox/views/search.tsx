// What a search found, in place of the list: a chunk of its own, loaded
// at the first search. Each result is a conversation at its newest match,
// with the matching text and the searched words marked; the marks are
// <mark> elements around pieces of text, never markup from the answer.
import type { SearchResult, Snippet } from "../../shared/wire";
import { routeHash } from "../router";
import { pieces } from "../state/search";
import { ago, visitorName } from "../text";
import { useInbox } from "./context";

const matchLabel = { contact: "Contact", message: "Message", note: "Note" } as const;

export function Page() {
  const inbox = useInbox();
  const { search } = inbox.state;
  const results = search.results.value;
  const status = search.status.value;
  const more = search.next.value;
  let said = "";
  if (status === "failed") said = "The search failed: " + search.failure.value;
  else if (status === "done" && !results.length) said = more ? "Nothing found yet in the most recent conversations." : "No conversation matches.";
  return (
    <>
      <p class="search-status" role="status" aria-live="polite">
        {status === "searching" ? "Searching…" : said || (status === "done" ? `${results.length}${more ? "+" : ""} found` : "")}
      </p>
      <ul class="list results" aria-label="Search results">
        {results.map((r) => <Result key={r.conversation.id} r={r} />)}
        {more ? (
          <li class="more-row">
            <button class="ghost more" type="button" disabled={status === "searching"} onClick={() => inbox.searchMore()}>
              {results.length ? "More results" : "Search older conversations"}
            </button>
          </li>
        ) : null}
      </ul>
    </>
  );
}

function Result({ r }: { r: SearchResult }) {
  const inbox = useInbox();
  const current = inbox.state.thread.id.value === r.conversation.id;
  const open = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    inbox.open(r.conversation.id);
  };
  return (
    <li>
      <a class="item result" href={routeHash({ page: "conversation", id: r.conversation.id })} aria-current={current ? "true" : undefined} data-id={r.conversation.id} onClick={open}>
        <span class="item-main">
          <span class="item-top">
            <span class="name">{visitorName(r.conversation.visitorId, r.conversation.visitorName)}</span>
            <time dateTime={r.at}>{ago(r.at, inbox.now.value)}</time>
          </span>
          <span class={"match " + r.match}>{matchLabel[r.match]}</span>
          <span class="snippet"><Marked s={r.snippet} /></span>
        </span>
      </a>
    </li>
  );
}

/** Marked is a snippet's text with its highlights as <mark> elements. */
export function Marked({ s }: { s: Snippet }) {
  return <>{pieces(s).map((p) => (p.mark ? <mark>{p.text}</mark> : p.text))}</>;
}
