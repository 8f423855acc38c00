// Small DOM helpers. Text only ever enters the page as text nodes or
// textContent, never as HTML.
import { initials } from "./initials";
import { linkSegments } from "./links";

type Attrs = Record<string, string | boolean | number | undefined | ((e: Event) => void)>;
type Child = Node | string | null | undefined | false;

/** h creates an element with attributes, listeners (on…) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c) el.append(c);
  return el;
}

/** svg builds an icon from path data (no markup parsing involved). */
export function svg(d: string, size = 20): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const s = document.createElementNS(ns, "svg");
  s.setAttribute("viewBox", "0 0 24 24");
  s.setAttribute("width", "" + size);
  s.setAttribute("height", "" + size);
  s.setAttribute("aria-hidden", "true");
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", d);
  p.setAttribute("fill", "currentColor");
  s.append(p);
  return s;
}

/**
 * renderText puts text into el as text nodes, with http(s) URLs as links
 * that open in a new tab and leak nothing back. Anything else, including
 * "javascript:" and markup, stays plain text (linkSegments decides).
 */
export function renderText(el: HTMLElement, text: string): void {
  el.textContent = "";
  for (const s of linkSegments(text)) {
    el.append(s.href ? h("a", { href: s.href, target: "_blank", rel: "noopener noreferrer nofollow ugc" }, s.text) : s.text);
  }
}

/** avatar shows a picture when there is a safe one, initials otherwise. */
export function avatar(name: string, url: string | undefined, cls: string): HTMLElement {
  const box = h("span", { class: cls, "aria-hidden": "true" });
  if (url && /^https?:\/\//i.test(url)) {
    const img = h("img", { src: url, alt: "", referrerpolicy: "no-referrer", decoding: "async" });
    img.addEventListener("error", () => box.replaceChildren(initials(name)));
    box.append(img);
  } else {
    box.textContent = initials(name);
  }
  return box;
}

export function uuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** env reads the API URLs the server wrote into the page. */
export function readEnv<T>(): T {
  const meta = document.querySelector('meta[name="parley-env"]');
  return JSON.parse(meta?.getAttribute("content") || "{}") as T;
}

/**
 * reconcile makes parent's children exactly nodes, touching only what
 * changed, so a live region announces new rows and nothing else.
 */
export function reconcile(parent: HTMLElement, nodes: HTMLElement[]): void {
  const keep = new Set<Element>(nodes);
  for (const c of Array.from(parent.children)) if (!keep.has(c)) c.remove();
  nodes.forEach((n, i) => {
    if (parent.children[i] !== n) parent.insertBefore(n, parent.children[i] || null);
  });
}

/** Rows keeps one element per key and rebuilds it only when sig changes. */
export class Rows {
  private cache = new Map<string, { sig: string; el: HTMLElement }>();
  private next = new Map<string, { sig: string; el: HTMLElement }>();

  row(key: string, sig: string, make: () => HTMLElement): HTMLElement {
    let r = this.cache.get(key);
    if (!r || r.sig !== sig) r = { sig, el: make() };
    this.next.set(key, r);
    return r.el;
  }

  /** drawn is the element of key in the last drawing, if it had one. */
  drawn(key: string): HTMLElement | undefined {
    return this.cache.get(key)?.el;
  }

  /** done drops the rows not asked for since the last done. */
  done(): void {
    this.cache = this.next;
    this.next = new Map();
  }
}
