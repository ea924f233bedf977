/**
 * Delivery of one request with retries: attempts through an `HttpSender` until the request is
 * delivered (2xx), answered with a final status, or out of attempts; it never rejects.
 */
import { describeOutcome, type HttpRequest, type HttpSender, type SendOutcome } from "./sender";
import { type AttemptFailure, closedResult, type DeliveryResult, type FailedResult } from "./result";
import { parseRetryAfter, resolveRetryPolicy, retryDelay, type RetryPolicy, sleep } from "./retry";
import { isRetryableStatus, KNATIVE_RETRYABLE, type RetryableStatusTable } from "./retryable";

export interface RetryOptions {
  retry?: Partial<RetryPolicy>;
  /** default KNATIVE_RETRYABLE */
  retryable?: RetryableStatusTable;
  onAttemptFailed?: (failure: AttemptFailure) => void;
  /** for tests: replaces Math.random in the jitter */
  random?: () => number;
}

/**
 * Deliver one request with retries. Never rejects; `signal` aborts the attempt in flight and
 * any back-off wait, giving the `closed` outcome.
 */
export async function deliverWithRetry(
  sender: HttpSender,
  request: HttpRequest,
  options: RetryOptions = {},
  signal?: AbortSignal,
): Promise<DeliveryResult> {
  const policy = resolveRetryPolicy(options.retry);
  const table = options.retryable ?? KNATIVE_RETRYABLE;
  const started = performance.now();
  let attempts = 0;
  let lastStatus: number | undefined;
  for (;;) {
    if (signal?.aborted || sender.closed) return closedResult(attempts, started, lastStatus);
    attempts++;
    let outcome: SendOutcome;
    try {
      outcome = await sender.send(request, signal);
    } catch (err) {
      // send() does not reject; this only guards against the unexpected
      outcome = { kind: "error", error: { kind: "network", code: "EUNEXPECTED", message: String(err) }, durationMs: 0 };
    }
    let retryable: boolean;
    let retryAfterMs: number | undefined;
    if (outcome.kind === "response") {
      lastStatus = outcome.statusCode;
      if (outcome.statusCode >= 200 && outcome.statusCode < 300) {
        return {
          ok: true,
          outcome: "delivered",
          statusCode: outcome.statusCode,
          bodyExcerpt: outcome.body,
          headers: outcome.headers,
          attempts,
          durationMs: performance.now() - started,
        };
      }
      retryable = isRetryableStatus(table, outcome.statusCode);
      if (retryable) retryAfterMs = parseRetryAfter(outcome.headers["retry-after"]);
    } else {
      const k = outcome.error.kind;
      if (k === "closed") return closedResult(attempts, started, lastStatus);
      retryable =
        k === "invalid-request" ? false : k === "tls" ? table.transportErrors && table.tlsErrors : table.transportErrors;
    }
    const last = !retryable || attempts >= policy.maxAttempts;
    const nextDelayMs = last ? undefined : retryDelay(policy, attempts, retryAfterMs, options.random);
    if (options.onAttemptFailed) {
      try {
        const f: AttemptFailure = { attempt: attempts, reason: describeOutcome(outcome), retryable };
        if (outcome.kind === "response") f.statusCode = outcome.statusCode;
        if (nextDelayMs !== undefined) f.nextDelayMs = nextDelayMs;
        options.onAttemptFailed(f);
      } catch {
        // a listener's bug must not break delivery
      }
    }
    if (last) {
      let reason = describeOutcome(outcome);
      if (retryable && attempts > 1) reason += ` (gave up after ${attempts} attempts)`;
      const r: FailedResult = {
        ok: false,
        outcome: "dead-letter",
        reason,
        attempts,
        retryable,
        durationMs: performance.now() - started,
      };
      if (outcome.kind === "response") {
        r.statusCode = outcome.statusCode;
        r.bodyExcerpt = outcome.body;
      } else {
        r.code = outcome.error.code;
        if (lastStatus !== undefined) r.statusCode = lastStatus;
      }
      return r;
    }
    const slept = await sleep(nextDelayMs as number, signal);
    if (!slept) return closedResult(attempts, started, lastStatus);
  }
}
