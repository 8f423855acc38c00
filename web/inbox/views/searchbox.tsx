// The search box above the list: typing searches (a moment after the
// typing stops), emptying it or Escape brings the list back.
import { useInbox } from "./context";

export function SearchBox() {
  const inbox = useInbox();
  const { search } = inbox.state;
  return (
    <form class="search" role="search" onSubmit={(e) => e.preventDefault()}>
      <input
        type="search" class="search-input" aria-label="Search conversations" placeholder="Search names, emails, messages…" maxLength={200}
        value={search.query} onInput={(e) => inbox.searchFor(e.currentTarget.value)}
        onKeyDown={(e) => e.key === "Escape" && inbox.searchFor("")}
      />
      {search.active.value ? <button type="button" class="ghost search-clear" onClick={() => inbox.searchFor("")}>Clear</button> : null}
    </form>
  );
}
