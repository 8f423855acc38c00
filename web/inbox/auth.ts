// Sign-in with OpenID Connect: authorization code flow with PKCE, as a
// public client (no secret in the browser). Works with Cognito's hosted UI
// and with the local cloud's issuer alike. Tokens live in sessionStorage:
// one tab, gone when it closes.

export interface OIDC {
  authorize: string;
  token: string;
  logout: string;
  clientId: string;
}

interface Tokens {
  idToken: string;
  refreshToken?: string;
  expiresAt: number;
}

/** Flow is a sign-in under way: what the answer must match, and where the agent was. */
interface Flow {
  state: string;
  verifier: string;
  redirect: string;
  /** hash is the place in the inbox the sign-in interrupted (a deep link). */
  hash: string;
}

const tokensKey = "parley.inbox.tokens";
const flowKey = "parley.inbox.flow";

function b64url(bytes: Uint8Array): string {
  let s = "";
  bytes.forEach((b) => (s += String.fromCharCode(b)));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function random(n: number): string {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

function redirectURI(): string {
  return location.origin + location.pathname;
}

export class Auth {
  private tokens: Tokens | null = null;

  constructor(private readonly o: OIDC) {
    try {
      this.tokens = JSON.parse(sessionStorage.getItem(tokensKey) || "null");
    } catch {
      this.tokens = null;
    }
  }

  /** signIn finishes a redirect back from the issuer, or starts one. */
  async signIn(): Promise<boolean> {
    const q = new URLSearchParams(location.search);
    if (q.has("code") || q.has("error")) {
      const flow = JSON.parse(sessionStorage.getItem(flowKey) || "null") as Flow | null;
      sessionStorage.removeItem(flowKey);
      // Back where the agent was going: the issuer's redirect drops the hash.
      history.replaceState(null, "", redirectURI() + (flow?.hash || ""));
      if (q.has("error")) throw new Error(q.get("error_description") || q.get("error") || "sign-in failed");
      if (!flow || flow.state !== q.get("state")) throw new Error("The sign-in answer does not match this tab's request.");
      await this.exchange({ grant_type: "authorization_code", code: q.get("code") || "", redirect_uri: flow.redirect, code_verifier: flow.verifier });
      return true;
    }
    if (this.tokens) return true;
    await this.redirect();
    return false;
  }

  private async redirect(): Promise<void> {
    const verifier = random(48);
    const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
    const state = random(16);
    const flow: Flow = { state, verifier, redirect: redirectURI(), hash: location.hash };
    sessionStorage.setItem(flowKey, JSON.stringify(flow));
    const q = new URLSearchParams({
      response_type: "code", client_id: this.o.clientId, redirect_uri: redirectURI(), scope: "openid email profile",
      state, nonce: random(16), code_challenge: challenge, code_challenge_method: "S256",
    });
    location.assign(this.o.authorize + "?" + q);
  }

  private async exchange(params: Record<string, string>): Promise<void> {
    const r = await fetch(this.o.token, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: this.o.clientId, ...params }),
    });
    if (!r.ok) throw new Error("The identity provider refused the sign-in (" + r.status + ").");
    const t = await r.json();
    this.tokens = {
      idToken: t.id_token,
      refreshToken: t.refresh_token || this.tokens?.refreshToken,
      expiresAt: Date.now() + (t.expires_in || 3600) * 1000,
    };
    sessionStorage.setItem(tokensKey, JSON.stringify(this.tokens));
  }

  /** token returns a valid ID token, refreshing it shortly before expiry. */
  async token(): Promise<string> {
    if (!this.tokens) throw new Error("signed out");
    if (Date.now() > this.tokens.expiresAt - 120_000) {
      if (!this.tokens.refreshToken) {
        this.forget();
        await this.redirect();
        throw new Error("session expired");
      }
      await this.exchange({ grant_type: "refresh_token", refresh_token: this.tokens.refreshToken });
    }
    return this.tokens.idToken;
  }

  forget(): void {
    this.tokens = null;
    sessionStorage.removeItem(tokensKey);
  }

  signOut(): void {
    this.forget();
    const q = new URLSearchParams({ client_id: this.o.clientId, logout_uri: redirectURI() });
    location.assign(this.o.logout + "?" + q);
  }
}
