// The one script a site embeds:
//
//   <script src="https://chat.example.com/widget/loader.js" data-channel="main" async></script>
//
// It fetches the channel's public config (look, available or away, and the
// targeting rules, which it matches against the page's address here: the
// address never leaves the page), draws the launcher in a shadow root (host
// CSS can't reach it) once the config says the page gets the widget (never
// before: no launcher that then goes), and does nothing else until the
// visitor opens the chat: then it creates the chat window, an iframe on the
// chat window's own origin (neither the site's nor the inbox's), hands it
// the config with the flow the rules chose for the page, and talks to it
// only with postMessage and exact origin checks. No cookie, no storage, no
// socket on the host page, ever. The config is fetched again, and the rules
// matched again, every 30 seconds while the page is visible, and at the
// moment the schedule says availability changes, so a change of the
// settings (or a single-page site's move to another page) reaches the
// launcher within a minute; never while the page is hidden.
import { svg } from "../shared/dom";
import { chatIcon, downIcon } from "../shared/icons";
import type { WidgetConfig } from "../shared/wire";
import css from "./loader.css?sheet";
import { pickLocale, type Locale } from "./locale";
import { target } from "./pages";

// Written by shared/webpublish when the file is served or deployed: the
// base URL of the widget's config (its CDN), and the chat window's page.
const API = "__PARLEY_API__";
const FRAME = "__PARLEY_FRAME__";

type Listener = (detail?: unknown) => void;
type EventName = "ready" | "opened" | "closed" | "message";

// The launcher's labels. The word for unread messages comes from the chat
// window (with its "ready"): only the window reports messages.
const labels: Record<Locale, [open: string, close: string]> = {
  en: ["Open chat", "Close chat"],
  de: ["Chat öffnen", "Chat schließen"],
  it: ["Apri la chat", "Chiudi la chat"],
  fr: ["Ouvrir le chat", "Fermer le chat"],
  pl: ["Otwórz czat", "Zamknij czat"],
};


(() => {
  const w = window as unknown as { Parley?: unknown };
  const script = document.currentScript as HTMLScriptElement | null;
  if (w.Parley || !script) return;

  const ds = script.dataset;
  const channel = ds.channel || "main";
  const langs = [ds.locale, ...(navigator.languages || [])];
  let locale: Locale = "en";
  const hash = ds.openHash || "#chat-open";
  const frameOrigin = new URL(FRAME).origin;

  const listeners: Partial<Record<EventName, Set<Listener>>> = {};
  // Each listener runs on its own, after the event: one that throws
  // stops neither the others nor the widget.
  const emit = (ev: EventName, detail?: unknown) => listeners[ev]?.forEach((fn) => setTimeout(fn, 0, detail));

  // The host element: inline !important declarations win over any site
  // stylesheet, including "* { … !important }" resets; all:initial pins
  // every property the lines after it do not set.
  const host = document.createElement("parley-chat");
  host.style.cssText = "all:initial;position:fixed;z-index:2147483647;display:block;width:0;height:0;bottom:0;right:0".replace(/;|$/g, "!important;");
  const root = host.attachShadow({ mode: "open" });
  // A constructed stylesheet needs no 'unsafe-inline' in the site's CSP.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  root.adoptedStyleSheets = [sheet];

  const wrap = document.createElement("div");
  const panel = document.createElement("div");
  panel.className = "panel";
  panel.id = "parley-panel";
  panel.hidden = true;
  const launcher = document.createElement("button");
  launcher.className = "launcher";
  launcher.type = "button";
  launcher.setAttribute("aria-controls", panel.id);
  const icon = svg(chatIcon, 28);
  const shut = svg(downIcon, 30);
  icon.classList.add("chat");
  shut.classList.add("shut");
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.hidden = true;
  const text = document.createElement("span");
  launcher.append(icon, shut, text, badge);
  wrap.append(panel, launcher);
  root.append(wrap);

  let isOpen = false;
  let frame: HTMLIFrameElement | null = null;
  // The chat window, once it said it is ready: before that, a message
  // would reach a document of another origin, or no listener.
  let ready: Window | null = null;
  let unread = 0;
  let unreadLabel = "";
  let cfg: WidgetConfig | null = null;
  // off: the page gets no widget: until a config came, or when the
  // channel's rules say so. asked: the site opened the chat before the
  // config came; the config opens it (unless it says no widget).
  let off = true;
  let asked = false;
  // What the host site says (identify, setAttributes) and the page the
  // chat window is shown on, handed to the window when it (re)starts, when
  // the site calls, and every second (so single-page navigation is seen
  // within one; a full load starts a new window). The window exists only
  // once the visitor opened it; it sends on what is new, the page only
  // while a conversation is open.
  let identity: object | undefined;
  const attributes = {};

  const toFrame = (msg: object) => ready?.postMessage({ parley: 1, ...msg }, frameOrigin);
  const site = () => toFrame({ type: "site", identity, attributes, url: location.href, title: document.title, referrer: document.referrer });
  const configToFrame = () => toFrame({ type: "config", config: cfg });

  // paint draws the launcher's state: its label, the unread count, and
  // whether it shows at all: not on a page without the widget, nor while
  // away if the channel says so, unless the chat is open (it closes it).
  const paint = (n = unread) => {
    const [openLabel, closeLabel] = labels[locale];
    unread = n;
    badge.hidden = !n;
    badge.textContent = n > 9 ? "9+" : "" + n;
    launcher.setAttribute("aria-label", (isOpen ? closeLabel : text.textContent || openLabel) + (n ? ` (${n} ${unreadLabel})` : ""));
    launcher.setAttribute("aria-expanded", "" + isOpen);
    launcher.hidden = !isOpen && (off || (!cfg!.available && cfg!.away.mode === "hide"));
  };

  const open = () => {
    asked = !cfg;
    if (isOpen || off) return;
    isOpen = true;
    if (!frame) {
      frame = document.createElement("iframe");
      const q = new URLSearchParams({ channel, locale, origin: location.origin });
      frame.src = FRAME + "?" + q;
      frame.title = cfg!.teamName;
      panel.append(frame);
      setInterval(site, 1e3);
    }
    panel.hidden = false;
    // Let the panel lay out before it animates in.
    requestAnimationFrame(() => wrap.classList.add("open"));
    paint(0);
    toFrame({ type: "open" });
    emit("opened");
  };

  const close = (focusLauncher = true) => {
    if (!isOpen) return;
    isOpen = false;
    wrap.classList.remove("open");
    paint();
    toFrame({ type: "hidden" });
    setTimeout(() => (panel.hidden = !isOpen), 200);
    if (focusLauncher) launcher.focus();
    emit("closed");
  };

  const toggle = () => (isOpen ? close() : open());
  launcher.addEventListener("click", toggle);

  addEventListener("message", (e: MessageEvent) => {
    if (e.source !== frame?.contentWindow || e.origin !== frameOrigin) return;
    const d = e.data as { parley?: number; type?: string; author?: string; unread?: string };
    if (d?.parley !== 1) return;
    switch (d.type) {
      case "ready":
        ready = e.source as Window;
        unreadLabel = "" + d.unread;
        configToFrame();
        site();
        if (isOpen) toFrame({ type: "open" });
        break;
      case "close":
        close();
        break;
      case "message":
        // The site learns that a message came, never what it says.
        if (d.author === "agent" && !isOpen) paint(unread + 1);
        emit("message", { author: d.author === "agent" ? "agent" : "visitor" });
        break;
    }
  });

  const byHash = () => {
    if (location.hash === hash) open();
  };
  addEventListener("hashchange", byHash);

  w.Parley = {
    open,
    close: () => close(false),
    toggle,
    isOpen: () => isOpen,
    // identify({externalId, name?, email?, issuedAt?, signature}): what the
    // site's backend signed (docs/identify.md); the chat window checks it.
    identify(o: object) {
      identity = o;
      site();
    },
    // setAttributes({plan: "pro", …}): kept unverified; null removes one.
    setAttributes(o: object) {
      Object.assign(attributes, o);
      site();
    },
    on(ev: EventName, fn: Listener) {
      (listeners[ev] ||= new Set()).add(fn);
    },
    off(ev: EventName, fn: Listener) {
      listeners[ev]?.delete(fn);
    },
  };

  // The one request before the visitor opens the chat: public, cacheable,
  // without cookies. Again every 30 s while the page is visible, and at
  // the next change of availability (a few seconds after it, so that not
  // every page of a busy site asks at the same instant); a timer that
  // fires while the page is hidden waits until it is visible again.
  let timer: ReturnType<typeof setTimeout>;
  let due = false;
  const load = () => {
    due = document.hidden;
    if (due) return;
    fetch(`${API}/widget/config?channelId=${encodeURIComponent(channel)}`, { credentials: "omit" })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null)
      .then((c: WidgetConfig | null) => {
        const wait = c?.nextChange ? Date.parse(c.nextChange) - Date.now() + Math.random() * 3e3 : 0;
        if (c) {
          off = !target(c, location);
          cfg = c;
          if (/^#[0-9a-f]{6}$/i.test(c.color)) host.style.setProperty("--c", c.color);
          wrap.classList.toggle("left", (ds.position || c.position) === "left");
          text.textContent = c.launcherText || "";
          launcher.classList.toggle("text", !!c.launcherText);
          locale = pickLocale([...langs, c.language]);
          if (frame) frame.title = c.teamName;
          configToFrame();
        }
        paint();
        // The first answer mounts the host element (nothing in it shows
        // unless the config said so) and opens the chat if the site or the
        // page's address asked before it.
        if (!timer) {
          document.documentElement.append(host);
          emit("ready");
          byHash();
        }
        timer = setTimeout(load, wait > 0 && wait < 3e4 ? wait : 3e4);
        if (asked) open();
      });
  };
  addEventListener("visibilitychange", () => due && load());
  load();
})();
