/**
 * Field paths of vSphere CloudEvents for the editor's filter autocomplete: the CloudEvent
 * attributes and, from the type catalog (lib/vsphere/catalog.ts), the `data` fields of the
 * chosen event classes (`data.Vm.Name`, `data.ConfigSpec.DeviceChange`, `data.CreatedTime`).
 *
 * Arrays are not part of a path (an event pattern matches any element), polymorphic fields
 * list the fields of their declared base class, and AnyType values end the path. The answer is
 * bounded: at most MAX_FIELD_CLASSES classes are read, paths go at most MAX_FIELD_DEPTH levels
 * below `data`, and at most MAX_FIELD_PATHS paths are returned.
 */

import * as catalog from "./catalog";

/** CloudEvent attributes a vcenter-in event can carry (both formats). */
export const CLOUDEVENT_ATTRIBUTES: readonly string[] = [
  "type", "source", "id", "time", "subject", "specversion", "datacontenttype", "eventclass", "vsphereapiversion",
];

export const DEFAULT_FIELD_DEPTH = 3;
export const MAX_FIELD_DEPTH = 6;
export const MAX_FIELD_CLASSES = 100;
export const MAX_FIELD_PATHS = 2000;

/**
 * The field paths of events of the given classes, attributes first, then the `data` paths
 * sorted. Class names the catalog does not know as event classes are ignored. `depth` counts
 * levels below `data` (1: `data.Vm`; 2: `data.Vm.Name`).
 */
export function fieldPaths(classNames: readonly string[], depth = DEFAULT_FIELD_DEPTH): string[] {
  const maxDepth = Number.isInteger(depth) ? Math.min(Math.max(depth, 1), MAX_FIELD_DEPTH) : DEFAULT_FIELD_DEPTH;
  const budget = MAX_FIELD_PATHS - CLOUDEVENT_ATTRIBUTES.length;
  const found = new Set<string>();
  const classes = Array.isArray(classNames) ? classNames.slice(0, MAX_FIELD_CLASSES) : [];

  const visit = (typeName: string, prefix: string, level: number): void => {
    const info = catalog.typeInfo(typeName);
    if (info === undefined) return;
    for (const f of info.fields) {
      if (found.size >= budget) return;
      const p = `${prefix}.${f.goName}`;
      found.add(p);
      if (level < maxDepth && f.kind === "struct" && f.typeName !== undefined) visit(f.typeName, p, level + 1);
    }
  };

  for (const name of classes) {
    if (typeof name !== "string" || !catalog.isEventClass(name)) continue;
    visit(name, "data", 1);
    if (found.size >= budget) break;
  }
  return [...CLOUDEVENT_ATTRIBUTES, ...[...found].sort()];
}
