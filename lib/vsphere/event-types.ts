/**
 * The event type names offered for `vcenter-in`'s eventTypes filter: every class derived from
 * Event in the type catalog, plus the types a live vCenter describes (its EventEx and
 * ExtendedEvent eventTypeIds are not in any catalog).
 */
import { eventClasses } from "./catalog";
import type { VsphereSession } from "./session";
import { withTimeout } from "./session";

export async function eventTypeNames(session?: VsphereSession, timeoutMs = 3000): Promise<string[]> {
  const names = new Set(eventClasses());
  if (session !== undefined) {
    try {
      for (const n of await withTimeout(session.describedEventTypes(), timeoutMs)) names.add(n);
    } catch {
      // the catalog alone is still a useful list
    }
  }
  return [...names].sort((a, b) => a.localeCompare(b));
}
