// Settings, a page of its own (a chunk, with its own styles), loaded when
// an agent goes there. Every agent has "Profile and status"; admins also
// manage inboxes, chat channels and the team. The server refuses the
// admin routes to anyone else (403); the pages are only not offered.
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { initials } from "../../shared/initials";
import type { AgentStatus, TeamMember } from "../../shared/wire";
import { Settings } from "../settings";
import type { Form } from "../state/form";
import { toggle } from "../state/settings";
import { Channels } from "./channel";
import { useInbox } from "./context";
import { ProfileForm } from "./forms";
import css from "./settings.css?sheet";
import { adopt } from "./sheet";

adopt(css);

// One Settings per running inbox: the lists and unsaved edits survive a
// visit to a conversation and back.
let running: Settings | null = null;

export function useSettings(): Settings {
  const inbox = useInbox();
  if (running?.inbox !== inbox) running = new Settings(inbox);
  return running;
}

/** settingsHash is the router's place of a settings section (#/settings/{section}). */
export function settingsHash(section: string): string {
  return "#/settings/" + section.split("/").map(encodeURIComponent).join("/");
}

const sections = [
  ["profile", "Profile and status", false],
  ["inboxes", "Inboxes", true],
  ["channels", "Chat channels", true],
  ["team", "Team", true],
] as const;

export function Page({ section }: { section: string }) {
  const s = useSettings();
  const admin = s.admin;
  const [name, ...rest] = section.split("/");
  const asked = name || (admin ? "channels" : "profile");
  const known = sections.find(([n]) => n === asked);
  const forbidden = !!known?.[2] && !admin;
  const shown = forbidden || !known ? "profile" : asked;
  return (
    <section class="page settings" aria-labelledby="page-title">
      <h2 id="page-title">Settings</h2>
      <nav class="set-nav" aria-label="Settings">
        {sections.filter(([, , adminOnly]) => admin || !adminOnly).map(([n, label]) => (
          <a key={n} href={settingsHash(n)} aria-current={shown === n ? "page" : undefined}>{label}</a>
        ))}
      </nav>
      {forbidden ? <p class="set-note" role="status">Only admins can change inboxes, chat channels and the team. Here you can change your profile and your status.</p> : null}
      {shown === "profile" ? <Profile /> : null}
      {shown === "inboxes" ? <Inboxes /> : null}
      {shown === "channels" ? <Channels id={rest.join("/")} /> : null}
      {shown === "team" ? <Team /> : null}
    </section>
  );
}

// ---------------------------------------------------------------- parts

/** Attrs are what an input needs to be labelled and to point at its hint and error. */
export interface Attrs {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: "true";
}

/**
 * Field is one input with its label, an optional hint, and the error the
 * server gave for its path, linked to the input with aria-describedby.
 */
export function Field<T>(p: { form: Form<T>; path: string; label: string; hint?: string; class?: string; children: (a: Attrs) => ComponentChildren }) {
  const id = p.form.input(p.path);
  const err = p.form.error(p.path);
  return (
    <div class={"field " + (p.class || "")}>
      <label for={id}>{p.label}</label>
      {p.children(attrs(id, !!p.hint, err))}
      {p.hint ? <p class="hint" id={id + "-hint"}>{p.hint}</p> : null}
      <FieldError id={id} text={err} />
    </div>
  );
}

/** attrs links an input to its hint and its error. */
export function attrs(id: string, hint: boolean, err: string | undefined): Attrs {
  const by = [hint ? id + "-hint" : "", err ? id + "-err" : ""].filter(Boolean).join(" ");
  return { id, "aria-describedby": by || undefined, "aria-invalid": err ? "true" : undefined };
}

/** focusSoon focuses the first enabled element of ids once the change that moved it is drawn (keyboard users keep their place). */
export function focusSoon(...ids: string[]) {
  requestAnimationFrame(() => {
    for (const id of ids) {
      const el = document.getElementById(id) as HTMLButtonElement | null;
      if (el && !el.disabled) return el.focus();
    }
  });
}

export function FieldError({ id, text }: { id: string; text?: string }) {
  return text ? <p class="field-err" id={id + "-err"}>{text}</p> : null;
}

/** Group is a fieldset of inputs (radios, checkboxes) under one path, with its error. */
export function Group<T>(p: { form: Form<T>; path: string; legend: string; hint?: string; class?: string; children: ComponentChildren }) {
  const id = p.form.input(p.path);
  const err = p.form.error(p.path);
  const a = attrs(id, !!p.hint, err);
  return (
    <fieldset class={"group " + (p.class || "")} id={id} aria-describedby={a["aria-describedby"]} aria-invalid={a["aria-invalid"]}>
      <legend>{p.legend}</legend>
      {p.hint ? <p class="hint" id={id + "-hint"}>{p.hint}</p> : null}
      {p.children}
      <FieldError id={id} text={err} />
    </fieldset>
  );
}

/** SaveBar sends a form: its button, what the last save said, and the errors of no field. */
export function SaveBar<T>({ form, label = "Save changes", onSave }: { form: Form<T>; label?: string; onSave: () => void }) {
  const general = form.errors.value.general;
  return (
    <div class="save-bar">
      <button class="primary" type="submit" disabled={form.saving.value} onClick={(e) => {
        e.preventDefault();
        onSave();
      }}>{form.saving.value ? "Saving…" : label}</button>
      <p class={"save-note" + (form.errors.value.fields.size || general.length ? " bad" : "")} role="status">{form.note.value}</p>
      {general.length ? <ul class="general-err" role="alert">{general.map((g) => <li key={g}>{g}</li>)}</ul> : null}
    </div>
  );
}

/** Checks is a list of checkboxes choosing ids. */
export function Checks({ name, options, chosen, onChange }: { name: string; options: readonly { id: string; label: string }[]; chosen: readonly string[]; onChange: (ids: string[]) => void }) {
  if (!options.length) return <p class="hint">None yet.</p>;
  return (
    <div class="checks">
      {options.map((o) => (
        <label key={o.id} class="check">
          <input type="checkbox" name={name} value={o.id} checked={chosen.includes(o.id)} onChange={(e) => onChange(toggle(chosen, o.id, e.currentTarget.checked))} />
          {o.label}
        </label>
      ))}
    </div>
  );
}

export function Loading({ what }: { what: unknown }) {
  const s = useSettings();
  const failure = s.state.failure.value;
  if (what) return null;
  return <p class="set-note" role="status">{failure ? "Could not read the settings: " + failure : "Loading…"}</p>;
}

// ---------------------------------------------------------------- profile and status

function Profile() {
  const s = useSettings();
  const me = s.inbox.state.profile.me.value;
  const status = (v: AgentStatus) => void s.setStatus(v);
  return (
    <div class="set-body">
      <section class="card" aria-labelledby="status-title">
        <h3 id="status-title">Status</h3>
        <p class="hint">Away: new chats are not routed to you, and a chat channel that is available by team status shows the away message when nobody is available.</p>
        <div class="radios" role="radiogroup" aria-labelledby="status-title">
          {(["available", "away"] as const).map((v) => (
            <label key={v} class="check">
              <input type="radio" name="status" value={v} checked={me.status === v} onChange={() => status(v)} />
              {v === "available" ? "Available" : "Away"}
            </label>
          ))}
        </div>
      </section>
      <section class="card" aria-labelledby="profile-title">
        <h3 id="profile-title">Profile</h3>
        <ProfileForm page key={me.displayName + me.avatarUrl + me.meetingsUrl} />
      </section>
    </div>
  );
}

// ---------------------------------------------------------------- inboxes

function Inboxes() {
  const s = useSettings();
  const st = s.state;
  useEffect(() => void s.loadInboxesAndTeam(), []);
  const list = st.inboxes.value;
  const f = st.newInbox;
  return (
    <div class="set-body">
      <p class="hint">Each inbox has its members, its chat channels and how new chats are routed. Agents see only the conversations of their inboxes.</p>
      <Loading what={list} />
      {list?.map((i) => <InboxCard key={i.id} id={i.id} />)}
      <form class="card new" onSubmit={(e) => {
        e.preventDefault();
        void s.createInbox();
      }}>
        <h3>New inbox</h3>
        <Field form={f} path="name" label="Name">
          {(a) => <input {...a} required maxLength={80} value={f.value.value.name} onInput={(e) => f.edit(() => ({ name: e.currentTarget.value }))} />}
        </Field>
        <SaveBar form={f} label="Create inbox" onSave={() => void s.createInbox()} />
      </form>
    </div>
  );
}

function InboxCard({ id }: { id: string }) {
  const s = useSettings();
  const i = s.state.inboxes.value?.find((x) => x.id === id);
  if (!i) return null;
  const f = s.state.inboxForm(i);
  const v = f.value.value;
  const team = s.state.team.value || [];
  const channels = (s.state.channels.value || []).filter((c) => i.channelIds.includes(c.id));
  return (
    <form class="card" aria-label={"Inbox " + i.name} onSubmit={(e) => {
      e.preventDefault();
      void s.saveInbox(id, f);
    }}>
      <h3>{i.name}</h3>
      <Field form={f} path="name" label="Name">
        {(a) => <input {...a} required maxLength={80} value={v.name} onInput={(e) => f.edit((x) => ({ ...x, name: e.currentTarget.value }))} />}
      </Field>
      <Group form={f} path="memberIds" legend="Members">
        <Checks name={"members-" + id} options={team.map((m) => ({ id: m.id, label: m.displayName + (m.disabled ? " (disabled)" : "") }))} chosen={v.memberIds} onChange={(ids) => f.edit((x) => ({ ...x, memberIds: ids }))} />
      </Group>
      <Group form={f} path="routing.mode" legend="Routing of new chats">
        <label class="check">
          <input type="radio" name={"routing-" + id} checked={v.routing.mode === "manual"} onChange={() => f.edit((x) => ({ ...x, routing: { ...x.routing, mode: "manual" } }))} />
          Manual: agents take chats from the list
        </label>
        <label class="check">
          <input type="radio" name={"routing-" + id} checked={v.routing.mode === "round_robin"} onChange={() => f.edit((x) => ({ ...x, routing: { ...x.routing, mode: "round_robin" } }))} />
          Round robin: each new chat goes to the next available member with room
        </label>
      </Group>
      {v.routing.mode === "round_robin" ? (
        <Field form={f} path="routing.capacity" label="Open chats per agent at most" hint="Chats wait unassigned while every available member is at capacity, and go to the first member with room, oldest first." class="narrow">
          {(a) => <input {...a} type="number" min={1} max={100} value={v.routing.capacity} onInput={(e) => f.edit((x) => ({ ...x, routing: { ...x.routing, capacity: e.currentTarget.valueAsNumber || 0 } }))} />}
        </Field>
      ) : null}
      <p class="hint">Chat channels: {channels.length ? channels.map((c) => c.name).join(", ") : i.channelIds.join(", ") || "none"}</p>
      <SaveBar form={f} onSave={() => void s.saveInbox(id, f)} />
    </form>
  );
}

// ---------------------------------------------------------------- team

function Team() {
  const s = useSettings();
  const st = s.state;
  useEffect(() => void s.loadInboxesAndTeam(), []);
  const list = st.team.value;
  const inboxes = (st.inboxes.value || []).map((i) => ({ id: i.id, label: i.name }));
  const f = st.invite;
  const v = f.value.value;
  const send = () => void s.invite();
  return (
    <div class="set-body">
      <form class="card new" onSubmit={(e) => {
        e.preventDefault();
        send();
      }}>
        <h3>Invite an agent</h3>
        <p class="hint">They get an email with a temporary password and sign in from the link in it.</p>
        <div class="row">
          <Field form={f} path="email" label="Email address">
            {(a) => <input {...a} type="email" required maxLength={254} autocomplete="off" value={v.email} onInput={(e) => f.edit((x) => ({ ...x, email: e.currentTarget.value }))} />}
          </Field>
          <Field form={f} path="name" label="Name">
            {(a) => <input {...a} maxLength={80} autocomplete="off" value={v.name} onInput={(e) => f.edit((x) => ({ ...x, name: e.currentTarget.value }))} />}
          </Field>
          <Field form={f} path="role" label="Role" class="narrow">
            {(a) => (
              <select {...a} value={v.role} onChange={(e) => f.edit((x) => ({ ...x, role: e.currentTarget.value as "admin" | "agent" }))}>
                <option value="agent">Agent</option>
                <option value="admin">Admin</option>
              </select>
            )}
          </Field>
        </div>
        <Group form={f} path="inboxIds" legend="Inboxes">
          <Checks name="invite-inboxes" options={inboxes} chosen={v.inboxIds} onChange={(ids) => f.edit((x) => ({ ...x, inboxIds: ids }))} />
        </Group>
        <SaveBar form={f} label="Send invitation" onSave={send} />
      </form>
      <Loading what={list} />
      {list ? (
        <ul class="members" aria-label="Team">
          {list.map((m) => <Member key={m.id} m={m} />)}
        </ul>
      ) : null}
    </div>
  );
}

function Member({ m }: { m: TeamMember }) {
  const s = useSettings();
  const f = s.state.memberForm(m);
  const v = f.value.value;
  const me = s.inbox.state.profile.me.value.id === m.id;
  const inboxes = (s.state.inboxes.value || []).map((i) => ({ id: i.id, label: i.name }));
  const state = m.disabled ? "Disabled" : m.invited ? "Invited" : m.presence === "available" ? "Available" : "Away";
  return (
    <li class={"member card" + (m.disabled ? " disabled" : "")}>
      <div class="member-who">
        <span class="avatar md" aria-hidden="true">{m.avatarUrl && /^https?:\/\//i.test(m.avatarUrl) ? <img src={m.avatarUrl} alt="" referrerpolicy="no-referrer" /> : initials(m.displayName)}</span>
        <div>
          <strong>{m.displayName}</strong>
          <span class="hint">{m.email}</span>
        </div>
        <span class={"pill " + state.toLowerCase()}>{state}</span>
      </div>
      <div class="row">
        <Field form={f} path="role" label="Role" class="narrow" hint={m.roleFromGroup ? "Admin through the identity provider's admin group" : undefined}>
          {(a) => (
            <select {...a} value={v.role} disabled={m.roleFromGroup} onChange={(e) => f.edit((x) => ({ ...x, role: e.currentTarget.value as "admin" | "agent" }))}>
              <option value="agent">Agent</option>
              <option value="admin">Admin</option>
            </select>
          )}
        </Field>
        <Group form={f} path="inboxIds" legend="Inboxes">
          <Checks name={"inboxes-" + m.id} options={inboxes} chosen={v.inboxIds} onChange={(ids) => f.edit((x) => ({ ...x, inboxIds: ids }))} />
        </Group>
      </div>
      <div class="member-bar">
        <SaveBar form={f} onSave={() => void s.saveMember(m.id)} />
        {me ? null : (
          <button class="ghost" type="button" onClick={() => void s.setDisabled(m.id, !m.disabled)}>{m.disabled ? "Enable" : "Disable"}</button>
        )}
      </div>
    </li>
  );
}
