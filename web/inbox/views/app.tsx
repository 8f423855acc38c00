// The whole screen: the top bar, the list, the main pane (the place the
// route names), the dialog, and the live regions.
import type { Inbox } from "../inbox";
import { Bell } from "./bell";
import { InboxContext, useInbox } from "./context";
import { Dialogs } from "./dialogs";
import { Side } from "./list";
import { Lazy } from "./lazy";
import { Avatar, Segmented } from "./parts";
import "./sidebar.css";
import { Thread } from "./thread";

export function App({ inbox }: { inbox: Inbox }) {
  return (
    <InboxContext.Provider value={inbox}>
      <Screen />
    </InboxContext.Provider>
  );
}

function Screen() {
  const inbox = useInbox();
  const reason = inbox.signedOut.value;
  // The session ended (signed out elsewhere, agent disabled, token
  // refused). Signing in again is the agent's choice, so a disabled agent
  // is not sent round in a redirect loop.
  if (reason !== null) return <Stop title="You are signed out" reason={reason} action="Sign in again" />;
  return (
    <>
      <div class="shell">
        <Top />
        <Side />
        <Main />
      </div>
      <Dialogs />
      <Notices />
    </>
  );
}

/** Notices are the polite announcements for screen readers and the toast of what went wrong. */
function Notices() {
  const { announcement, toast } = useInbox().state.notices;
  return (
    <>
      <p class="sr" role="status" aria-live="polite">{announcement.value}</p>
      <p class="toast" role="alert" hidden={toast.value === null}>{toast.value}</p>
    </>
  );
}

/** Stop replaces the inbox when it cannot go on without a new sign-in. */
export function Stop({ title, reason, action }: { title: string; reason: string; action: string }) {
  return (
    <main class="signin-error">
      <h1>{title}</h1>
      <p>{reason}</p>
      <button class="primary" type="button" onClick={() => location.reload()}>{action}</button>
    </main>
  );
}

const statuses = [["available", "Available"], ["away", "Away"]] as const;

function Top() {
  const inbox = useInbox();
  const me = inbox.state.profile.me.value;
  const page = inbox.router.route.value.page;
  return (
    <header class="top">
      <span class="brand"><span class="logo" aria-hidden="true">P</span>Parley</span>
      <span class="spacer" />
      <Segmented label="Your status" options={statuses} value={me.status} onPick={(v) => void inbox.setStatus(v)} />
      <button class="ghost quarantine-btn" type="button" aria-pressed={page === "quarantine"} onClick={() => inbox.showQuarantine()}>
        Quarantined mail
      </button>
      {me.role === "admin" ? <a class="ghost" href="#/reports" aria-current={page === "reports" ? "page" : undefined}>Reports</a> : null}
      <a class="ghost" href="#/settings" aria-current={page === "settings" ? "page" : undefined}>Settings</a>
      <button class="ghost" type="button" hidden={inbox.notifier.permission.value !== "default"} onClick={() => void inbox.notifier.ask()}>
        Enable notifications
      </button>
      <Bell />
      <button class="me" type="button" aria-label={`Your profile: ${me.displayName}`} onClick={() => inbox.openDialog({ kind: "profile" })}>
        <Avatar name={me.displayName} url={me.avatarUrl} size="sm" />
        <span>{me.displayName}</span>
      </button>
      <button class="ghost" type="button" onClick={() => void inbox.signOut()}>Sign out</button>
    </header>
  );
}

const labels = { inbox: "Conversation", conversation: "Conversation", quarantine: "Quarantined mail", settings: "Settings", reports: "Reports" };

function Main() {
  const inbox = useInbox();
  const r = inbox.router.route.value;
  let page;
  switch (r.page) {
    case "conversation":
      page = <Thread key={r.id} />;
      break;
    case "quarantine":
      page = <Lazy key="quarantine" load={() => import("./quarantine")} props={{}} />;
      break;
    case "settings":
      page = <Lazy key="settings" load={() => import("./settings")} props={{ section: r.section }} />;
      break;
    case "reports":
      page = <Lazy key="reports" load={() => import("./reports")} props={{}} />;
      break;
    default:
      page = (
        <div class="empty">
          <p class="empty-title">No conversation selected</p>
          <p>Pick one from the list. New chats appear there as they come in.</p>
        </div>
      );
  }
  return (
    <>
      <section class="thread" aria-label={labels[r.page]}>{page}</section>
      {r.page === "conversation" ? <Lazy key="contact" load={() => import("./sidebar")} props={{}} /> : null}
    </>
  );
}
