// The HTTP client of the agent routes: a bearer token on every request,
// JSON both ways, and every failure as one APIError.
import type { APIErrorBody, FieldError } from "../../shared/wire";

type ErrorFields = APIErrorBody["error"];

/**
 * APIError is a request the API answered with an error: its HTTP status,
 * the stable code, the message for people, and the extra fields some
 * errors carry (who owns a conversation now, when to try again).
 */
export class APIError extends Error {
  readonly status: number;
  readonly code: string;
  readonly assigneeId?: string;
  readonly retryAfter?: number;
  /** fields are the refused fields of a 400, by their path in the request's body. */
  readonly fields?: FieldError[];

  constructor(status: number, e: Partial<ErrorFields>) {
    super(e.message || `request failed (${status})`);
    this.status = status;
    this.code = e.code || "";
    this.assigneeId = e.assigneeId;
    this.retryAfter = e.retryAfter;
    this.fields = e.fields;
  }
}

export interface HTTPOptions {
  /** base is the HTTP API's URL, without a trailing slash. */
  base: string;
  /** token gives a valid ID token, or throws when there is none. */
  token: () => Promise<string>;
  /** unauthorized hears that the session ended (signed out elsewhere, agent disabled, token refused). */
  unauthorized: (reason: string) => void;
}

export class HTTPClient {
  constructor(private readonly o: HTTPOptions) {}

  async request<T>(method: string, path: string, body?: object): Promise<T> {
    const init = {
      method,
      headers: { authorization: "Bearer " + (await this.o.token()), ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    };
    let r: Response;
    try {
      r = await fetch(this.o.base + path, init);
    } catch {
      // The browser's own words ("Failed to fetch", "NetworkError when
      // attempting to fetch resource.") say nothing to an agent. Not an
      // APIError: whether the request arrived is unknown.
      throw new Error("no connection to the server; check the network and try again");
    }
    const data: unknown = await r.json().catch(() => ({}));
    if (r.ok) return data as T;
    const e = new APIError(r.status, (data as Partial<APIErrorBody>)?.error || {});
    if (r.status === 401) this.o.unauthorized((data as Partial<APIErrorBody>)?.error?.message || "Your session ended.");
    throw e;
  }
}
