/**
 * A stream position: the last event passed (handed on, or committed), and every key passed at
 * its createdTime, so a collector restarted at that (inclusive) time can drop exactly those.
 */
import type { VsphereCheckpoint } from "./checkpoint";
import { timeKey } from "./vim-time";

export interface ReaderPosition {
  createdTime: string;
  keys: number[];
  lastKey: number;
  lastType: string;
}

/** What a tracker needs of an event. */
export interface PassedEvent {
  key: number;
  createdTime: string;
  /** sortable form of createdTime (vim-time timeKey) */
  timeKey: string;
  /** class or eventTypeId */
  type: string;
}

/**
 * Keys kept for one createdTime. vCenter gives each event its own time in practice; a server
 * sending endless events with one timestamp must not grow the position (and every checkpoint
 * saved from it) without end. Past the limit the oldest keys are dropped: after a restart at
 * that time those events would be delivered again (at least once, never lost).
 */
export const MAX_KEYS_PER_TIME = 10_000;

export class PositionTracker {
  private pos: ReaderPosition | undefined;
  private posKey = "";

  constructor(cp?: VsphereCheckpoint) {
    if (cp !== undefined) {
      this.pos = {
        createdTime: cp.lastEventKeyTimestamp,
        keys: [...(cp.lastEventKeys ?? [cp.lastEventKey])].slice(-MAX_KEYS_PER_TIME),
        lastKey: cp.lastEventKey,
        lastType: cp.lastEventType,
      };
      this.posKey = timeKey(cp.lastEventKeyTimestamp);
    }
  }

  get current(): ReaderPosition | undefined {
    return this.pos;
  }

  clear(): void {
    this.pos = undefined;
    this.posKey = "";
  }

  advance(e: PassedEvent): ReaderPosition {
    const p = this.pos;
    if (p !== undefined && this.posKey === e.timeKey) {
      p.keys.push(e.key);
      if (p.keys.length > MAX_KEYS_PER_TIME) p.keys.splice(0, p.keys.length - MAX_KEYS_PER_TIME);
      p.lastKey = e.key;
      p.lastType = e.type;
      return p;
    }
    this.posKey = e.timeKey;
    this.pos = { createdTime: e.createdTime, keys: [e.key], lastKey: e.key, lastType: e.type };
    return this.pos;
  }
}

/** The stored checkpoint for a position. */
export function checkpointOf(position: ReaderPosition, sdkUrl: string): VsphereCheckpoint {
  return {
    vCenter: sdkUrl,
    lastEventKey: position.lastKey,
    lastEventType: position.lastType,
    lastEventKeyTimestamp: position.createdTime,
    createdTimestamp: new Date().toISOString(),
    lastEventKeys: [...position.keys],
  };
}
