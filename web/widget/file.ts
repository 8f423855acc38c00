// The page the file links of emails point at: it trades the signed token in
// its fragment (which never reaches a server's logs) for a fresh download
// URL on the files origin and goes there; an expired link, a file erased
// since or one a malware scan stopped says so instead.
import { readEnv } from "../shared/dom";
import type { Download } from "../shared/wire";
import { pickLocale } from "./locale";
import "./file.css";

const texts = {
  en: ["Opening the file…", "This link has expired or the file is no longer available. Reply to the email to ask for it again.", "This file is not available: the malware scan stopped it."],
  de: ["Die Datei wird geöffnet…", "Dieser Link ist abgelaufen oder die Datei ist nicht mehr verfügbar. Antworten Sie auf die E-Mail, um sie erneut anzufordern.", "Diese Datei ist nicht verfügbar: Die Malware-Prüfung hat sie gestoppt."],
  it: ["Apertura del file…", "Questo link è scaduto o il file non è più disponibile. Rispondi all'email per richiederlo di nuovo.", "Questo file non è disponibile: il controllo antimalware l'ha bloccato."],
  fr: ["Ouverture du fichier…", "Ce lien a expiré ou le fichier n'est plus disponible. Répondez à l'e-mail pour le redemander.", "Ce fichier n'est pas disponible : l'analyse antivirus l'a bloqué."],
  pl: ["Otwieranie pliku…", "Ten link wygasł lub plik nie jest już dostępny. Odpowiedz na e-mail, aby poprosić o niego ponownie.", "Ten plik jest niedostępny: skanowanie antywirusowe go zatrzymało."],
};

const locale = pickLocale(navigator.languages || []);
const [opening, gone, blocked] = texts[locale];
document.documentElement.lang = locale;
const status = document.getElementById("status") as HTMLElement;
status.textContent = opening;

async function open(): Promise<void> {
  const token = decodeURIComponent(location.hash.slice(1));
  const r = await fetch(readEnv<{ httpApi: string }>().httpApi + "/widget/downloads", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token }), credentials: "omit",
  });
  if (!r.ok) {
    status.textContent = r.status === 403 ? blocked : gone;
    return;
  }
  location.replace(((await r.json()) as Download).url);
}

open().catch(() => (status.textContent = gone));
