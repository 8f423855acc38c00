// The pure half of the link renderer: text in, segments out, no DOM. A
// segment with an href is an http(s) URL found in the text; everything else
// is plain text. Joining the segments' text gives the input back exactly.

export interface Segment {
  text: string;
  href?: string;
}

// A URL runs from http(s):// to the first space, quote or angle bracket;
// one pass, no nested quantifiers, so no input makes it backtrack.
const urlPattern = /\bhttps?:\/\/[^\s<>"'`]+/gi;

// Punctuation that ends a sentence rather than a URL.
const trailing = ".,;:!?)]}";

/** trimTrailing drops sentence punctuation from the end of a URL, in one pass from the end. */
function trimTrailing(s: string): string {
  let end = s.length;
  while (end > 0 && trailing.includes(s[end - 1])) end--;
  return s.slice(0, end);
}

/**
 * linkSegments splits text into plain text and http(s) links. Anything
 * that is not a valid http(s) URL ("javascript:", markup, a bare
 * "http://") stays plain text.
 */
export function linkSegments(text: string): Segment[] {
  const out: Segment[] = [];
  const plain = (s: string) => {
    if (!s) return;
    const prev = out[out.length - 1];
    if (prev && prev.href === undefined) prev.text += s;
    else out.push({ text: s });
  };
  let last = 0;
  for (const m of text.matchAll(urlPattern)) {
    const at = m.index ?? 0;
    const raw = trimTrailing(m[0]);
    plain(text.slice(last, at));
    let url: URL | null = null;
    try {
      url = new URL(raw);
    } catch {
      url = null;
    }
    if (url && (url.protocol === "https:" || url.protocol === "http:")) out.push({ text: raw, href: url.href });
    else plain(raw);
    last = at + raw.length;
  }
  plain(text.slice(last));
  return out;
}
