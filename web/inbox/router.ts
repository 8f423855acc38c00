// The inbox's places, in the URL's hash so that reload, back/forward and
// links keep them:
//
//   #/inbox/{inboxId}/{view}           the list of open conversations (view: mine, unassigned, all)
//   #/inbox/{inboxId}/{view}/closed    the list of closed ones
//   #/c/{conversationId}               a conversation
//   #/quarantine                       inbound mail kept aside
//   #/settings[/{section}]             settings
//   #/reports                          reports
import { type Signal, signal } from "@preact/signals";
import type { Status } from "../shared/wire";
import { type Filter, statuses, type View, views } from "./state/list";

export type Route =
  | { page: "inbox"; inboxId: string; view: View; status: Status }
  | { page: "conversation"; id: string }
  | { page: "quarantine" }
  | { page: "settings"; section: string }
  | { page: "reports" };

/** filterOf is the list filter a list place shows. */
export function filterOf(r: Route & { page: "inbox" }): Filter {
  return { inboxId: r.inboxId, status: r.status, view: r.view };
}

function segments(hash: string): string[] | null {
  try {
    return hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  } catch {
    return null; // a malformed escape
  }
}

/** parseRoute reads a location hash; null for anything that is not one of the places. */
export function parseRoute(hash: string): Route | null {
  const p = segments(hash);
  if (!p) return null;
  const [page, ...rest] = p;
  switch (page) {
    case "inbox": {
      const [inboxId, view, status = "open"] = rest;
      if (rest.length < 2 || rest.length > 3 || !inboxId || !views.includes(view as View) || !statuses.includes(status as Status)) return null;
      if (rest.length === 3 && status === "open") return null; // open is written without its segment
      return { page, inboxId, view: view as View, status: status as Status };
    }
    case "c":
      return rest.length === 1 && rest[0] ? { page: "conversation", id: rest[0] } : null;
    case "quarantine":
    case "reports":
      return rest.length === 0 ? { page } : null;
    case "settings":
      return rest.every(Boolean) ? { page, section: rest.join("/") } : null;
  }
  return null;
}

/** routeHash writes a place as a hash; parseRoute reads it back. */
export function routeHash(r: Route): string {
  const e = encodeURIComponent;
  switch (r.page) {
    case "inbox":
      return `#/inbox/${e(r.inboxId)}/${r.view}` + (r.status === "closed" ? "/closed" : "");
    case "conversation":
      return `#/c/${e(r.id)}`;
    case "settings":
      return "#/settings" + (r.section ? "/" + r.section.split("/").map(e).join("/") : "");
    default:
      return "#/" + r.page;
  }
}

/**
 * Router holds the current place. A hash that names no place (none at
 * all, or a mistyped one) is replaced by the home place, without a history
 * entry of its own.
 */
export class Router {
  readonly route: Signal<Route>;

  constructor(private readonly home: Route) {
    this.route = signal(this.read());
    addEventListener("hashchange", () => (this.route.value = this.read()));
  }

  private read(): Route {
    const r = parseRoute(location.hash);
    if (r) return r;
    history.replaceState(history.state, "", routeHash(this.home));
    return this.home;
  }

  /** go moves to r, with a history entry; it returns false when r is where the inbox is already. */
  go(r: Route): boolean {
    const hash = routeHash(r);
    if (hash === routeHash(this.route.peek())) return false;
    location.hash = hash;
    return true;
  }
}
