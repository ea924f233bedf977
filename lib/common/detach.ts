/**
 * Strings that outlive the text they were cut from. V8 represents a substring of 13 characters
 * or more (slice, substring, a regular expression's match) as a view of its parent: a 30-char
 * createdTime cut from a 64 KB piece of an event page keeps the whole piece alive. Kept for long
 * (a position, the in-flight window, the reader's memory of recent keys), such views made every
 * page's text outlive the young generation: ~140 MB per 100,000 events promoted and left for a
 * full collection (issue 16). `detach` gives a string with its own memory.
 */

/** V8's shortest sliced string (SlicedString::kMinLength); shorter substrings are copied */
const SLICE_MIN = 13;

export function detach(s: string): string {
  // shorter substrings are copies already
  if (s.length < SLICE_MIN) return s;
  // the concatenation is flattened into a new string by slice(); the result is a view of that
  // new string, one character longer than `s`, and of nothing else
  return (" " + s).slice(1);
}
