/**
 * How deep the JSON of a request may nest, decided from the raw bytes before anything is parsed
 * (lib/common/json-depth.ts explains why: Node-RED clones a message for every wire after the
 * first, recursively, and a deeply nested `data` would overflow the stack there).
 *
 * The limit is on the event's `data`: `MAX_JSON_DEPTH` levels in every content mode. Structured
 * mode adds one level for the event object, batched mode one more for the array around it.
 */
import { MAX_JSON_DEPTH, jsonTextTooDeep } from "../common/json-depth";
import { type ContentMode, isJsonMediaType } from "../cloudevents";

/** The reason a body is refused (400), or undefined when its nesting is fine or it is not JSON. */
export function tooDeepReason(mode: ContentMode, contentType: string | undefined, body: Buffer): string | undefined {
  let max: number;
  if (mode === "batch") max = MAX_JSON_DEPTH + 2;
  else if (mode === "structured") max = MAX_JSON_DEPTH + 1;
  else if (contentType !== undefined && isJsonMediaType(contentType)) max = MAX_JSON_DEPTH;
  else return undefined; // binary data without a JSON media type is kept as text or bytes, never parsed
  if (!jsonTextTooDeep(body, max)) return undefined;
  return `data is nested deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`;
}
