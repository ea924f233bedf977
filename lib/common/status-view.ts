/**
 * What a node shows under it (sources and sinks alike): a fill, a shape and one or more parts,
 * each an i18n key below the node type's catalog (`status.delivered`, …) with parameters. The
 * node translates each part and joins them with " · ".
 */

export type StatusFill = "red" | "green" | "yellow" | "blue" | "grey";
export type StatusShape = "ring" | "dot";

export interface StatusPart {
  /** key below the node type's catalog, e.g. `status.delivered` */
  key: string;
  params: Record<string, string | number>;
}

export interface StatusView extends StatusPart {
  fill: StatusFill;
  shape: StatusShape;
  /** parts shown after the first one */
  more?: StatusPart[];
}

/** The parts of a view, in order. */
export function statusParts(v: StatusView): StatusPart[] {
  return [{ key: v.key, params: v.params }, ...(v.more ?? [])];
}

const MAX_REASON = 80;

export function shortReason(reason: string, max: number = MAX_REASON): string {
  return reason.length <= max ? reason : reason.slice(0, max - 1) + "…";
}
