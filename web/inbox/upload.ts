// The reply editor's uploads, a chunk loaded with the first file an agent
// attaches (the tray itself is shared with the widget: shared/upload.ts).
import { type Item, pastedName, Tray } from "../shared/upload";
import type { UploadSlot } from "../shared/wire";

const texts = {
  tooLarge: "{name} is larger than this channel accepts.",
  notAccepted: "Files like {name} cannot be sent.",
  tooMany: "A reply carries at most {n} files.",
  failed: "{name} could not be uploaded.",
};

/** newTray returns the tray of the reply editor; changed hears its items. */
export function newTray(ask: (name: string, size: number) => Promise<UploadSlot>, changed: (items: Item[]) => void): Tray {
  const t: Tray = new Tray({ ask, texts, changed: () => changed(t.items()), unnamed: pastedName });
  return t;
}
