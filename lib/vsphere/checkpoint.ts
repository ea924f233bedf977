/**
 * The vCenter checkpoint, in the Knative VSphereSource's shape so tooling that reads S4K
 * checkpoints reads ours: {vCenter, lastEventKey, lastEventType, lastEventKeyTimestamp,
 * createdTimestamp}. `lastEventKeys` (our addition) lists every key delivered at
 * lastEventKeyTimestamp, so a restart drops exactly the events it already delivered even
 * when several share that timestamp.
 */
import { parseVimTime } from "./vim-time";

export interface VsphereCheckpoint {
  vCenter: string;
  lastEventKey: number;
  lastEventType: string;
  lastEventKeyTimestamp: string;
  createdTimestamp: string;
  lastEventKeys?: number[];
}

/** Validate a stored value; undefined when there is none or it is unusable (with the reason). */
export function readCheckpoint(value: unknown): { checkpoint?: VsphereCheckpoint; problem?: string } {
  if (value === undefined || value === null) return {};
  let v: unknown = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v) as unknown; // S4K stores the checkpoint as a JSON string
    } catch {
      return { problem: "stored checkpoint is not JSON" };
    }
  }
  if (typeof v !== "object" || v === null) return { problem: "stored checkpoint is not an object" };
  const o = v as Record<string, unknown>;
  if (typeof o.lastEventKeyTimestamp !== "string" || o.lastEventKeyTimestamp === "") {
    return { problem: "stored checkpoint has no lastEventKeyTimestamp" };
  }
  try {
    const t = parseVimTime(o.lastEventKeyTimestamp);
    if (t.seconds <= 0) return {}; // VER writes 0001-01-01 for "no checkpoint yet"
  } catch {
    return { problem: `stored checkpoint has an invalid lastEventKeyTimestamp "${o.lastEventKeyTimestamp}"` };
  }
  const key = typeof o.lastEventKey === "number" ? o.lastEventKey : Number(o.lastEventKey);
  const keys = Array.isArray(o.lastEventKeys) ? o.lastEventKeys.filter((k): k is number => Number.isInteger(k)) : undefined;
  return {
    checkpoint: {
      vCenter: typeof o.vCenter === "string" ? o.vCenter : "",
      lastEventKey: Number.isInteger(key) ? key : 0,
      lastEventType: typeof o.lastEventType === "string" ? o.lastEventType : "",
      lastEventKeyTimestamp: o.lastEventKeyTimestamp,
      createdTimestamp: typeof o.createdTimestamp === "string" ? o.createdTimestamp : "",
      ...(keys !== undefined ? { lastEventKeys: keys } : Number.isInteger(key) ? { lastEventKeys: [key] } : {}),
    },
  };
}
