// A module of its own: the inbox's first screen and its settings page
// both draw initials, and nothing else of shared/dom.ts is the settings'.

/** initials of a name, for an avatar without a picture. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const s = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] || "?").slice(0, 2);
  return s.toUpperCase();
}
