// The chat channels: their list, a new one, and one channel's settings
// (look with a live preview of the widget, availability, away, the
// chatflows, email, inactivity, files, retention, the sites that embed
// it, the embed snippet), sent as one document.
import { useEffect, useState } from "preact/hooks";
import type { Availability, ChatChannel, ReplyTime, WidgetLanguage } from "../../shared/wire";
import { browserZones, languages, snippet, timeZones } from "../state/channel";
import type { ChannelEditor } from "../state/settings";
import { Chatflows } from "./flows";
import { Preview } from "./preview";
import { Field, FieldError, Group, Loading, SaveBar, settingsHash, useSettings } from "./settings";
import { Holidays, WeekEditor } from "./week";

export function Channels({ id }: { id: string }) {
  return id ? <ChannelPage id={id} /> : <ChannelList />;
}

function ChannelList() {
  const s = useSettings();
  const st = s.state;
  useEffect(() => void s.loadChannels(), []);
  const list = st.channels.value;
  const inboxes = st.inboxes.value || [];
  const f = st.newChannel;
  const v = f.value.value;
  const inboxId = v.inboxId || inboxes[0]?.id || "";
  const create = () => {
    if (!v.inboxId) f.edit((x) => ({ ...x, inboxId }));
    void s.createChannel();
  };
  return (
    <div class="set-body">
      <p class="hint">A chat channel is one widget: its look, when its team is available, and the sites that embed it. Each belongs to an inbox.</p>
      <Loading what={list} />
      {list ? (
        <ul class="channels">
          {list.map((c) => (
            <li key={c.id} class="card">
              <span class="swatch" style={{ background: c.look.color }} aria-hidden="true" />
              <a href={settingsHash("channels/" + c.id)}>{c.name || c.id}</a>
              <span class="hint">{inboxes.find((i) => i.id === c.inboxId)?.name || c.inboxId} · {c.availability.mode === "always" ? "always available" : c.availability.mode === "team" ? "available by team status" : "business hours"} · {retentionText(c.retention.closedDays)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <form class="card new" onSubmit={(e) => {
        e.preventDefault();
        create();
      }}>
        <h3>New chat channel</h3>
        <div class="row">
          <Field form={f} path="name" label="Name">
            {(a) => <input {...a} required maxLength={80} value={v.name} onInput={(e) => f.edit((x) => ({ ...x, name: e.currentTarget.value }))} />}
          </Field>
          <Field form={f} path="inboxId" label="Inbox">
            {(a) => (
              <select {...a} value={inboxId} onChange={(e) => f.edit((x) => ({ ...x, inboxId: e.currentTarget.value }))}>
                {inboxes.map((i) => <option key={i.id} value={i.id}>{i.name}</option>)}
              </select>
            )}
          </Field>
        </div>
        <SaveBar form={f} label="Create chat channel" onSave={create} />
      </form>
    </div>
  );
}

function ChannelPage({ id }: { id: string }) {
  const s = useSettings();
  useEffect(() => void s.openChannel(id), [id]);
  const ed = s.state.channel.value;
  if (!ed || ed.form.value.peek().id !== id) return <Loading what={null} />;
  return <Editor ed={ed} />;
}

function Editor({ ed }: { ed: ChannelEditor }) {
  const s = useSettings();
  const f = ed.form;
  const c = f.value.value;
  const set = (change: (c: ChatChannel) => ChatChannel) => f.edit(change);
  const save = () => void s.saveChannel(ed);
  return (
    <form class="channel-page" aria-labelledby="channel-title" noValidate onSubmit={(e) => {
      e.preventDefault();
      save();
    }}>
      <div class="channel-head">
        <a class="back" href={settingsHash("channels")}>All chat channels</a>
        <h3 id="channel-title">{f.saved.value.name || c.id}</h3>
      </div>
      <div class="channel-cols">
        <div class="channel-form">
          <General ed={ed} />
          <Look ed={ed} />
          <section class="card" aria-labelledby="avail-title">
            <h4 id="avail-title">Availability</h4>
            <Group form={f} path="availability.mode" legend="The team is available">
              {([["always", "Always"], ["hours", "During business hours"], ["team", "When at least one member of the inbox is available"]] as const).map(([m, label]) => (
                <label key={m} class="check">
                  <input type="radio" name="avail-mode" value={m} checked={c.availability.mode === m} onChange={() => set((x) => ({ ...x, availability: { ...x.availability, mode: m as Availability["mode"] } }))} />
                  {label}
                </label>
              ))}
            </Group>
            {c.availability.mode === "hours" ? <Hours ed={ed} /> : null}
          </section>
          <Away ed={ed} />
          <Chatflows ed={ed} />
          <section class="card" aria-labelledby="email-title">
            <h4 id="email-title">Email</h4>
            <label class="check">
              <input type="checkbox" id={f.input("email.transcriptOnClose")} checked={c.email.transcriptOnClose} onChange={(e) => set((x) => ({ ...x, email: { ...x.email, transcriptOnClose: e.currentTarget.checked } }))} />
              Email the transcript to the visitor when a chat is closed
            </label>
            <FieldError id={f.input("email.transcriptOnClose")} text={f.error("email.transcriptOnClose")} />
            <div class="row">
              <Field form={f} path="email.senderName" label="Sender name">
                {(a) => <input {...a} maxLength={80} value={c.email.senderName} onInput={(e) => set((x) => ({ ...x, email: { ...x.email, senderName: e.currentTarget.value } }))} />}
              </Field>
              <Field form={f} path="email.senderAddress" label="Sender address" hint="An address of the verified sending domain; empty uses the deployment's.">
                {(a) => <input {...a} type="email" maxLength={254} value={c.email.senderAddress} onInput={(e) => set((x) => ({ ...x, email: { ...x.email, senderAddress: e.currentTarget.value } }))} />}
              </Field>
            </div>
          </section>
          <section class="card" aria-labelledby="csat-title">
            <h4 id="csat-title">Satisfaction survey</h4>
            <label class="check">
              <input type="checkbox" id={f.input("csat")} checked={c.csat} aria-describedby="csat-hint" onChange={(e) => set((x) => ({ ...x, csat: e.currentTarget.checked }))} />
              Ask the visitor to rate the conversation when it is closed
            </label>
            <p class="hint" id="csat-hint">"How was this conversation?" from 1 to 5 with an optional comment: in the chat window if it is open, and as links in the transcript email (when transcripts are on). Ratings show in the thread, the contact panel and the reports.</p>
            <FieldError id={f.input("csat")} text={f.error("csat")} />
          </section>
          <section class="card" aria-labelledby="inact-title">
            <h4 id="inact-title">Inactivity</h4>
            <div class="row">
              <Field form={f} path="inactivity.timeoutMinutes" label="Close a quiet chat after (minutes)" hint="0 never closes" class="narrow">
                {(a) => <input {...a} type="number" min={0} value={c.inactivity.timeoutMinutes} onInput={(e) => set((x) => ({ ...x, inactivity: { ...x.inactivity, timeoutMinutes: num(e.currentTarget) } }))} />}
              </Field>
              <Field form={f} path="inactivity.warningMinutes" label="Warn before (minutes)" hint="0 sends no warning" class="narrow">
                {(a) => <input {...a} type="number" min={0} value={c.inactivity.warningMinutes} onInput={(e) => set((x) => ({ ...x, inactivity: { ...x.inactivity, warningMinutes: num(e.currentTarget) } }))} />}
              </Field>
            </div>
            <Field form={f} path="inactivity.warningText" label="Warning text" hint="Empty: the built-in warning in the widget's language. {minutes} is replaced by the minutes left.">
              {(a) => <input {...a} maxLength={500} value={c.inactivity.warningText} onInput={(e) => set((x) => ({ ...x, inactivity: { ...x.inactivity, warningText: e.currentTarget.value } }))} />}
            </Field>
          </section>
          <section class="card" aria-labelledby="files-title">
            <h4 id="files-title">Files</h4>
            <div class="row">
              <Field form={f} path="files.maxMegabytes" label="Largest file (MB)" hint="0 keeps the deployment's limit" class="narrow">
                {(a) => <input {...a} type="number" min={0} value={c.files.maxMegabytes} onInput={(e) => set((x) => ({ ...x, files: { ...x.files, maxMegabytes: num(e.currentTarget) } }))} />}
              </Field>
              <Field form={f} path="files.perMessage" label="Files per message" hint="0 keeps the deployment's limit" class="narrow">
                {(a) => <input {...a} type="number" min={0} value={c.files.perMessage} onInput={(e) => set((x) => ({ ...x, files: { ...x.files, perMessage: num(e.currentTarget) } }))} />}
              </Field>
            </div>
          </section>
          <section class="card" aria-labelledby="retention-title">
            <h4 id="retention-title">Retention</h4>
            <Field form={f} path="retention.closedDays" label="Delete closed conversations after (days)" hint="0 keeps them forever; otherwise their messages, notes, files and mail are deleted that many days after they close" class="narrow">
              {(a) => <input {...a} type="number" min={0} max={3650} value={c.retention.closedDays} onInput={(e) => set((x) => ({ ...x, retention: { closedDays: num(e.currentTarget) } }))} />}
            </Field>
            <p class="hint" role="status">Saved: {retentionText(f.saved.value.retention.closedDays)}.</p>
          </section>
          <Embed ed={ed} />
        </div>
        <Preview ed={ed} />
      </div>
      <div class="channel-save">
        <SaveBar form={f} onSave={save} />
      </div>
    </form>
  );
}

/** num reads a number input; what is not a number (being typed) goes as -1, which the server refuses beside the field. */
function num(el: HTMLInputElement): number {
  return Number.isFinite(el.valueAsNumber) ? el.valueAsNumber : -1;
}

function General({ ed }: { ed: ChannelEditor }) {
  const s = useSettings();
  const f = ed.form;
  const c = f.value.value;
  const inboxes = s.state.inboxes.value || [];
  const origins = c.allowedOrigins;
  const setOrigins = (list: string[]) => f.edit((x) => ({ ...x, allowedOrigins: list }));
  return (
    <section class="card" aria-labelledby="general-title">
      <h4 id="general-title">Channel</h4>
      <div class="row">
        <Field form={f} path="name" label="Name">
          {(a) => <input {...a} required maxLength={80} value={c.name} onInput={(e) => f.edit((x) => ({ ...x, name: e.currentTarget.value }))} />}
        </Field>
        <Field form={f} path="inboxId" label="Inbox" hint="Its conversations go to this inbox.">
          {(a) => (
            <select {...a} value={c.inboxId} onChange={(e) => f.edit((x) => ({ ...x, inboxId: e.currentTarget.value }))}>
              {inboxes.some((i) => i.id === c.inboxId) ? null : <option value={c.inboxId}>{c.inboxId}</option>}
              {inboxes.map((i) => <option key={i.id} value={i.id}>{i.name}</option>)}
            </select>
          )}
        </Field>
      </div>
      <Group form={f} path="allowedOrigins" legend="Sites that embed the widget" hint="Where this channel's chat works, as exact origins: scheme, host and port, like https://www.example.com. A change applies within a minute: a site taken off gets no new chats. The site must also be within the deployment's AllowedOrigins parameter, which bounds where the chat window may be framed at all.">
        {origins.map((o, i) => (
          <div class="line" key={i}>
            <Field form={f} path={`allowedOrigins[${i}]`} label={`Site ${i + 1}`} class="inline">
              {(a) => <input {...a} type="url" value={o} placeholder="https://www.example.com" onInput={(e) => setOrigins(origins.map((x, j) => (j === i ? e.currentTarget.value : x)))} />}
            </Field>
            <button class="ghost small" type="button" aria-label={`Remove site ${i + 1}`} onClick={() => setOrigins(origins.filter((_, j) => j !== i))}>Remove</button>
          </div>
        ))}
        <button class="ghost small" type="button" onClick={() => setOrigins([...origins, ""])}>Add a site</button>
      </Group>
    </section>
  );
}

function Look({ ed }: { ed: ChannelEditor }) {
  const f = ed.form;
  const l = f.value.value.look;
  const set = (patch: Partial<typeof l>) => f.edit((x) => ({ ...x, look: { ...x.look, ...patch } }));
  const warning = ed.colorWarning.value;
  const colorId = f.input("look.color");
  return (
    <section class="card" aria-labelledby="look-title">
      <h4 id="look-title">Look</h4>
      <Field form={f} path="look.color" label="Theme colour" hint="The launcher's icon and text are white on it." class="color">
        {(a) => (
          <div class="color-row">
            <input type="color" aria-label="Pick the theme colour" value={/^#[0-9a-f]{6}$/i.test(l.color) ? l.color.toLowerCase() : "#2f5bea"} onInput={(e) => set({ color: e.currentTarget.value })} />
            <input {...a} aria-describedby={[a["aria-describedby"], warning ? colorId + "-warn" : ""].filter(Boolean).join(" ") || undefined} maxLength={7} value={l.color} onInput={(e) => set({ color: e.currentTarget.value.trim() })} />
          </div>
        )}
      </Field>
      <p class="warn-text" id={colorId + "-warn"} aria-live="polite" hidden={!warning || !!f.error("look.color")}>{warning ? "The server will refuse this colour: " + warning + "." : ""}</p>
      <div class="row">
        <Field form={f} path="look.launcherText" label="Launcher text" hint="Empty shows the icon only.">
          {(a) => <input {...a} maxLength={40} value={l.launcherText} placeholder="Chat with us" onInput={(e) => set({ launcherText: e.currentTarget.value })} />}
        </Field>
        <Group form={f} path="look.position" legend="Position" class="narrow">
          {(["right", "left"] as const).map((p) => (
            <label key={p} class="check">
              <input type="radio" name="position" value={p} checked={l.position === p} onChange={() => set({ position: p })} />
              {p === "right" ? "Bottom right" : "Bottom left"}
            </label>
          ))}
        </Group>
      </div>
      <div class="row">
        <Field form={f} path="look.teamName" label="Team name">
          {(a) => <input {...a} maxLength={80} value={l.teamName} onInput={(e) => set({ teamName: e.currentTarget.value })} />}
        </Field>
        <Field form={f} path="look.teamAvatarUrl" label="Team avatar URL">
          {(a) => <input {...a} type="url" placeholder="https://…" value={l.teamAvatarUrl || ""} onInput={(e) => set({ teamAvatarUrl: e.currentTarget.value.trim() || undefined })} />}
        </Field>
      </div>
      <Field form={f} path="look.greeting" label="Greeting" hint="At the top of a new chat. Empty: the built-in greeting in the widget's language.">
        {(a) => <textarea {...a} rows={2} maxLength={500} value={l.greeting} onInput={(e) => set({ greeting: e.currentTarget.value })} />}
      </Field>
      <div class="row">
        <Field form={f} path="look.language" label="Default language" hint="Visitors whose browser asks for another of the widget's languages get that one." class="narrow">
          {(a) => (
            <select {...a} value={l.language} onChange={(e) => set({ language: e.currentTarget.value as WidgetLanguage })}>
              {languages.map(([v, name]) => <option key={v} value={v}>{name}</option>)}
            </select>
          )}
        </Field>
        <Field form={f} path="typicalReplyTime" label="Typical reply time" class="narrow">
          {(a) => (
            <select {...a} value={f.value.value.typicalReplyTime} onChange={(e) => f.edit((x) => ({ ...x, typicalReplyTime: e.currentTarget.value as ReplyTime }))}>
              <option value="minutes">A few minutes</option>
              <option value="hours">A few hours</option>
              <option value="day">A day</option>
            </select>
          )}
        </Field>
      </div>
      <label class="check">
        <input type="checkbox" id={f.input("look.poweredBy")} checked={l.poweredBy} onChange={(e) => set({ poweredBy: e.currentTarget.checked })} />
        Show "Powered by Parley"
      </label>
    </section>
  );
}

function Hours({ ed }: { ed: ChannelEditor }) {
  const f = ed.form;
  const a = f.value.value.availability;
  const [zones] = useState(browserZones);
  // Hidden (another mode), its inputs no longer take the errors: the week
  // and the holidays are still sent and checked, and their errors show
  // above Save.
  useEffect(() => () => ["availability.timeZone", "availability.week", "availability.holidays"].forEach((p) => f.forget(p)), [f]);
  return (
    <>
      <Field form={f} path="availability.timeZone" label="Time zone" hint="Opening hours are wall-clock times of this zone, summer and winter.">
        {(attrs) => (
          <select {...attrs} value={a.timeZone || ""} onChange={(e) => f.edit((x) => ({ ...x, availability: { ...x.availability, timeZone: e.currentTarget.value } }))}>
            {a.timeZone ? null : <option value="">Choose a time zone</option>}
            {timeZones(a.timeZone, zones).map((z) => <option key={z} value={z}>{z.replace(/_/g, " ")}</option>)}
          </select>
        )}
      </Field>
      <WeekEditor ed={ed} />
      <Holidays ed={ed} />
    </>
  );
}

function Away({ ed }: { ed: ChannelEditor }) {
  const f = ed.form;
  const away = f.value.value.away;
  const set = (patch: Partial<typeof away>) => f.edit((x) => ({ ...x, away: { ...x.away, ...patch } }));
  return (
    <section class="card" aria-labelledby="away-title">
      <h4 id="away-title">While nobody is available</h4>
      <Group form={f} path="away.mode" legend="The widget">
        <label class="check">
          <input type="radio" name="away-mode" value="message" checked={away.mode === "message"} onChange={() => set({ mode: "message" })} />
          Shows the away message and asks for the visitor's email address
        </label>
        <label class="check">
          <input type="radio" name="away-mode" value="hide" checked={away.mode === "hide"} onChange={() => set({ mode: "hide" })} />
          Hides the launcher
        </label>
      </Group>
      <Field form={f} path="away.message" label="Away message" hint="Empty: the built-in message in the widget's language.">
        {(a) => <textarea {...a} rows={2} maxLength={500} value={away.message} onInput={(e) => set({ message: e.currentTarget.value })} />}
      </Field>
    </section>
  );
}

/** Embed is the tag to paste into the sites, with this channel's id, and a button to copy it. */
function Embed({ ed }: { ed: ChannelEditor }) {
  const code = snippet(location.href, ed.form.saved.value.id);
  const [note, setNote] = useState("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setNote("Copied");
    } catch {
      // Clipboard refused (permissions): select the text for a manual copy.
      const sel = getSelection();
      const el = document.getElementById("embed-code");
      if (sel && el) sel.selectAllChildren(el);
      setNote("Press Ctrl+C (⌘C) to copy the selected snippet");
    }
  };
  return (
    <section class="card" aria-labelledby="embed-title">
      <h4 id="embed-title">Embed</h4>
      <p class="hint" id="embed-hint">Paste this before &lt;/body&gt; on every page of the sites above.</p>
      <pre class="snippet"><code id="embed-code" aria-describedby="embed-hint">{code}</code></pre>
      <div class="line">
        <button class="ghost" type="button" onClick={() => void copy()}>Copy snippet</button>
        <span class="hint" role="status">{note}</span>
      </div>
    </section>
  );
}

/** retentionText says what a channel does with its closed conversations. */
function retentionText(days: number): string {
  if (!days) return "closed conversations are kept forever";
  return `closed conversations are deleted ${days} day${days === 1 ? "" : "s"} after they close`;
}
