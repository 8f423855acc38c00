// The one script a site embeds:
//
//   <script src="https://chat.example.com/widget/loader.js" data-channel="main" async></script>
//
// It draws the launcher in a shadow root (host CSS can't reach it), fetches
// the channel's public look once, and does nothing else until the visitor
// opens the chat: then it creates the chat window, an iframe on the chat
// window's own origin (neither the site's nor the inbox's), and talks to it
// only with postMessage and exact origin checks. No cookie, no storage, no
// socket on the host page, ever.
import { icons, svg } from "../shared/dom";
import type { WidgetConfig } from "../shared/wire";
import { pickLocale, type Locale } from "./locale";

// Written by shared/webpublish when the file is served or deployed: the
// base URL of the widget's config (its CDN), and the chat window's page.
const API = "__PARLEY_API__";
const FRAME = "__PARLEY_FRAME__";

type Listener = (detail?: unknown) => void;
type EventName = "ready" | "opened" | "closed" | "message";

const labels: Record<Locale, [open: string, close: string, unread: string]> = {
  en: ["Open chat", "Close chat", "unread"],
  de: ["Chat öffnen", "Chat schließen", "ungelesen"],
  it: ["Apri la chat", "Chiudi la chat", "non letti"],
  fr: ["Ouvrir le chat", "Fermer le chat", "non lus"],
  pl: ["Otwórz czat", "Zamknij czat", "nieprzeczytane"],
};

const css = `
:host{all:initial}
*{box-sizing:border-box}
.launcher{position:fixed;bottom:20px;right:20px;width:60px;height:60px;border-radius:50%;border:0;padding:0;margin:0;
 background:var(--c,#2f5bea);color:#fff;cursor:pointer;display:flex;align-items:center;justify-content:center;
 box-shadow:0 6px 20px rgba(16,24,40,.28);transition:transform .16s ease,box-shadow .16s ease}
.launcher:hover{transform:scale(1.06);box-shadow:0 8px 26px rgba(16,24,40,.34)}
.launcher:focus-visible{outline:3px solid #fff;outline-offset:-6px;box-shadow:0 0 0 4px var(--c,#2f5bea),0 6px 20px rgba(16,24,40,.28)}
.launcher svg{transition:transform .2s ease,opacity .2s ease;position:absolute}
.launcher .shut,.open .launcher .chat{opacity:0;transform:rotate(-90deg)}
.open .launcher .shut{opacity:1;transform:none}
.badge{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#e5484d;
 color:#fff;font:700 12px/22px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;text-align:center;border:2px solid #fff}
.badge[hidden]{display:none}
.panel{position:fixed;bottom:96px;right:20px;width:384px;height:min(640px,calc(100vh - 120px));border-radius:18px;overflow:hidden;
 background:#fff;box-shadow:0 16px 56px rgba(16,24,40,.28);opacity:0;transform:translateY(16px) scale(.98);
 transform-origin:bottom right;transition:opacity .18s ease,transform .18s ease;pointer-events:none}
.open .panel{opacity:1;transform:none;pointer-events:auto}
.panel[hidden]{display:none}
.left .launcher{right:auto;left:20px}.left .panel{right:auto;left:20px;transform-origin:bottom left}
iframe{border:0;width:100%;height:100%;display:block;color-scheme:light}
@media (max-width:480px){
 .panel{inset:0;width:auto;height:auto;border-radius:0;bottom:0;right:0}
 .open .launcher{display:none}
}
@media (prefers-reduced-motion:reduce){.launcher,.panel,.launcher svg{transition:none}}
`;

(() => {
  const w = window as unknown as { Parley?: unknown };
  const script = document.currentScript as HTMLScriptElement | null;
  if (w.Parley || !script) return;

  const ds = script.dataset;
  const channel = ds.channel || "main";
  const locale = pickLocale(ds.locale, navigator.languages || [navigator.language]);
  const hash = ds.openHash || "#chat-open";
  const frameOrigin = new URL(FRAME).origin;
  const [openLabel, closeLabel, unreadLabel] = labels[locale];

  const listeners: Record<EventName, Set<Listener>> = { ready: new Set(), opened: new Set(), closed: new Set(), message: new Set() };
  const emit = (ev: EventName, detail?: unknown) => listeners[ev].forEach((fn) => {
    try {
      fn(detail);
    } catch (e) {
      console.error(e);
    }
  });

  // The host element: inline !important declarations win over any site
  // stylesheet, including "* { … !important }" resets.
  const host = document.createElement("parley-chat");
  const pin: Record<string, string> = {
    all: "initial", position: "fixed", "z-index": "2147483647", display: "block", visibility: "visible",
    opacity: "1", transform: "none", filter: "none", contain: "none", width: "0", height: "0",
    bottom: "0", right: "0", top: "auto", left: "auto", margin: "0", padding: "0", "pointer-events": "auto",
  };
  for (const [k, v] of Object.entries(pin)) host.style.setProperty(k, v, "important");
  const root = host.attachShadow({ mode: "open" });
  // A constructed stylesheet needs no 'unsafe-inline' in the site's CSP.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  root.adoptedStyleSheets = [sheet];

  const wrap = document.createElement("div");
  if (ds.position === "left") wrap.className = "left";
  const panel = document.createElement("div");
  panel.className = "panel";
  panel.id = "parley-panel";
  panel.hidden = true;
  const launcher = document.createElement("button");
  launcher.className = "launcher";
  launcher.type = "button";
  launcher.setAttribute("aria-controls", panel.id);
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-label", openLabel);
  const icon = svg(icons.chat, 28);
  const shut = svg(icons.down, 30);
  icon.classList.add("chat");
  shut.classList.add("shut");
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.hidden = true;
  launcher.append(icon, shut, badge);
  wrap.append(panel, launcher);
  root.append(wrap);

  let isOpen = false;
  let frame: HTMLIFrameElement | null = null;
  let frameReady = false;
  let unread = 0;
  let team = "";
  // The host site's signed user id (identify), handed to the chat window
  // whenever it (re)starts.
  let identity: object | null = null;

  const toFrame = (msg: object) => {
    if (frame?.contentWindow && frameReady) frame.contentWindow.postMessage({ parley: 1, ...msg }, frameOrigin);
  };

  const setUnread = (n: number) => {
    unread = n;
    badge.hidden = n === 0;
    badge.textContent = n > 9 ? "9+" : String(n);
    launcher.setAttribute("aria-label", (isOpen ? closeLabel : openLabel) + (n ? ` (${n} ${unreadLabel})` : ""));
  };

  const open = () => {
    if (isOpen) return;
    isOpen = true;
    if (!frame) {
      frame = document.createElement("iframe");
      const q = new URLSearchParams({ channel, locale, origin: location.origin });
      frame.src = FRAME + "?" + q;
      frame.title = team || "Chat";
      panel.append(frame);
    }
    panel.hidden = false;
    // Let the panel lay out before it animates in.
    requestAnimationFrame(() => wrap.classList.add("open"));
    launcher.setAttribute("aria-expanded", "true");
    setUnread(0);
    toFrame({ type: "open" });
    emit("opened");
  };

  const close = (focusLauncher = true) => {
    if (!isOpen) return;
    isOpen = false;
    wrap.classList.remove("open");
    launcher.setAttribute("aria-expanded", "false");
    setUnread(unread);
    toFrame({ type: "hidden" });
    setTimeout(() => {
      if (!isOpen) panel.hidden = true;
    }, 200);
    if (focusLauncher) launcher.focus();
    emit("closed");
  };

  const toggle = () => (isOpen ? close() : open());
  launcher.addEventListener("click", toggle);

  addEventListener("message", (e: MessageEvent) => {
    if (!frame || e.source !== frame.contentWindow || e.origin !== frameOrigin) return;
    const d = e.data as { parley?: number; type?: string; author?: string };
    if (!d || d.parley !== 1) return;
    switch (d.type) {
      case "ready":
        frameReady = true;
        if (identity) toFrame(identity);
        if (isOpen) toFrame({ type: "open" });
        break;
      case "close":
        close();
        break;
      case "message":
        // The site learns that a message came, never what it says.
        if (d.author === "agent" && !isOpen) setUnread(unread + 1);
        emit("message", { author: d.author === "agent" ? "agent" : "visitor" });
        break;
    }
  });

  const byHash = () => {
    if (location.hash === hash) open();
  };
  addEventListener("hashchange", byHash);

  w.Parley = Object.freeze({
    open,
    close: () => close(false),
    toggle,
    isOpen: () => isOpen,
    // identify({externalId, signature}): signature is what the site's
    // backend computed, hex(HMAC-SHA256(identity secret, externalId)).
    identify(o: { externalId: string; signature: string }) {
      identity = { type: "identify", externalId: String(o.externalId), signature: String(o.signature) };
      toFrame(identity);
    },
    on(ev: EventName, fn: Listener) {
      listeners[ev]?.add(fn);
    },
    off(ev: EventName, fn: Listener) {
      listeners[ev]?.delete(fn);
    },
  });

  const mount = () => {
    document.documentElement.append(host);
    byHash();
  };
  if (document.readyState === "loading") addEventListener("DOMContentLoaded", mount);
  else mount();

  // The one request before the visitor opens the chat: public, cacheable,
  // without cookies.
  fetch(`${API}/widget/config?channelId=${encodeURIComponent(channel)}`, { credentials: "omit" })
    .then((r) => (r.ok ? r.json() : null))
    .catch(() => null)
    .then((cfg: WidgetConfig | null) => {
      if (cfg?.color && /^#[0-9a-f]{6}$/i.test(cfg.color)) host.style.setProperty("--c", cfg.color);
      if (cfg?.teamName) {
        team = cfg.teamName;
        if (frame) frame.title = team;
      }
      emit("ready");
    });
})();
