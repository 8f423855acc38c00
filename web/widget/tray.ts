// The chat window's upload tray, a chunk loaded with the first file the
// visitor attaches: each file with its name, size, progress and a button
// that cancels it (or removes it once it failed, saying why). Its styles
// come with it, as a constructed stylesheet (no inline style under the
// page's CSP).
import { pastedName, Tray, type Sent, type Texts } from "../shared/upload";
import type { UploadSlot } from "../shared/wire";
import type { Locale } from "./locale";

// The chat window's own helpers are not imported here: this chunk shares
// no module with it, so nothing the window needs at once moves into a
// chunk of its own.
function el(tag: string, cls: string, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  e.className = cls;
  e.append(...children);
  return e;
}

function size(n: number): string {
  return n < 1000 ? n + " B" : n < 1e6 ? Math.round(n / 1000) + " KB" : (n / 1e6).toFixed(1) + " MB";
}

interface TrayStrings extends Texts {
  cancel: string;
  remove: string;
}

// {name} is the file's, {n} the most files a message carries.
const texts: Record<Locale, TrayStrings> = {
  en: { tooLarge: "{name} is too large to send.", notAccepted: "Files like {name} cannot be sent.", tooMany: "A message carries at most {n} files.", failed: "{name} could not be uploaded.", cancel: "Cancel", remove: "Remove" },
  de: { tooLarge: "{name} ist zu groß zum Senden.", notAccepted: "Dateien wie {name} können nicht gesendet werden.", tooMany: "Eine Nachricht enthält höchstens {n} Dateien.", failed: "{name} konnte nicht hochgeladen werden.", cancel: "Abbrechen", remove: "Entfernen" },
  it: { tooLarge: "{name} è troppo grande per essere inviato.", notAccepted: "File come {name} non possono essere inviati.", tooMany: "Un messaggio contiene al massimo {n} file.", failed: "Impossibile caricare {name}.", cancel: "Annulla", remove: "Rimuovi" },
  fr: { tooLarge: "{name} est trop volumineux pour être envoyé.", notAccepted: "Les fichiers comme {name} ne peuvent pas être envoyés.", tooMany: "Un message contient au plus {n} fichiers.", failed: "{name} n'a pas pu être envoyé.", cancel: "Annuler", remove: "Retirer" },
  pl: { tooLarge: "Plik {name} jest za duży, by go wysłać.", notAccepted: "Plików takich jak {name} nie można wysłać.", tooMany: "Wiadomość może zawierać najwyżej {n} plików.", failed: "Nie udało się przesłać pliku {name}.", cancel: "Anuluj", remove: "Usuń" },
};

const css = `.tray{display:flex;flex-direction:column;gap:6px;padding:8px 12px 0;background:#fff;border-top:1px solid var(--line)}
.tray[hidden]{display:none}
.up{display:grid;grid-template-columns:1fr auto;gap:2px 8px;align-items:center;font-size:13px}
.up-name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.up-bar{grid-column:1;height:4px;border-radius:2px;background:var(--line);overflow:hidden}
.up-bar i{display:block;height:100%;background:var(--c);transition:width .2s}
.up.failed .up-bar{display:none}
.up-err{grid-column:1/-1;margin:0;color:#a3262b;font-size:12.5px}
.up-x{grid-row:1/3;grid-column:2;width:28px;height:28px;border:0;border-radius:8px;background:transparent;color:var(--muted);font-size:18px;line-height:1}
.up-x:hover{background:var(--bg)}`;

export class TrayView {
  private readonly tray: Tray;
  private readonly rows = new Map<number, { el: HTMLElement; bar: HTMLElement; err: HTMLElement; x: HTMLButtonElement }>();

  constructor(private readonly box: HTMLElement, ask: (name: string, size: number) => Promise<UploadSlot>, locale: Locale, private readonly changed: () => void) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    const t = texts[locale] || texts.en;
    this.tray = new Tray({ ask, texts: t, changed: () => this.draw(t), unnamed: pastedName });
  }

  add(files: Blob[]): void {
    this.tray.add(files);
  }

  size(): number {
    return this.tray.size();
  }

  take(): Promise<Sent[]> {
    return this.tray.take();
  }

  // draw updates each file's row in place, so the button under the
  // pointer stays the same node while the progress moves.
  private draw(t: TrayStrings): void {
    const items = this.tray.items();
    const seen = new Set<number>();
    for (const it of items) {
      seen.add(it.id);
      let r = this.rows.get(it.id);
      if (!r) {
        const bar = el("i", "");
        const err = el("p", "up-err");
        err.setAttribute("role", "alert");
        const x = el("button", "up-x", "×") as HTMLButtonElement;
        x.type = "button";
        x.onclick = () => this.tray.remove(it.id);
        const row = el("div", "up", el("span", "up-name", `${it.name} · ${size(it.size)}`), el("span", "up-bar", bar), x, err);
        r = { el: row, bar, err, x };
        this.rows.set(it.id, r);
        this.box.append(row);
      }
      r.el.className = "up " + it.state;
      r.bar.style.width = Math.round(it.progress * 100) + "%";
      r.err.textContent = it.error || "";
      r.err.hidden = !it.error;
      const label = (it.state === "failed" ? t.remove : t.cancel) + ": " + it.name;
      r.x.setAttribute("aria-label", label);
      r.x.title = label;
    }
    for (const [id, r] of this.rows) {
      if (!seen.has(id)) {
        r.el.remove();
        this.rows.delete(id);
      }
    }
    this.box.hidden = !items.length;
    this.changed();
  }
}
