/**
 * Internalized strings for the few distinct Region and AZ names the catalog joins into names.
 *
 * V8's `Array.prototype.join` makes a two-byte string (two bytes a character) when one of its
 * pieces is a "thin" string: one that became a property key after it was made, and so now points
 * at its internalized copy. A Region name is such a string by the time the catalog is built (the
 * rules look things up by Region), so every endpoint name, ASCII as it is, took twice its memory
 * for the catalog's life: 96 bytes more for a 98-character zonal name, about 5 MB for 10,000
 * endpoints in every process that answers. An internalized string is never thin.
 *
 * Taking a string through {@link internalized} thins the string given, so a piece taken through
 * it must be taken through it wherever it is joined. Imports nothing of the project.
 */

const seen = new Map<string, string>();

/** The internalized string equal to `s` (kept for the first 4,096 distinct values). */
export function internalized(s: string): string {
  let c = seen.get(s);
  if (c === undefined) {
    // A property key is the internalized string itself.
    c = Object.keys({ [s]: 0 })[0] as string;
    if (seen.size < 4096) seen.set(c, c);
  }
  return c;
}
