// Sound and desktop notifications while the inbox's tab is hidden, of what
// the agent's preferences ask for (state/preferences.ts). Browsers allow
// sound only after a gesture, so the audio context is made on the first
// click.
import { signal } from "@preact/signals";
import type { Alert } from "./state/preferences";
import { alertText } from "./text";

const supported = typeof Notification !== "undefined";

export class Notifier {
  /** permission is the desktop notification permission; "unsupported" without the API. */
  readonly permission = signal<NotificationPermission | "unsupported">(supported ? Notification.permission : "unsupported");
  private audio: AudioContext | null = null;

  /** open shows a conversation: a notification's click goes there. */
  constructor(private readonly open: (conversationId: string) => void) {
    addEventListener("pointerdown", () => {
      this.audio ??= new AudioContext();
    }, { once: true });
  }

  async ask(): Promise<void> {
    this.audio ??= new AudioContext();
    if (!supported) return;
    await Notification.requestPermission();
    this.permission.value = Notification.permission;
  }

  /** alert tells an agent who is elsewhere of a, with a chime when sound is on. */
  alert(a: Alert, sound: boolean): void {
    if (!document.hidden) return;
    if (sound) this.chime();
    if (!supported || Notification.permission !== "granted") return;
    const t = alertText(a);
    const n = new Notification(t.title, { body: t.body, tag: t.conversationId });
    n.onclick = () => {
      focus();
      this.open(t.conversationId);
      n.close();
    };
  }

  private chime(): void {
    const audio = this.audio;
    if (!audio) return;
    const t0 = audio.currentTime;
    for (const [i, f] of [880, 1320].entries()) {
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t0 + i * 0.12);
      g.gain.exponentialRampToValueAtTime(0.15, t0 + i * 0.12 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.12 + 0.25);
      o.connect(g).connect(audio.destination);
      o.start(t0 + i * 0.12);
      o.stop(t0 + i * 0.12 + 0.3);
    }
  }
}
