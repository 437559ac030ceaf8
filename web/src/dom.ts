// A tiny DOM helper shared by every page (no map library needed): elements with attributes and
// plain text (never HTML), so user text can never become markup.

/** A new element with attributes and, optionally, its text (set as text, never as HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
