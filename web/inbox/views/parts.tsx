// Small pieces the views share.
import { useState } from "preact/hooks";
import { initials } from "../../shared/initials";
import { linkSegments } from "../../shared/links";

/** Avatar shows a picture when there is a safe one that loads, initials otherwise. */
export function Avatar({ name, url, size }: { name: string; url?: string; size: "sm" | "md" | "lg" }) {
  const [failed, setFailed] = useState<string>();
  const picture = !!url && /^https?:\/\//i.test(url) && failed !== url;
  return (
    <span class={"avatar " + size} aria-hidden="true">
      {picture ? <img src={url} alt="" referrerpolicy="no-referrer" decoding="async" onError={() => setFailed(url)} /> : initials(name)}
    </span>
  );
}

/**
 * LinkedText is text with its http(s) URLs as links that open in a new
 * tab and leak nothing back; anything else, markup and "javascript:"
 * included, stays text.
 */
export function LinkedText({ text }: { text: string }) {
  return <>{linkSegments(text).map((s) => (s.href ? <a href={s.href} target="_blank" rel="noopener noreferrer nofollow ugc">{s.text}</a> : s.text))}</>;
}

/** Segmented is a group of buttons of which one is pressed. */
export function Segmented<T extends string>(p: { label: string; options: readonly (readonly [T, string])[]; value: T; onPick: (v: T) => void }) {
  return (
    <div class="seg" role="group" aria-label={p.label}>
      {p.options.map(([v, text]) => (
        <button key={v} type="button" aria-pressed={p.value === v} onClick={() => p.onPick(v)}>{text}</button>
      ))}
    </div>
  );
}
