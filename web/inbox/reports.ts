// The running reports page (a chunk of its own): it reads the report the
// filters ask for, and each listed agent's totals, into the reports
// state. Nothing here draws; the view reads the state and calls these.
import type { APIError } from "./api/client";
import { ReportsAPI } from "./api/reports";
import type { Inbox } from "./inbox";
import { type AgentRow, agentRows, type Filter, localDay, type Range, rangeProblem, ReportsState } from "./state/reports";
import { errorText } from "./text";

/** agentReaders bounds the agents' reports read at once. */
const agentReaders = 4;

function failed(e: unknown): { state: "failed"; message: string; forbidden: boolean } {
  // An APIError, told by its status: this chunk imports nothing of the
  // first screen but what views/context.ts names.
  const forbidden = e instanceof Error && "status" in e && (e as APIError).status === 403;
  return { state: "failed", message: forbidden ? "Reports are for admins." : errorText(e), forbidden };
}

export class Reports {
  readonly state: ReportsState;
  private readonly api: ReportsAPI;
  /** asked counts the reads, so an answer to an older question is dropped. */
  private asked = 0;

  constructor(readonly inbox: Inbox) {
    this.api = new ReportsAPI(inbox.api.http);
    this.state = new ReportsState(this.today());
  }

  today(): string {
    return localDay(new Date());
  }

  /** start reads the filters' names, then the report. */
  async start(): Promise<void> {
    try {
      const [i, t] = await Promise.all([this.api.inboxes(), this.api.team()]);
      this.state.inboxes.value = i.inboxes.map((x) => ({ id: x.id, name: x.name }));
      this.state.team.value = t.members.map((m) => ({ id: m.id, name: m.displayName, inboxIds: m.inboxIds }));
    } catch (e) {
      this.state.report.value = failed(e);
      return;
    }
    await this.load();
  }

  pickPreset(days: number): Promise<void> {
    this.state.pickPreset(days, this.today());
    return this.load();
  }

  pickCustom(r: Range): Promise<void> {
    this.state.pickCustom(r);
    return this.load();
  }

  pickFilter(f: Filter): Promise<void> {
    this.state.filter.value = f;
    return this.load();
  }

  /** load reads the report and the per-agent table of the range and filter chosen. */
  async load(): Promise<void> {
    const s = this.state;
    const r = s.range.peek();
    if (rangeProblem(r)) return; // the form says what is wrong
    const n = ++this.asked;
    const f = s.filter.peek();
    s.report.value = { state: "loading" };
    s.agents.value = { state: "loading" };
    const report = this.api.report({ ...r, inboxId: f.agentId ? undefined : f.inboxId || undefined, agentId: f.agentId || undefined }).then(
      (value) => n === this.asked && (s.report.value = { state: "done", value }),
      (e) => n === this.asked && (s.report.value = failed(e)),
    );
    const agents = this.agentTotals(r).then(
      (value) => n === this.asked && (s.agents.value = { state: "done", value: agentRows(value) }),
      (e) => n === this.asked && (s.agents.value = failed(e)),
    );
    await Promise.all([report, agents]);
  }

  /** agentTotals reads each listed agent's report of the range, a few at a time. */
  private async agentTotals(r: Range): Promise<AgentRow[]> {
    const list = this.state.tableAgents();
    const out: AgentRow[] = [];
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const a = list[next++];
        const rep = await this.api.report({ ...r, agentId: a.id });
        out.push({ id: a.id, name: a.name, total: rep.total });
      }
    };
    await Promise.all(Array.from({ length: Math.min(agentReaders, list.length) }, worker));
    return out;
  }
}
