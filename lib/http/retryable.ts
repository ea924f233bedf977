/**
 * Which failures a sink retries. Each sink has a named table so that its help text can list
 * the set (`describeRetryable`) and the engine can apply it (`isRetryableStatus`).
 */

export interface RetryableStatusTable {
  /** short name, e.g. `knative` */
  readonly name: string;
  /** retry when there is no HTTP answer: refused/reset connection, DNS failure, timeout */
  readonly transportErrors: boolean;
  /** retry TLS failures (untrusted or expired certificate, wrong host name) */
  readonly tlsErrors: boolean;
  /** single retryable status codes */
  readonly statusCodes: readonly number[];
  /** inclusive ranges of retryable status codes */
  readonly statusRanges: readonly (readonly [number, number])[];
  /** codes inside a range that are not retried */
  readonly except: readonly number[];
}

/**
 * Knative delivery (knative/specs data-plane, knative/eventing `SelectiveRetry`): transport
 * errors, 404, 408, 409, 425 (Too Early), 429 and every 5xx. 400, 401, 403 and other 4xx are final.
 */
export const KNATIVE_RETRYABLE: RetryableStatusTable = Object.freeze({
  name: "knative",
  transportErrors: true,
  tlsErrors: true,
  statusCodes: Object.freeze([404, 408, 409, 425, 429]),
  statusRanges: Object.freeze([Object.freeze([500, 599] as const)]),
  except: Object.freeze([]),
});

/**
 * OpenFaaS (VEBA event router's OpenFaaS processor): transport errors except TLS certificate
 * errors, 429, and 5xx except 501 (Not Implemented).
 */
export const OPENFAAS_RETRYABLE: RetryableStatusTable = Object.freeze({
  name: "openfaas",
  transportErrors: true,
  tlsErrors: false,
  statusCodes: Object.freeze([429]),
  statusRanges: Object.freeze([Object.freeze([500, 599] as const)]),
  except: Object.freeze([501]),
});

/** Is this HTTP status retryable under the table? (2xx are never "retryable": they are delivered.) */
export function isRetryableStatus(table: RetryableStatusTable, status: number): boolean {
  if (table.except.includes(status)) return false;
  if (table.statusCodes.includes(status)) return true;
  for (const [from, to] of table.statusRanges) if (status >= from && status <= to) return true;
  return false;
}

/** Human-readable list for help text, e.g. `transport errors, 404, 408, 409, 425, 429, 5xx`. */
export function describeRetryable(table: RetryableStatusTable): string {
  const parts: string[] = [];
  if (table.transportErrors) {
    parts.push(table.tlsErrors ? "transport errors" : "transport errors (except TLS certificate errors)");
  }
  for (const c of table.statusCodes) parts.push(String(c));
  for (const [from, to] of table.statusRanges) {
    const name = from % 100 === 0 && to === from + 99 ? `${from / 100}xx` : `${from}-${to}`;
    const inRange = table.except.filter((c) => c >= from && c <= to);
    parts.push(inRange.length ? `${name} except ${inRange.join(", ")}` : name);
  }
  return parts.join(", ");
}
