// A note on an emailed reply stored whole: its new text could not be told
// from the quoted history, so the agent reads all of it.
import type { Message } from "../../shared/wire";

export function ExtractionNote({ message }: { message: Message }) {
  if (message.extraction !== "full") return null;
  return <p class="extraction-note">Shown in full: the reply could not be separated from the quote.</p>;
}
