/** The palette's search over the engine's catalog. */
import type { CatalogEntry } from './graph';

/** Entries whose type, category or description hold every word typed; those whose type holds the text as typed first. */
export function matchingEntries(catalog: CatalogEntry[], query: string): CatalogEntry[] {
  const text = query.trim().toLowerCase();
  const words = text.split(/\s+/).filter(Boolean);
  const matches = catalog.filter((c) => {
    const haystack = `${c.type} ${c.category} ${c.description}`.toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
  const inType = (c: CatalogEntry) => (c.type.toLowerCase().includes(text) ? 0 : 1);
  return matches.sort((a, b) => inType(a) - inType(b));
}
