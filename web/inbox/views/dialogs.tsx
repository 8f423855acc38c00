// The dialog over the inbox: the agent's profile, the visitor's email
// address, or a transcript to send. One <dialog>; its forms are a chunk
// loaded at the first opening, and each opening makes its form anew, so
// it starts from the current values.
import { useLayoutEffect, useRef } from "preact/hooks";
import { useInbox } from "./context";
import { useChunk } from "./lazy";

export function Dialogs() {
  const inbox = useInbox();
  const d = inbox.dialog.value;
  const { chunk, failure } = useChunk(() => import("./forms"), d !== null);
  const ref = useRef<HTMLDialogElement>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (d && (chunk || failure) && !el.open) el.showModal(); // focuses the form's autofocus field
    if (!d && el.open) el.close();
  }, [d, chunk, failure]);
  return (
    <dialog ref={ref} class="profile" aria-labelledby="dialog-title" onClose={() => inbox.closeDialog()}>
      {d && chunk ? <chunk.Form key={d.serial} d={d} /> : null}
      {d && failure ? <p class="error" role="alert">This dialog could not be loaded: {failure}</p> : null}
    </dialog>
  );
}
