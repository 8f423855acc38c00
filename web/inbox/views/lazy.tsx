// Parts of the inbox that the first screen does not need (pages, dialogs)
// are chunks of their own, loaded on first use and cached by the browser
// from then on.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../text";

/** useChunk loads a chunk once it is wanted, and returns it once it is there. */
export function useChunk<M>(load: () => Promise<M>, wanted = true): { chunk?: M; failure?: string } {
  const [got, setGot] = useState<{ chunk?: M; failure?: string }>({});
  useEffect(() => {
    if (!wanted || got.chunk) return;
    let here = true;
    load().then((chunk) => here && setGot({ chunk }), (e) => here && setGot({ failure: errorText(e) }));
    return () => {
      here = false;
    };
  }, [wanted]);
  return got;
}

/** Lazy shows a page that is a chunk of its own. */
export function Lazy<P extends object>({ load, props }: { load: () => Promise<{ Page: ComponentType<P> }>; props: P }) {
  const { chunk, failure } = useChunk(load);
  if (chunk) return <chunk.Page {...props} />;
  return <p class="empty" role="status">{failure ? "This page could not be loaded: " + failure : "Loading…"}</p>;
}
