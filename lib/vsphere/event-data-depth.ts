/**
 * The converter's nesting limit (lib/vsphere/event-data.ts).
 */
import type { Conversion } from "./event-data-classes";

/**
 * Nesting deeper than this (real events stay below 20 levels; recursive types such as
 * LocalizedMethodFault.fault.faultCause allow any depth) is cut: the deeper value becomes null
 * in JSON and is left empty in XML, with one warning. Keeps a hostile page from overflowing
 * the stack.
 */
export const MAX_DEPTH = 200;

export function tooDeep(ctx: Conversion): null {
  ctx.classes.warnOnce(
    "(nesting deeper than " + MAX_DEPTH + " levels)",
    null,
    `a vSphere event nests deeper than ${MAX_DEPTH} levels; the deeper values are converted as null`,
  );
  return null;
}
