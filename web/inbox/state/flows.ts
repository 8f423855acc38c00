// The chatflows of the chat channel being edited (docs/chatflows.md): the
// flows in their order (the first matters), each flow's steps as an
// ordered list, the preview of what a visitor sees first, and the
// server's objections kept beside the step they name while steps move.
// The server checks every flow when the channel is saved; nothing here
// second-guesses it.
import type { ChatChannel, Chatflow, FlowKind, FlowStep, StepType } from "../../shared/wire";
import type { Form } from "./form";

/** stepTypes are the step types in the order the editor offers them, with what each does. */
export const stepTypes: readonly (readonly [StepType, string])[] = [
  ["message", "Say a message"],
  ["buttons", "Ask with buttons"],
  ["text", "Ask for text"],
  ["email", "Ask for an email address"],
  ["branch", "Branch on an answer"],
  ["handover", "Hand over to the team"],
  ["end", "End the chat"],
];

/** asks tells the step types that wait for the visitor's answer (and may save it). */
export function asks(t: StepType): boolean {
  return t === "buttons" || t === "text" || t === "email";
}

/** maxFlows, maxSteps and maxButtons are the server's limits (shared/settings, shared/chatflow): the editor offers no more. */
export const maxFlows = 10;
export const maxSteps = 50;
export const maxButtons = 10;

/** freeId is base, or base-2, base-3…: the first not in taken. */
export function freeId(base: string, taken: readonly string[]): string {
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) if (!taken.includes(`${base}-${n}`)) return `${base}-${n}`;
}

/** newStep is a step added to steps: a message with no text and no next step yet. */
export function newStep(steps: readonly FlowStep[]): FlowStep {
  return { id: freeId("step-" + (steps.length + 1), steps.map((s) => s.id)), type: "message", text: "", next: "" };
}

/**
 * newFlow is a flow added to a channel: a bot named after the team, with
 * one step to start from. Version 0 until the server stores it.
 */
export function newFlow(flows: readonly Chatflow[], teamName: string): Chatflow {
  return {
    id: freeId("flow-" + (flows.length + 1), flows.map((f) => f.id)), name: "New flow", version: 0, kind: "bot",
    welcome: "", bot: { name: teamName.trim().slice(0, 60) || "Bot" }, sessionMinutes: 0, steps: [newStep([])],
  };
}

/**
 * retype gives a step another type, keeping what the new type uses (id,
 * text, the answer's name, the links) and dropping what it does not, which
 * the server would refuse (a saved answer on a message, buttons on a text
 * question). A buttons step starts with one button.
 */
export function retype(s: FlowStep, type: StepType): FlowStep {
  const out: FlowStep = { id: s.id, type };
  if (type !== "branch") out.text = s.text || "";
  if (asks(type) && s.save) out.save = s.save;
  if (type === "buttons") {
    out.buttons = s.buttons?.length ? s.buttons : [{ label: "", next: "" }];
    if (s.freeText) out.freeText = true;
  }
  if (type === "branch") {
    out.on = s.on || "";
    out.cases = s.cases?.length ? s.cases : [{ equals: "", next: "" }];
  }
  // A buttons step's next is where a typed answer goes: only with freeText.
  if (type !== "handover" && type !== "end" && (type !== "buttons" || out.freeText)) out.next = s.next || "";
  if (type === "handover" && s.away) out.away = s.away;
  return out;
}

/** relink points every link of steps that leads to from at to instead. */
export function relink(steps: readonly FlowStep[], from: string, to: string): FlowStep[] {
  const at = (id: string | undefined) => (id === from ? to : id);
  return steps.map((s) => {
    const out: FlowStep = { ...s };
    if (s.next !== undefined) out.next = at(s.next);
    if (s.away !== undefined) out.away = at(s.away);
    if (s.buttons) out.buttons = s.buttons.map((b) => ({ ...b, next: at(b.next) || "" }));
    if (s.cases) out.cases = s.cases.map((c) => ({ ...c, next: at(c.next) || "" }));
    return out;
  });
}

/** move returns list with the item at from moved to index to. */
export function move<T>(list: readonly T[], from: number, to: number): T[] {
  const out = [...list];
  const [x] = out.splice(from, 1);
  out.splice(Math.max(0, Math.min(to, out.length)), 0, x);
  return out;
}

/** order is where each index of a list of n goes when the item at from moves to to (null: removed, when to is null). */
export function order(n: number, from: number, to: number | null): (number | null)[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (to === null) return idx.map((i) => (i === from ? null : i > from ? i - 1 : i));
  const moved = move(idx, from, to);
  const out: (number | null)[] = [];
  moved.forEach((old, at) => (out[old] = at));
  return out;
}

/**
 * reindex rewrites a JSON path under list (like "chatflows[0].steps") for
 * items that moved: "chatflows[0].steps[2].next" with 2 → 1 is
 * "chatflows[0].steps[1].next"; an item removed (null) takes its paths
 * with it (null). Other paths are returned as they are.
 */
export function reindex(path: string, list: string, at: readonly (number | null)[]): string | null {
  if (!path.startsWith(list + "[")) return path;
  const m = /^\[(\d+)\](.*)$/.exec(path.slice(list.length));
  if (!m) return path;
  const to = at[+m[1]];
  if (to === undefined) return path;
  return to === null ? null : `${list}[${to}]${m[2]}`;
}

/** savedKeys are the names the asking steps of a flow save their answers under, each once. */
export function savedKeys(steps: readonly FlowStep[]): string[] {
  return [...new Set(steps.filter((s) => asks(s.type) && s.save).map((s) => s.save as string))];
}

/** PreviewEntry is a line of the preview: the bot speaking (with its buttons), the visitor answering, or what happens. */
export type PreviewEntry =
  | { from: "bot"; text: string; buttons?: string[]; pressed?: number }
  | { from: "visitor"; text: string; placeholder?: boolean }
  | { from: "note"; text: string };

/**
 * preview is the start of a conversation with the flow as a visitor sees
 * it, the way the engine runs it (shared/chatflow): the welcome, then the
 * steps from the first; at buttons the visitor presses the first, a typed
 * answer stands in for text and email, a branch follows the answers so
 * far, and the team is available. It stops at the handover, the end, a
 * step that leads nowhere or after max entries.
 */
export function preview(f: Chatflow, max = 12): PreviewEntry[] {
  const out: PreviewEntry[] = [];
  if (f.welcome.trim()) out.push({ from: "bot", text: f.welcome.trim() });
  if (f.kind === "live") {
    out.push({ from: "note", text: "The team answers the visitor's first message." });
    return out;
  }
  const answers = new Map<string, string>();
  const said = (s: FlowStep, extra: Partial<{ buttons: string[]; pressed: number }> = {}) => out.push({ from: "bot", text: (s.text || "").trim(), ...extra });
  let id = f.steps[0]?.id ?? "";
  let from = "";
  // quiet counts the steps run since the visitor was last asked: more
  // than the flow has is a loop that never waits (the server refuses it).
  let quiet = 0;
  for (;;) {
    if (out.length >= max) {
      out.push({ from: "note", text: "…and so on." });
      return out;
    }
    const s = f.steps.find((x) => x.id === id);
    if (!s) {
      out.push({ from: "note", text: !f.steps.length ? "The bot has no steps yet." : !id ? `Stops here: step "${from}" leads nowhere.` : `Stops here: there is no step "${id}".` });
      return out;
    }
    quiet = asks(s.type) ? 0 : quiet + 1;
    if (quiet > f.steps.length) {
      out.push({ from: "note", text: "Stops here: the steps go round without asking the visitor." });
      return out;
    }
    from = s.id;
    switch (s.type) {
      case "message":
        said(s);
        id = s.next || "";
        break;
      case "buttons": {
        const first = s.buttons?.[0];
        if (first) {
          const label = first.label.trim();
          said(s, { buttons: s.buttons!.map((b) => b.label.trim()), pressed: 0 });
          out.push({ from: "visitor", text: label });
          if (s.save) answers.set(s.save, label);
          id = first.next;
        } else {
          said(s);
          if (!s.freeText) {
            out.push({ from: "note", text: `Stops here: step "${s.id}" has no buttons.` });
            return out;
          }
          out.push({ from: "visitor", text: "The visitor's answer", placeholder: true });
          id = s.next || "";
        }
        break;
      }
      case "text":
      case "email":
        said(s);
        out.push({ from: "visitor", text: s.type === "email" ? "The visitor's email address" : "The visitor's answer", placeholder: true });
        id = s.next || "";
        break;
      case "branch": {
        const got = fold(answers.get(s.on || "") || "");
        id = s.cases?.find((c) => got && fold(c.equals) === got)?.next ?? (s.next || "");
        break;
      }
      case "handover":
        said(s);
        out.push({ from: "note", text: "The conversation goes to the team." });
        return out;
      case "end":
        if (s.text?.trim()) said(s);
        out.push({ from: "note", text: "The bot ends the chat." });
        return out;
    }
  }
}

function fold(s: string): string {
  return s.trim().split(/\s+/).join(" ").toLowerCase();
}

/**
 * FlowsEditor edits the chatflows inside a channel's form. Each change
 * goes through the form (so it is saved with the channel, and a refused
 * save keeps it); a change that moves or removes flows or steps moves
 * the errors the server placed on them too, so an error stays beside the
 * step it names. Keys are stable per flow and per step for the lists'
 * nodes, whatever the ids typed: a step being renamed or moved keeps its
 * node, and the focus in it.
 */
export class FlowsEditor {
  private serial = 0;
  private flowKeys: number[] = [];
  private readonly stepKeys = new Map<number, number[]>();
  /** stash keeps the steps of a bot made live chat, should it become a bot again. */
  private readonly stash = new Map<number, FlowStep[]>();
  /** linked is the id the links to a step use while its own id is being typed (renameStep). */
  private readonly linked = new Map<number, string>();

  constructor(private readonly form: Form<ChatChannel>) {}

  get flows(): readonly Chatflow[] {
    return this.form.value.peek().chatflows;
  }

  /** flowKey is the node key of the flow at i. */
  flowKey(i: number): number {
    this.sync();
    return this.flowKeys[i];
  }

  /** stepKey is the node key of step j of flow i. */
  stepKey(i: number, j: number): number {
    const key = this.flowKey(i);
    const n = this.flows[i]?.steps.length ?? 0;
    let keys = this.stepKeys.get(key);
    if (!keys || keys.length !== n) this.stepKeys.set(key, (keys = Array.from({ length: n }, () => ++this.serial)));
    return keys[j];
  }

  // sync fits the keys to the flows the form holds: a stored value (a
  // save's answer, a reset) may have other flows than the keys know.
  private sync(): void {
    const n = this.flows.length;
    if (this.flowKeys.length !== n) this.flowKeys = Array.from({ length: n }, () => ++this.serial);
  }

  private setFlows(change: (flows: Chatflow[]) => Chatflow[]): void {
    this.form.edit((c) => ({ ...c, chatflows: change([...c.chatflows]) }));
  }

  /** setFlow changes flow i. */
  setFlow(i: number, change: (f: Chatflow) => Chatflow): void {
    this.setFlows((fl) => fl.map((f, k) => (k === i ? change(f) : f)));
  }

  /** setStep changes step j of flow i. */
  setStep(i: number, j: number, change: (s: FlowStep) => FlowStep): void {
    this.setFlow(i, (f) => ({ ...f, steps: f.steps.map((s, k) => (k === j ? change(s) : s)) }));
  }

  addFlow(teamName: string): void {
    this.sync();
    this.flowKeys.push(++this.serial);
    this.setFlows((fl) => [...fl, newFlow(fl, teamName)]);
  }

  /** moveFlow moves flow i to index to (the first flow is the one that runs). */
  moveFlow(i: number, to: number): void {
    if (to < 0 || to >= this.flows.length || to === i) return;
    this.sync();
    this.reindex("chatflows", order(this.flows.length, i, to));
    this.flowKeys = move(this.flowKeys, i, to);
    this.setFlows((fl) => move(fl, i, to));
  }

  removeFlow(i: number): void {
    this.sync();
    this.reindex("chatflows", order(this.flows.length, i, null));
    const [key] = this.flowKeys.splice(i, 1);
    this.stepKeys.delete(key);
    this.stash.delete(key);
    this.setFlows((fl) => fl.filter((_, k) => k !== i));
  }

  /**
   * setKind makes flow i live chat or a bot. Live chat has no steps (the
   * server refuses any): they are kept aside here, and come back if the
   * flow becomes a bot again before the page is left.
   */
  setKind(i: number, kind: FlowKind): void {
    const key = this.flowKey(i);
    const f = this.flows[i];
    if (f.kind === kind) return;
    if (kind === "live") {
      if (f.steps.length) this.stash.set(key, f.steps);
      this.setFlow(i, (x) => ({ ...x, kind, steps: [] }));
      return;
    }
    const steps = this.stash.get(key) || [newStep([])];
    this.stash.delete(key);
    this.setFlow(i, (x) => ({ ...x, kind, steps }));
  }

  /** addStep appends a step to flow i. */
  addStep(i: number): void {
    this.stepKey(i, 0);
    this.stepKeys.get(this.flowKey(i))!.push(++this.serial);
    this.setFlow(i, (f) => ({ ...f, steps: [...f.steps, newStep(f.steps)] }));
  }

  /** moveStep moves step j of flow i to index to (the first step is where the bot starts). */
  moveStep(i: number, j: number, to: number): void {
    const steps = this.flows[i].steps;
    if (to < 0 || to >= steps.length || to === j) return;
    this.stepKey(i, 0);
    const key = this.flowKey(i);
    this.reindex(`chatflows[${i}].steps`, order(steps.length, j, to));
    this.stepKeys.set(key, move(this.stepKeys.get(key)!, j, to));
    this.setFlow(i, (f) => ({ ...f, steps: move(f.steps, j, to) }));
  }

  /** removeStep takes step j out of flow i; the links that led to it are left to choose again. */
  removeStep(i: number, j: number): void {
    const steps = this.flows[i].steps;
    this.stepKey(i, 0);
    this.reindex(`chatflows[${i}].steps`, order(steps.length, j, null));
    this.stepKeys.get(this.flowKey(i))!.splice(j, 1);
    const gone = steps[j].id;
    this.setFlow(i, (f) => {
      const rest = f.steps.filter((_, k) => k !== j);
      return { ...f, steps: rest.some((s) => s.id === gone) ? rest : relink(rest, gone, "") };
    });
  }

  /**
   * renameStep changes the id of step j of flow i, and the links to it
   * follow, as long as the id they use named this step alone and the new
   * one names no other: a link never moves to another step. While the id
   * typed is empty or another step's, the links keep the id they use
   * (held here), and follow the first id typed after it that is free.
   */
  renameStep(i: number, j: number, id: string): void {
    const key = this.stepKey(i, j);
    const steps = this.flows[i].steps;
    const linked = this.linked.get(key) ?? steps[j].id;
    const others = steps.filter((_, k) => k !== j).map((s) => s.id);
    const renamed = steps.map((s, k) => (k === j ? { ...s, id } : s));
    const follow = !!linked && !others.includes(linked);
    if (follow && (!id || others.includes(id))) this.linked.set(key, linked);
    else this.linked.delete(key);
    this.setFlow(i, (f) => ({ ...f, steps: follow && id && !others.includes(id) ? relink(renamed, linked, id) : renamed }));
  }

  retypeStep(i: number, j: number, type: StepType): void {
    this.setStep(i, j, (s) => retype(s, type));
  }

  /** problems counts the errors the server placed under path (a flow, a step). */
  problems(path: string): number {
    let n = 0;
    for (const p of this.form.errors.value.fields.keys()) if (p === path || p.startsWith(path + ".") || p.startsWith(path + "[")) n++;
    return n;
  }

  private reindex(list: string, at: readonly (number | null)[]): void {
    this.form.moveErrors((p) => reindex(p, list, at));
  }
}
