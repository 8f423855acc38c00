// A chat channel's chatflows (docs/chatflows.md), part of the channel's
// page and saved with it: the flows in order, each with its welcome, its
// bot's name and picture, its steps as an ordered list, and a preview of
// what a visitor sees first. The server checks the flows on save; its
// objections show beside the step and the field they name. Every text
// typed here is shown as text.
import { useState } from "preact/hooks";
import { initials } from "../../shared/initials";
import type { Chatflow, FlowKind, FlowStep, StepType } from "../../shared/wire";
import { asks, maxButtons, maxFlows, maxSteps, preview, savedKeys, stepTypes } from "../state/flows";
import { inputId } from "../state/form";
import type { ChannelEditor } from "../state/settings";
import { where } from "../state/targeting";
import { Field, FieldError, focusSoon, Group } from "./settings";
import { Targeting } from "./targeting";

export function Chatflows({ ed }: { ed: ChannelEditor }) {
  const f = ed.form;
  const c = f.value.value;
  const flows = c.chatflows;
  const addId = f.prefix + "-add-flow";
  return (
    <section class="card flows" aria-labelledby="flows-title">
      <h4 id="flows-title">Chatflows</h4>
      <p class="hint">What the widget does when a visitor opens the chat: live chat with a welcome message, or a bot that asks questions, keeps the answers and hands the conversation to the team. Without a flow the widget is live chat with the greeting above. A saved change makes a new version of the flow; conversations under way keep theirs.</p>
      <FieldError id={f.input("chatflows")} text={f.error("chatflows")} />
      {flows.length ? (
        <ol class="flow-list">
          {flows.map((flow, i) => <Flow key={ed.flows.flowKey(i)} ed={ed} i={i} flow={flow} />)}
        </ol>
      ) : null}
      <div class="line">
        <button class="ghost small" type="button" id={addId} disabled={flows.length >= maxFlows} onClick={() => {
          ed.flows.addFlow(c.look.teamName);
          focusSoon(inputId(f.prefix, `chatflows[${flows.length}].name`));
        }}>Add a flow</button>
        {flows.length >= maxFlows ? <span class="hint">A channel has at most {maxFlows} flows.</span> : null}
      </div>
      <Targeting ed={ed} />
    </section>
  );
}

function Flow({ ed, i, flow }: { ed: ChannelEditor; i: number; flow: Chatflow }) {
  const f = ed.form;
  const fl = ed.flows;
  const at = `chatflows[${i}]`;
  const id = f.input(at);
  const n = f.value.value.chatflows.length;
  const problems = fl.problems(at);
  const [open, setOpen] = useState(true);
  const shown = open || problems > 0;
  const title = flow.name.trim() || flow.id;
  const set = (change: (x: Chatflow) => Chatflow) => fl.setFlow(i, change);
  const moveTo = (to: number) => {
    fl.moveFlow(i, to);
    const dir = to < i ? "up" : "down";
    const other = dir === "up" ? "down" : "up";
    focusSoon(`${inputId(f.prefix, `chatflows[${to}]`)}-${dir}`, `${inputId(f.prefix, `chatflows[${to}]`)}-${other}`);
  };
  return (
    <li class={"flow" + (problems ? " bad" : "")} id={id} aria-labelledby={id + "-title"}>
      <div class="flow-head">
        <button class="flow-toggle" type="button" aria-expanded={shown} aria-controls={id + "-body"} onClick={() => setOpen(!shown)}>
          <span id={id + "-title"} class="flow-title">{title}</span>
        </button>
        <span class={"pill " + flow.kind}>{flow.kind === "bot" ? "Bot" : "Live chat"}</span>
        {f.value.value.targeting.otherPages.flow === flow.id ? <span class="pill first">Other pages</span> : null}
        {problems ? <span class="pill bad">{problems === 1 ? "1 problem" : `${problems} problems`}</span> : null}
        <span class="spacer" />
        <button class="ghost small" type="button" id={id + "-up"} disabled={i === 0} aria-label={`Move flow ${title} up`} onClick={() => moveTo(i - 1)}>↑</button>
        <button class="ghost small" type="button" id={id + "-down"} disabled={i === n - 1} aria-label={`Move flow ${title} down`} onClick={() => moveTo(i + 1)}>↓</button>
        <button class="ghost small" type="button" aria-label={`Remove flow ${title}`} onClick={() => {
          fl.removeFlow(i);
          focusSoon(inputId(f.prefix, `chatflows[${Math.min(i, n - 2)}]`) + "-up", inputId(f.prefix, `chatflows[${Math.min(i, n - 2)}]`) + "-down", f.prefix + "-add-flow");
        }}>Remove</button>
      </div>
      <FieldError id={id} text={f.error(at)} />
      <div class="flow-body" id={id + "-body"} hidden={!shown}>
        <div class="row">
          <Field form={f} path={at + ".name"} label="Name" hint="For the team; visitors never see it.">
            {(a) => <input {...a} required maxLength={60} value={flow.name} onInput={(e) => set((x) => ({ ...x, name: e.currentTarget.value }))} />}
          </Field>
          <Field form={f} path={at + ".id"} label="Id" class="narrow" hint={flow.version ? `Version ${flow.version}. The id is fixed once saved.` : "Lowercase letters, digits, - and _."}>
            {(a) => <input {...a} required maxLength={40} readOnly={flow.version > 0} value={flow.id} onInput={(e) => set((x) => ({ ...x, id: e.currentTarget.value.trim() }))} />}
          </Field>
          <Group form={f} path={at + ".kind"} legend="Kind" class="narrow">
            {([["live", "Live chat"], ["bot", "Bot"]] as const).map(([k, label]) => (
              <label key={k} class="check">
                <input type="radio" name={id + "-kind"} value={k} checked={flow.kind === k} onChange={() => fl.setKind(i, k as FlowKind)} />
                {label}
              </label>
            ))}
          </Group>
        </div>
        {/* Which pages the flow runs on, by the rules under the flows. */}
        <fieldset class="group flow-where">
          <legend>Where it runs</legend>
          <p class="hint">{where(f.value.value.targeting, flow.id)}</p>
        </fieldset>
        <Field form={f} path={at + ".welcome"} label="Welcome message" hint="Shown when the visitor opens the chat, never before. Empty: the bot starts with its first step.">
          {(a) => <textarea {...a} rows={2} maxLength={1000} value={flow.welcome} onInput={(e) => set((x) => ({ ...x, welcome: e.currentTarget.value }))} />}
        </Field>
        {flow.kind === "bot" ? <Bot ed={ed} i={i} flow={flow} /> : null}
        <FlowPreview flow={flow} team={f.value.value.look.teamName} />
      </div>
    </li>
  );
}

function Bot({ ed, i, flow }: { ed: ChannelEditor; i: number; flow: Chatflow }) {
  const f = ed.form;
  const fl = ed.flows;
  const at = `chatflows[${i}]`;
  const set = (change: (x: Chatflow) => Chatflow) => fl.setFlow(i, change);
  const addId = inputId(f.prefix, at) + "-add-step";
  return (
    <>
      <div class="row">
        <Field form={f} path={at + ".bot.name"} label="Bot's name" hint="Visitors see it until a person takes over.">
          {(a) => <input {...a} required maxLength={60} value={flow.bot.name} onInput={(e) => set((x) => ({ ...x, bot: { ...x.bot, name: e.currentTarget.value } }))} />}
        </Field>
        <Field form={f} path={at + ".bot.avatarUrl"} label="Bot's avatar URL">
          {(a) => <input {...a} type="url" placeholder="https://…" value={flow.bot.avatarUrl || ""} onInput={(e) => set((x) => ({ ...x, bot: { ...x.bot, avatarUrl: e.currentTarget.value.trim() || undefined } }))} />}
        </Field>
        <Field form={f} path={at + ".sessionMinutes"} label="Session timeout (minutes)" hint="Ends a chat the visitor leaves waiting on the bot; 0: the inactivity timeout." class="narrow">
          {(a) => <input {...a} type="number" min={0} max={1440} value={flow.sessionMinutes} onInput={(e) => set((x) => ({ ...x, sessionMinutes: Number.isFinite(e.currentTarget.valueAsNumber) ? e.currentTarget.valueAsNumber : -1 }))} />}
        </Field>
      </div>
      <Group form={f} path={at + ".steps"} legend="Steps" hint="The bot starts at the first step and goes on until a step asks the visitor, hands over or ends. Every step must lead somewhere.">
        <ol class="steps">
          {flow.steps.map((s, j) => <Step key={ed.flows.stepKey(i, j)} ed={ed} i={i} j={j} s={s} steps={flow.steps} />)}
        </ol>
        <div class="line">
          <button class="ghost small" type="button" id={addId} disabled={flow.steps.length >= maxSteps} onClick={() => {
            fl.addStep(i);
            focusSoon(inputId(f.prefix, `${at}.steps[${flow.steps.length}].type`));
          }}>Add a step</button>
        </div>
      </Group>
    </>
  );
}

const textLabels: Record<StepType, string> = {
  message: "Message", buttons: "Question", text: "Question", email: "Question", branch: "", handover: "Handoff message", end: "Last message (optional)",
};

function Step({ ed, i, j, s, steps }: { ed: ChannelEditor; i: number; j: number; s: FlowStep; steps: readonly FlowStep[] }) {
  const f = ed.form;
  const fl = ed.flows;
  const at = `chatflows[${i}].steps[${j}]`;
  const id = f.input(at);
  const err = f.error(at);
  const problems = fl.problems(at);
  const set = (change: (x: FlowStep) => FlowStep) => fl.setStep(i, j, change);
  const name = s.id || `step ${j + 1}`;
  const stepId = (k: number) => inputId(f.prefix, `chatflows[${i}].steps[${k}]`);
  const moveTo = (to: number) => {
    fl.moveStep(i, j, to);
    const [dir, other] = to < j ? ["up", "down"] : ["down", "up"];
    focusSoon(`${stepId(to)}-${dir}`, `${stepId(to)}-${other}`);
  };
  const link = (path: string, label: string, value: string | undefined, pick: (v: string) => void, none?: string) => (
    <StepLink ed={ed} path={`${at}.${path}`} label={label} value={value || ""} steps={steps} self={j} none={none} onPick={pick} />
  );
  return (
    <li class={"step" + (problems ? " bad" : "")} id={id} role="group" aria-labelledby={id + "-title"} aria-describedby={err ? id + "-err" : undefined}>
      <div class="step-head">
        <h5 id={id + "-title"}>Step {j + 1}: <span class="step-name">{name}</span></h5>
        {j === 0 ? <span class="pill first">Start</span> : null}
        {problems ? <span class="pill bad">{problems === 1 ? "1 problem" : `${problems} problems`}</span> : null}
        <span class="spacer" />
        <button class="ghost small" type="button" id={id + "-up"} disabled={j === 0} aria-label={`Move step ${name} up`} onClick={() => moveTo(j - 1)}>↑</button>
        <button class="ghost small" type="button" id={id + "-down"} disabled={j === steps.length - 1} aria-label={`Move step ${name} down`} onClick={() => moveTo(j + 1)}>↓</button>
        <button class="ghost small" type="button" id={id + "-remove"} aria-label={`Remove step ${name}`} onClick={() => {
          fl.removeStep(i, j);
          const k = Math.min(j, steps.length - 2);
          focusSoon(`${stepId(k)}-remove`, inputId(f.prefix, `chatflows[${i}]`) + "-add-step");
        }}>Remove</button>
      </div>
      <FieldError id={id} text={err} />
      <div class="row">
        <Field form={f} path={at + ".id"} label="Id" class="narrow">
          {(a) => <input {...a} required maxLength={40} value={s.id} onInput={(e) => fl.renameStep(i, j, e.currentTarget.value.trim())} />}
        </Field>
        <Field form={f} path={at + ".type"} label="Does">
          {(a) => (
            <select {...a} value={s.type} onChange={(e) => fl.retypeStep(i, j, e.currentTarget.value as StepType)}>
              {stepTypes.map(([t, label]) => <option key={t} value={t}>{label}</option>)}
            </select>
          )}
        </Field>
      </div>
      {s.type === "branch" ? null : (
        <Field form={f} path={at + ".text"} label={textLabels[s.type]}>
          {(a) => <textarea {...a} rows={2} maxLength={1000} required={s.type !== "end"} value={s.text || ""} onInput={(e) => set((x) => ({ ...x, text: e.currentTarget.value }))} />}
        </Field>
      )}
      {asks(s.type) ? (
        <Field form={f} path={at + ".save"} label="Save the answer as" hint="Agents see the answer under this name in the contact panel; a branch can look at it. Empty: not kept." class="narrow">
          {(a) => <input {...a} maxLength={40} value={s.save || ""} onInput={(e) => set((x) => ({ ...x, save: e.currentTarget.value.trim() || undefined }))} />}
        </Field>
      ) : null}
      {s.type === "buttons" ? <Buttons ed={ed} i={i} j={j} s={s} steps={steps} /> : null}
      {s.type === "buttons" ? (
        <label class="check">
          <input type="checkbox" checked={!!s.freeText} onChange={(e) => {
            const on = e.currentTarget.checked;
            set((x) => (on ? { ...x, freeText: true, next: x.next || "" } : { ...x, freeText: undefined, next: undefined }));
          }} />
          Also take a typed answer
        </label>
      ) : null}
      {s.type === "buttons" && s.freeText ? link("next", "A typed answer goes to", s.next, (v) => set((x) => ({ ...x, next: v }))) : null}
      {s.type === "message" || s.type === "text" || s.type === "email" ? link("next", "Then", s.next, (v) => set((x) => ({ ...x, next: v }))) : null}
      {s.type === "email" ? <p class="hint">An answer that is no email address is asked again; the address becomes the contact's, with the usual confirmation email.</p> : null}
      {s.type === "branch" ? <Branch ed={ed} i={i} j={j} s={s} steps={steps} /> : null}
      {s.type === "handover" ? link("away", "While nobody is available, first go to", s.away, (v) => set((x) => ({ ...x, away: v || undefined })), "Nowhere: the conversation waits for the team") : null}
      {s.type === "handover" ? <p class="hint">The conversation goes to the inbox's routing. The away steps run once, when nobody is available.</p> : null}
      {s.type === "end" ? <p class="hint">The bot stops; a conversation it never handed over is closed, resolved by the bot.</p> : null}
    </li>
  );
}

/** StepLink picks the step a link leads to; a link to a step the flow has not (any more) shows as such. */
function StepLink(p: { ed: ChannelEditor; path: string; label: string; value: string; steps: readonly FlowStep[]; self: number; none?: string; onPick: (v: string) => void }) {
  const known = p.steps.some((s) => s.id === p.value);
  return (
    <Field form={p.ed.form} path={p.path} label={p.label} class="link-field">
      {(a) => (
        <select {...a} value={p.value} onChange={(e) => p.onPick(e.currentTarget.value)}>
          <option value="">{p.none || "Choose the next step…"}</option>
          {p.value && !known ? <option value={p.value}>{p.value} (no such step)</option> : null}
          {p.steps.map((s, k) => (
            <option key={k} value={s.id} disabled={!s.id}>{stepOption(s, k, p.self)}</option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** stepOption names a step in a list of steps: its id, and what it says. */
function stepOption(s: FlowStep, k: number, self: number): string {
  const text = (s.text || "").trim().replace(/\s+/g, " ");
  const said = text ? ": " + (text.length > 40 ? text.slice(0, 39) + "…" : text) : "";
  return `${s.id || "(no id)"}${said}${k === self ? " (this step)" : ""}`;
}

function Buttons({ ed, i, j, s, steps }: { ed: ChannelEditor; i: number; j: number; s: FlowStep; steps: readonly FlowStep[] }) {
  const f = ed.form;
  const at = `chatflows[${i}].steps[${j}]`;
  const buttons = s.buttons || [];
  const setButtons = (change: (b: NonNullable<FlowStep["buttons"]>) => NonNullable<FlowStep["buttons"]>) => ed.flows.setStep(i, j, (x) => ({ ...x, buttons: change([...(x.buttons || [])]) }));
  return (
    <Group form={f} path={at + ".buttons"} legend="Buttons" hint="Quick replies, in this order; each leads to its own step.">
      {buttons.map((b, k) => (
        <div class="line button-row" key={k}>
          <Field form={f} path={`${at}.buttons[${k}].label`} label={`Button ${k + 1}`} class="inline">
            {(a) => <input {...a} required maxLength={40} value={b.label} onInput={(e) => setButtons((l) => l.map((x, n) => (n === k ? { ...x, label: e.currentTarget.value } : x)))} />}
          </Field>
          <StepLink ed={ed} path={`${at}.buttons[${k}].next`} label="goes to" value={b.next} steps={steps} self={j} onPick={(v) => setButtons((l) => l.map((x, n) => (n === k ? { ...x, next: v } : x)))} />
          <button class="ghost small" type="button" aria-label={`Remove button ${k + 1} of step ${s.id}`} disabled={buttons.length === 1} onClick={() => setButtons((l) => l.filter((_, n) => n !== k))}>Remove</button>
        </div>
      ))}
      <div class="line">
        <button class="ghost small" type="button" disabled={buttons.length >= maxButtons} onClick={() => setButtons((l) => [...l, { label: "", next: "" }])}>Add a button</button>
      </div>
    </Group>
  );
}

function Branch({ ed, i, j, s, steps }: { ed: ChannelEditor; i: number; j: number; s: FlowStep; steps: readonly FlowStep[] }) {
  const f = ed.form;
  const at = `chatflows[${i}].steps[${j}]`;
  const keys = savedKeys(steps);
  const cases = s.cases || [];
  const set = (change: (x: FlowStep) => FlowStep) => ed.flows.setStep(i, j, change);
  const setCases = (change: (c: NonNullable<FlowStep["cases"]>) => NonNullable<FlowStep["cases"]>) => set((x) => ({ ...x, cases: change([...(x.cases || [])]) }));
  return (
    <>
      <Field form={f} path={at + ".on"} label="Looks at the answer" hint="An answer an asking step saves." class="narrow">
        {(a) => (
          <select {...a} value={s.on || ""} onChange={(e) => set((x) => ({ ...x, on: e.currentTarget.value }))}>
            <option value="">Choose an answer…</option>
            {s.on && !keys.includes(s.on) ? <option value={s.on}>{s.on} (no step saves it)</option> : null}
            {keys.map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        )}
      </Field>
      <Group form={f} path={at + ".cases"} legend="Cases" hint="The first case equal to the answer (case and spaces aside) wins.">
        {cases.map((c, k) => (
          <div class="line button-row" key={k}>
            <Field form={f} path={`${at}.cases[${k}].equals`} label={`If it is`} class="inline">
              {(a) => <input {...a} required maxLength={40} value={c.equals} onInput={(e) => setCases((l) => l.map((x, n) => (n === k ? { ...x, equals: e.currentTarget.value } : x)))} />}
            </Field>
            <StepLink ed={ed} path={`${at}.cases[${k}].next`} label="go to" value={c.next} steps={steps} self={j} onPick={(v) => setCases((l) => l.map((x, n) => (n === k ? { ...x, next: v } : x)))} />
            <button class="ghost small" type="button" aria-label={`Remove case ${k + 1} of step ${s.id}`} onClick={() => setCases((l) => l.filter((_, n) => n !== k))}>Remove</button>
          </div>
        ))}
        <div class="line">
          <button class="ghost small" type="button" onClick={() => setCases((l) => [...l, { equals: "", next: "" }])}>Add a case</button>
        </div>
      </Group>
      <StepLink ed={ed} path={at + ".next"} label="Otherwise" value={s.next || ""} steps={steps} self={j} onPick={(v) => set((x) => ({ ...x, next: v }))} />
    </>
  );
}

/** FlowPreview draws the start of a conversation with the flow, as the visitor sees it (state/flows.ts preview). */
function FlowPreview({ flow, team }: { flow: Chatflow; team: string }) {
  const bot = flow.kind === "bot";
  const name = (bot ? flow.bot.name : team).trim() || (bot ? "Bot" : "Team");
  const url = bot && flow.bot.avatarUrl && /^https:\/\//i.test(flow.bot.avatarUrl) ? flow.bot.avatarUrl : "";
  const entries = preview(flow);
  return (
    <figure class="fpv">
      <figcaption>Preview: the start of a chat, following the first button</figcaption>
      <ol class="fpv-log">
        {entries.map((e, k) => {
          if (e.from === "note") return <li key={k} class="fpv-note">{e.text}</li>;
          if (e.from === "visitor") return <li key={k} class="fpv-visitor"><span class="sr">Visitor: </span><p class={"fpv-bubble" + (e.placeholder ? " placeholder" : "")}>{e.text}</p></li>;
          return (
            <li key={k} class="fpv-bot">
              <span class="fpv-avatar" aria-hidden="true">{url ? <img src={url} alt="" referrerpolicy="no-referrer" /> : initials(name)}</span>
              <div class="fpv-main">
                <span class="fpv-name">{name}</span>
                <p class={"fpv-bubble" + (e.text ? "" : " placeholder")}>{e.text || "(nothing to say yet)"}</p>
                {e.buttons ? (
                  <ul class="fpv-buttons" aria-label="Buttons">
                    {e.buttons.map((b, n) => <li key={n} class={n === e.pressed ? "pressed" : ""}>{b || "(no label)"}{n === e.pressed ? <span class="sr"> (pressed)</span> : null}</li>)}
                  </ul>
                ) : null}
              </div>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}
