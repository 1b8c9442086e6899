import type { ChatMessage } from '../../protocol';

/** Inserts or replaces messages by id, keeping server order (createdAt, then arrival). */
export function mergeMessages(current: ChatMessage[], incoming: ChatMessage[]): ChatMessage[] {
  if (incoming.length === 0) return current;
  const byId = new Map(current.map((m) => [m.id, m]));
  const next = [...current];
  for (const m of incoming) {
    if (byId.has(m.id)) {
      const at = next.findIndex((x) => x.id === m.id);
      next[at] = m;
    } else {
      next.push(m);
    }
    byId.set(m.id, m);
  }
  // Stable: equal times keep the order they arrived in.
  // ISO 8601 UTC strings order as text; `localeCompare` would load the collator for nothing.
  return next.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

const twoDigits = (n: number) => String(n).padStart(2, '0');

/**
 * A message's time as "14:05", local time, built by hand: a page's first Intl formatter loads the
 * locale's data, which a profile of a tutor's page caught taking 100 ms of a busy core just as the
 * students' links were being set up (the first join lines arrive then).
 */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  return `${twoDigits(d.getHours())}:${twoDigits(d.getMinutes())}`;
}

/** Splits text into plain runs and http(s) links, so links can be rendered safely and nothing else as markup. */
export function linkify(text: string): Array<{ kind: 'text' | 'link'; value: string }> {
  const parts: Array<{ kind: 'text' | 'link'; value: string }> = [];
  const re = /\bhttps?:\/\/[^\s<>"']+/gi;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // Trailing punctuation is usually the sentence's, not the link's.
    const url = m[0].replace(/[.,;:!?)\]]+$/, '');
    if (m.index > last) parts.push({ kind: 'text', value: text.slice(last, m.index) });
    parts.push({ kind: 'link', value: url });
    last = m.index + url.length;
    re.lastIndex = last;
  }
  if (last < text.length) parts.push({ kind: 'text', value: text.slice(last) });
  return parts;
}
