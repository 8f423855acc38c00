// Who the visitor is (I10), beside the thread: the contact (the agent may
// edit its name and address), what the site said of it, where the chat
// started and the pages since (live), the browser, and the visitor's
// other conversations, each a click away; the visitor's rating of this
// conversation once given and the answers a chatflow's bot collected
// (live: the thread's state carries them). Everything here came from a
// browser or a site: it is shown as text, and only http(s) URLs become
// links. A chunk of its own, loaded with the first thread.
import { useState } from "preact/hooks";
import type { ContactCard, Page as Visited, Visit } from "../../shared/wire";
import { routeHash } from "../router";
import { botAnswers, errorText, visitorName, when } from "../text";
import { useInbox } from "./context";
import { Avatar } from "./parts";

export function Page() {
  const inbox = useInbox();
  const { card, failure, id } = inbox.state.sidebar;
  const c = card.value;
  return (
    <aside class="csb" aria-label="Contact">
      {c && id.value ? <Card id={id.value} c={c} /> : <p class="csb-note" role="status">{failure.value ? "The contact could not be read: " + failure.value : "Loading…"}</p>}
    </aside>
  );
}

function Card({ id, c }: { id: string; c: ContactCard }) {
  const name = visitorName(c.visitorId, c.name || c.email);
  const attributes = Object.entries(c.attributes);
  return (
    <>
      <section class="csb-who">
        <Avatar name={name} size="lg" />
        <h2 class="csb-name">{name}</h2>
        <Contact id={id} c={c} />
      </section>
      <Satisfaction id={id} />
      <BotAnswers id={id} c={c} />
      {attributes.length ? (
        <section class="csb-part">
          <h3>Attributes <span class="pill unconfirmed" title="Set by the site's page: anyone can change them">Unverified</span></h3>
          <dl class="csb-facts">
            {attributes.map(([k, v]) => <Fact key={k} label={k} value={String(v)} />)}
          </dl>
        </section>
      ) : null}
      {c.visit ? <Where v={c.visit} /> : null}
      <Past c={c} />
      <Rights c={c} />
    </>
  );
}

/** Satisfaction is the visitor's rating of the open conversation, once given. */
function Satisfaction({ id }: { id: string }) {
  const s = useInbox().state.thread.summary.value;
  const r = s?.id === id ? s.rating : undefined;
  if (!r) return null;
  return (
    <section class="csb-part csb-rating" aria-labelledby="csb-rating-title">
      <h3 id="csb-rating-title">Satisfaction</h3>
      <p class="csb-score">
        <span aria-hidden="true">{"★".repeat(r.score) + "☆".repeat(5 - r.score)}</span>{" "}
        <strong>{r.score} of 5</strong>
      </p>
      {r.comment ? <p class="csb-quote">{r.comment}</p> : null}
    </section>
  );
}

/** BotAnswers are the visitor's answers to the bot, by the name each step saved them under. */
function BotAnswers({ id, c }: { id: string; c: ContactCard }) {
  const s = useInbox().state.thread.summary.value;
  const open = s?.id === id ? s : null;
  const answers = botAnswers(c, open);
  if (!answers.length) return null;
  const bot = open?.bot?.name;
  return (
    <section class="csb-part csb-bot" aria-labelledby="csb-bot-title">
      <h3 id="csb-bot-title">
        {bot ? `Answers to ${bot}` : "Answers to the bot"}
        <span class="pill unconfirmed" title="Typed or chosen by the visitor in the chat with the bot">Unverified</span>
      </h3>
      <dl class="csb-facts">
        {answers.map(([k, v]) => <Fact key={k} label={k} value={v} />)}
      </dl>
    </section>
  );
}

/** Contact shows the name, address and the site's user id, with a form to edit the first two. */
function Contact({ id, c }: { id: string; c: ContactCard }) {
  const inbox = useInbox();
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  if (editing) {
    const save = async (e: Event) => {
      e.preventDefault();
      const f = e.currentTarget as HTMLFormElement;
      const name = (f.elements.namedItem("csb-name") as HTMLInputElement).value.trim();
      const email = (f.elements.namedItem("csb-email") as HTMLInputElement).value.trim();
      setBusy(true);
      try {
        await inbox.saveContact(id, name, email);
        setEditing(false);
      } catch (err) {
        inbox.state.notices.fail("Contact not saved: " + errorText(err));
      } finally {
        setBusy(false);
      }
    };
    return (
      <form class="csb-edit" onSubmit={save}>
        <label for="csb-name">Name</label>
        <input id="csb-name" name="csb-name" maxLength={80} defaultValue={c.name || ""} autoFocus />
        <label for="csb-email">Email</label>
        <input id="csb-email" name="csb-email" type="email" maxLength={254} defaultValue={c.email || ""} />
        <div class="csb-actions">
          <button class="primary" type="submit" disabled={busy}>Save</button>
          <button class="ghost" type="button" onClick={() => setEditing(false)}>Cancel</button>
        </div>
      </form>
    );
  }
  return (
    <dl class="csb-facts">
      <Fact label="Name" value={c.name || "—"} />
      <div>
        <dt>Email</dt>
        <dd>
          {c.email || "—"}
          {c.email ? (c.emailVerified
            ? <span class="pill verified" title="Confirmed by its owner, vouched for by the site or set by an agent">Verified</span>
            : <span class="pill unconfirmed" title="Typed by the visitor and not confirmed yet">Unconfirmed</span>) : null}
        </dd>
      </div>
      {c.externalId ? <Fact label="User id" value={c.externalId} title="The site's own id of this user, signed by the site" /> : null}
      <button class="link csb-edit-btn" type="button" onClick={() => setEditing(true)}>Edit name or email</button>
    </dl>
  );
}

function Fact({ label, value, title }: { label: string; value: string; title?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd title={title}>{value}</dd>
    </div>
  );
}

/** Link is a page the visitor was on: a link when it is http(s), text otherwise. */
function Link({ url, title }: { url: string; title?: string }) {
  const text = title || url;
  if (!/^https?:\/\//i.test(url)) return <span class="csb-url">{text}</span>;
  return <a class="csb-url" href={url} title={url} target="_blank" rel="noopener noreferrer nofollow">{text}</a>;
}

let regions: Intl.DisplayNames | undefined;
function country(code: string): string {
  try {
    regions ??= new Intl.DisplayNames(undefined, { type: "region" });
    return regions.of(code) || code;
  } catch {
    return code;
  }
}

/** Where the chat started, the pages since (newest first) and the browser. */
function Where({ v }: { v: Visit }) {
  const device = [v.browser, v.os].filter(Boolean).join(" on ");
  const pages: Visited[] = [...v.pages].reverse();
  return (
    <section class="csb-part csb-visit">
      <h3>Visit</h3>
      <dl class="csb-facts">
        <div>
          <dt>Started on</dt>
          <dd><Link url={v.url} title={v.title} />{" · "}<time dateTime={v.startedAt}>{when(v.startedAt)}</time></dd>
        </div>
        {v.referrer ? <div><dt>Came from</dt><dd><Link url={v.referrer} /></dd></div> : null}
        {v.language ? <Fact label="Language" value={v.language} /> : null}
        {device ? <Fact label="Browser" value={device} /> : null}
        {v.country ? <Fact label="Location" value={country(v.country)} title="Approximate, from the network the visitor connected through" /> : null}
      </dl>
      <h4>Pages while chatting</h4>
      <ol class="csb-pages" aria-live="polite">
        {pages.map((p) => (
          <li key={p.at + p.url}>
            <Link url={p.url} title={p.title} />
            <time dateTime={p.at}>{when(p.at)}</time>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Past lists the visitor's other conversations; each opens in the inbox. */
function Past({ c }: { c: ContactCard }) {
  const inbox = useInbox();
  return (
    <section class="csb-part">
      <h3>Previous conversations</h3>
      {c.conversations.length ? (
        <ul class="csb-past">
          {c.conversations.map((p) => (
            <li key={p.id}>
              <a href={routeHash({ page: "conversation", id: p.id })} data-id={p.id} onClick={(e) => {
                if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                e.preventDefault();
                inbox.open(p.id);
              }}>
                <span class="csb-past-top"><time dateTime={p.createdAt}>{when(p.createdAt)}</time><span class={"pill " + p.status}>{p.status === "open" ? "Open" : "Closed"}</span></span>
                <span class="csb-past-line">{p.firstLine}</span>
              </a>
            </li>
          ))}
        </ul>
      ) : <p class="csb-note">None before this one.</p>}
    </section>
  );
}

/**
 * Rights lets an admin hand the contact everything stored about them (one
 * JSON file) or erase it, after a confirmation (views/forms.tsx). Agents
 * do not see it; the routes refuse them anyway.
 */
function Rights({ c }: { c: ContactCard }) {
  const inbox = useInbox();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState("");
  if (inbox.state.profile.me.value.role !== "admin") return null;
  const exportData = async () => {
    setBusy(true);
    setFailure("");
    try {
      await inbox.exportContact(c);
    } catch (e) {
      setFailure("The export failed: " + errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="csb-part csb-rights" aria-labelledby="csb-rights-title">
      <h3 id="csb-rights-title">Data rights</h3>
      <p class="csb-note">Everything stored about this contact: give them a copy, or delete it for good.</p>
      <div class="csb-actions">
        <button class="ghost" type="button" disabled={busy} onClick={exportData}>{busy ? "Exporting…" : "Export data"}</button>
        <button class="ghost danger" type="button" onClick={() => inbox.openDialog({ kind: "erase", card: c })}>Erase contact</button>
      </div>
      {failure ? <p class="error" role="alert">{failure}</p> : null}
    </section>
  );
}
