// The agent's notification preferences, a form of the dialog's chunk
// (views/forms.tsx). They are saved on the server and follow the agent.
import { useState } from "preact/hooks";
import type { Preferences as Prefs } from "../../shared/wire";
import { errorText } from "../text";
import { useInbox } from "./context";

const desktop: readonly (readonly [keyof Prefs["desktop"], string])[] = [
  ["newConversations", "New conversations in my inboxes"],
  ["assigned", "Conversations assigned to me, and their visitors' messages"],
  ["mentions", "Notes that mention me"],
  ["messages", "Every visitor message"],
];

export function Preferences() {
  const inbox = useInbox();
  const [p, setP] = useState(inbox.state.preferences.prefs.peek());
  const [err, setErr] = useState("");
  const permission = inbox.notifier.permission.value;
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      await inbox.savePreferences(p);
      inbox.closeDialog();
    } catch (e) {
      setErr(errorText(e));
    }
  };
  return (
    <form method="dialog" class="profile-form prefs-form" onSubmit={save}>
      <h2 id="dialog-title">Notifications</h2>
      <p class="sub">While the inbox is in a background tab. Saved with your profile, so they follow you to any browser.</p>
      <label class="check">
        <input type="checkbox" name="sound" checked={p.sound} onChange={(e) => setP({ ...p, sound: e.currentTarget.checked })} />
        Play a sound
      </label>
      <fieldset>
        <legend>Desktop notifications for</legend>
        {desktop.map(([k, text]) => (
          <label class="check" key={k}>
            <input type="checkbox" name={k} checked={p.desktop[k]} onChange={(e) => setP({ ...p, desktop: { ...p.desktop, [k]: e.currentTarget.checked } })} />
            {text}
          </label>
        ))}
      </fieldset>
      {permission === "denied" ? <p class="sub">This browser blocks notifications from the inbox: allow them in the site's settings.</p> : null}
      {permission === "default" ? <button class="link" type="button" onClick={() => void inbox.notifier.ask()}>Allow desktop notifications in this browser</button> : null}
      <p class="error" role="alert" hidden={!err}>{err}</p>
      <div class="dialog-bar">
        <button class="ghost" type="button" onClick={() => inbox.closeDialog()}>Cancel</button>
        <button class="primary" type="submit">Save</button>
      </div>
    </form>
  );
}
