/** What a delivered message carries on output 1 of every sink node: what the target answered. */
import type { DeliveredResult } from "../http/result";
import type { ResponseHeaders } from "../http/sender";

export interface DeliveredFields {
  statusCode: number;
  /** the target's id for the event (EventBridge) */
  eventId?: string;
  response: {
    statusCode: number;
    headers: ResponseHeaders;
    /** the start of the answer's body (text, at most 4 KiB) */
    body: string;
    attempts: number;
    durationMs: number;
    eventId?: string;
  };
}

export function deliveredFields(r: DeliveredResult): DeliveredFields {
  const f: DeliveredFields = {
    statusCode: r.statusCode,
    response: {
      statusCode: r.statusCode,
      headers: r.headers,
      body: r.bodyExcerpt,
      attempts: r.attempts,
      durationMs: Math.round(r.durationMs),
    },
  };
  if (r.id !== undefined) {
    f.eventId = r.id;
    f.response.eventId = r.id;
  }
  return f;
}
