// The live preview of a chat channel's widget: the launcher and an open
// chat window as the widget draws them, with the channel's colour, texts
// and language, available or away. A drawing, not the widget: nothing is
// loaded, and every text is text.
import { chatIcon, clipIcon, sendIcon } from "../../shared/icons";
import { initials } from "../../shared/initials";
import { languages } from "../state/channel";
import type { ChannelEditor } from "../state/settings";

export function Preview({ ed }: { ed: ChannelEditor }) {
  const p = ed.preview.value;
  const t = p.t;
  const away = ed.away.value;
  const picture = !!p.avatarUrl && /^https?:\/\//i.test(p.avatarUrl);
  const avatar = (cls: string) => (
    <span class={"pv-avatar " + cls} aria-hidden="true">
      {picture ? <img src={p.avatarUrl} alt="" referrerpolicy="no-referrer" /> : initials(p.teamName)}
    </span>
  );
  return (
    <aside class="preview-col" aria-labelledby="preview-title">
      <div class="preview-head">
        <h4 id="preview-title">Preview</h4>
        <div class="pv-modes" role="radiogroup" aria-label="Preview the widget">
          {([[false, "Available"], [true, "Away"]] as const).map(([v, label]) => (
            <label key={label}>
              <input type="radio" name="pv-mode" checked={away === v} onChange={() => (ed.away.value = v)} />
              {label}
            </label>
          ))}
        </div>
      </div>
      <div class={"pv" + (p.left ? " left" : "")} style={{ "--pc": p.color }} data-preview={away ? "away" : "available"}>
        <div class="pv-window">
          <div class="pv-head">
            {avatar("lg")}
            <div>
              <p class="pv-name">{p.teamName}</p>
              <p class="pv-sub">{p.replyTime}</p>
            </div>
          </div>
          <div class="pv-log">
            <div class={"pv-row" + (away ? " away" : "")}>
              {avatar("sm")}
              <p class="pv-bubble">{away ? p.awayMessage : p.greeting}</p>
            </div>
            {away ? (
              <div class="pv-capture">
                <p class="pv-cap-title">{t.emailAsk}</p>
                <p class="pv-cap-sub">{t.emailAskSub}</p>
                <div class="pv-cap-row"><span class="pv-input">name@example.com</span><span class="pv-btn">{t.emailSave}</span></div>
              </div>
            ) : null}
          </div>
          <div class="pv-composer">
            <svg class="pv-clip" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d={clipIcon} /></svg>
            <span class="pv-input">{t.placeholder}</span>
            <span class="pv-send">
              <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="currentColor" d={sendIcon} /></svg>
            </span>
          </div>
          {p.poweredBy ? <p class="pv-powered">{t.poweredBy}</p> : null}
        </div>
        {p.hidden ? (
          <p class="pv-hidden">The launcher is hidden while nobody is available.</p>
        ) : (
          <span class={"pv-launcher" + (p.launcherText ? " text" : "")}>
            <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true"><path fill="currentColor" d={chatIcon} /></svg>
            {p.launcherText ? <span class="pv-launcher-text">{p.launcherText}</span> : null}
          </span>
        )}
      </div>
      <p class="hint">The widget's own strings are in {languages.find(([l]) => l === ed.form.value.value.look.language)?.[1]}; visitors whose browser prefers another of its languages see that one.</p>
    </aside>
  );
}
