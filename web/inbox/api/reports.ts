// The routes the reports page calls (a chunk of its own, like the page):
// a report of the account, an inbox or an agent, and the names its
// filters offer.
import type { Answers, Report } from "../../shared/wire";
import type { HTTPClient } from "./client";

export interface ReportQuery {
  from: string;
  to: string;
  /** inboxId or agentId; neither reads the whole account. */
  inboxId?: string;
  agentId?: string;
}

export class ReportsAPI {
  constructor(private readonly http: HTTPClient) {}

  report(q: ReportQuery): Promise<Report> {
    const p = new URLSearchParams({ from: q.from, to: q.to });
    if (q.inboxId) p.set("inboxId", q.inboxId);
    if (q.agentId) p.set("agentId", q.agentId);
    return this.http.request("GET", "/agent/reports?" + p.toString());
  }

  inboxes(): Promise<Answers["GET /agent/settings/inboxes"]> {
    return this.http.request("GET", "/agent/settings/inboxes");
  }

  team(): Promise<Answers["GET /agent/team"]> {
    return this.http.request("GET", "/agent/team");
  }
}
