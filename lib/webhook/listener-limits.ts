/**
 * settings.js `vmwareEvents.listener`: the limits of the servers `cloudevent-in` opens on ports
 * of their own (see LISTENER_LIMITS in listener.ts for the defaults and why they exist).
 *
 *   vmwareEvents: { listener: { maxConnections: 1000, firstRequestTimeout: 10 } }
 *
 * `maxConnections`: connections open at once per port (1 to 1,000,000); `firstRequestTimeout`:
 * seconds a new connection may take to send its first request's headers (0.1 to 3600).
 */
import type { ListenerLimits } from "./listener";

export interface ParsedListenerLimits {
  limits: Partial<ListenerLimits>;
  /** one sentence per value that was refused (its default stays) */
  problems: string[];
}

export function parseListenerLimits(value: unknown): ParsedListenerLimits {
  const limits: Partial<ListenerLimits> = {};
  const problems: string[] = [];
  if (value === undefined || value === null) return { limits, problems };
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.push("vmwareEvents.listener must be an object such as { maxConnections: 1000, firstRequestTimeout: 10 }");
    return { limits, problems };
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (key !== "maxConnections" && key !== "firstRequestTimeout") {
      problems.push(`vmwareEvents.listener.${key} is not a setting (known: maxConnections, firstRequestTimeout)`);
    }
  }
  const max = v.maxConnections;
  if (max !== undefined) {
    if (typeof max === "number" && Number.isInteger(max) && max >= 1 && max <= 1_000_000) limits.maxConnections = max;
    else problems.push(`vmwareEvents.listener.maxConnections must be a whole number from 1 to 1000000, not ${JSON.stringify(max)}`);
  }
  const first = v.firstRequestTimeout;
  if (first !== undefined) {
    if (typeof first === "number" && Number.isFinite(first) && first >= 0.1 && first <= 3600) {
      limits.firstRequestTimeoutMs = Math.round(first * 1000);
    } else {
      problems.push(`vmwareEvents.listener.firstRequestTimeout must be seconds from 0.1 to 3600, not ${JSON.stringify(first)}`);
    }
  }
  return { limits, problems };
}
