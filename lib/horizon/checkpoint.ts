/**
 * Where `horizon-in` is in the audit-event stream: the time (epoch ms) of the last event passed
 * and the ids of every event passed at that very millisecond. The next query starts at that
 * millisecond (Horizon's `Between` filter is inclusive) and drops exactly those ids, so a restart
 * neither resends nor loses an event, even when several share the millisecond (the reference
 * adapters resend the 10 newest events on every restart and drop same-millisecond events).
 */

export interface HorizonPosition {
  /** epoch milliseconds of the last event passed */
  time: number;
  /** ids (decimal text) of the events passed at `time` */
  ids: string[];
}

/** The stored checkpoint (node context). */
export interface HorizonCheckpoint extends HorizonPosition {
  /** the Horizon base URL it belongs to */
  horizon: string;
  /** `time` as RFC 3339, for people reading the context store */
  lastEventTime: string;
  /** when this checkpoint was made */
  createdTimestamp: string;
}

/** What a position tracker needs of an event. */
export interface PassedAuditEvent {
  id: string;
  time: number;
}

/** Advances a position event by event (events arrive in ascending time). */
export class HorizonPositionTracker {
  private pos: HorizonPosition | undefined;

  constructor(start?: HorizonPosition) {
    if (start !== undefined) this.pos = { time: start.time, ids: [...start.ids] };
  }

  get current(): HorizonPosition | undefined {
    return this.pos;
  }

  set(p: HorizonPosition): void {
    this.pos = { time: p.time, ids: [...p.ids] };
  }

  advance(e: PassedAuditEvent): HorizonPosition {
    const p = this.pos;
    if (p !== undefined && p.time === e.time) {
      if (!p.ids.includes(e.id)) p.ids.push(e.id);
      return p;
    }
    this.pos = { time: e.time, ids: [e.id] };
    return this.pos;
  }
}

export function checkpointOf(p: HorizonPosition, horizon: string): HorizonCheckpoint {
  return {
    horizon,
    time: p.time,
    ids: [...p.ids],
    lastEventTime: new Date(p.time).toISOString(),
    createdTimestamp: new Date().toISOString(),
  };
}

/**
 * Validate a stored value. `undefined` when there is none or it is unusable (with the reason),
 * or when it belongs to another Horizon server.
 */
export function readHorizonCheckpoint(value: unknown, horizon: string): { position?: HorizonPosition; problem?: string } {
  if (value === undefined || value === null) return {};
  let v: unknown = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      return { problem: "stored checkpoint is not JSON" };
    }
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return { problem: "stored checkpoint is not an object" };
  const o = v as Record<string, unknown>;
  const time = typeof o.time === "number" ? o.time : Number(o.time);
  if (!Number.isSafeInteger(time) || time < 0) return { problem: `stored checkpoint has an invalid time ${JSON.stringify(o.time)}` };
  if (!Array.isArray(o.ids)) return { problem: "stored checkpoint has no ids" };
  const ids = o.ids.filter((x): x is string | number => typeof x === "string" || typeof x === "number").map(String);
  if (typeof o.horizon === "string" && o.horizon !== "" && o.horizon !== horizon) {
    return { problem: `stored checkpoint belongs to ${o.horizon}, not ${horizon}` };
  }
  return { position: { time, ids } };
}
