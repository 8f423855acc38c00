// The agents' inbox: sign in, read who the agent is, then run the inbox
// and draw it. See docs/architecture.md ("Web: widget and inbox") for how
// state, views, the API client, the socket and the router fit together.
import { signal } from "@preact/signals";
import { render } from "preact";
import { readEnv } from "../shared/dom";
import { HTTPClient } from "./api/client";
import { InboxAPI } from "./api/inbox";
import { Auth, type OIDC } from "./auth";
import { Inbox } from "./inbox";
import "./inbox.css";
import { filterOf, Router } from "./router";
import { InboxState } from "./state/inbox";
import { errorText } from "./text";
import { App, Stop } from "./views/app";

interface Env {
  httpApi: string;
  webSocket: string;
  oidc: OIDC;
}

async function start(): Promise<void> {
  const env = readEnv<Env>();
  const auth = new Auth(env.oidc);
  const signedOut = signal<string | null>(null);
  // The server ended the session: a 401, or the socket closed for a
  // sign-out elsewhere or a disabled agent.
  const ended = (reason: string) => {
    auth.forget();
    signedOut.value = reason;
  };
  const api = new InboxAPI(new HTTPClient({ base: env.httpApi, token: () => auth.token(), unauthorized: ended }));
  let inbox: Inbox;
  try {
    if (!(await auth.signIn())) return;
    const [me, { agents }] = await Promise.all([api.me(), api.agents()]);
    // The first inbox, main, when the agent is in it: memberships come
    // sorted by id, so "first" would otherwise be an accident of ids.
    const first = me.inboxes.includes("main") ? "main" : me.inboxes[0] || "main";
    const home = { page: "inbox", inboxId: first, view: "all", status: "open" } as const;
    const router = new Router(home);
    const r = router.route.peek();
    const state = new InboxState(me, agents, filterOf(r.page === "inbox" ? r : home));
    inbox = new Inbox({ api, router, state, webSocket: env.webSocket, signedOut, signOut: () => auth.signOut(), ended });
  } catch (e) {
    auth.forget();
    document.body.replaceChildren();
    render(<Stop title="Could not sign you in" reason={errorText(e)} action="Try again" />, document.body);
    return;
  }
  document.body.replaceChildren();
  render(<App inbox={inbox} />, document.body);
  await inbox.start();
}

void start();
