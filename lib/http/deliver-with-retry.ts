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
 *
 * The first attempt is a plain promise chain and a delivered answer returns from it: most
 * requests never need the retry loop, whose async frame (and retry policy) cost ~1.5 KB of
 * garbage per event.
 */
export function deliverWithRetry(
  sender: HttpSender,
  request: HttpRequest,
  options: RetryOptions = {},
  signal?: AbortSignal,
): Promise<DeliveryResult> {
  const started = performance.now();
  if (signal?.aborted || sender.closed) return Promise.resolve(closedResult(0, started));
  return sendOnce(sender, request, signal).then((outcome) =>
    outcome.kind === "response" && outcome.statusCode >= 200 && outcome.statusCode < 300
      ? delivered(outcome, 1, started)
      : retryLoop(sender, request, options, signal, started, outcome),
  );
}

/** One attempt; send() does not reject, this only guards against the unexpected. */
function sendOnce(sender: HttpSender, request: HttpRequest, signal: AbortSignal | undefined): Promise<SendOutcome> {
  let p: Promise<SendOutcome>;
  try {
    p = sender.send(request, signal);
  } catch (err) {
    return Promise.resolve(unexpected(err));
  }
  return p.catch(unexpected);
}

function unexpected(err: unknown): SendOutcome {
  return { kind: "error", error: { kind: "network", code: "EUNEXPECTED", message: String(err) }, durationMs: 0 };
}

function delivered(outcome: SendOutcome & { kind: "response" }, attempts: number, started: number): DeliveryResult {
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

/** After a first attempt that was not delivered: decide, wait, try again, until done. */
async function retryLoop(
  sender: HttpSender,
  request: HttpRequest,
  options: RetryOptions,
  signal: AbortSignal | undefined,
  started: number,
  first: SendOutcome,
): Promise<DeliveryResult> {
  const policy = resolveRetryPolicy(options.retry);
  const table = options.retryable ?? KNATIVE_RETRYABLE;
  let attempts = 1;
  let lastStatus: number | undefined;
  let outcome = first;
  for (;;) {
    let retryable: boolean;
    let retryAfterMs: number | undefined;
    if (outcome.kind === "response") {
      lastStatus = outcome.statusCode;
      if (outcome.statusCode >= 200 && outcome.statusCode < 300) return delivered(outcome, attempts, started);
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
    if (signal?.aborted || sender.closed) return closedResult(attempts, started, lastStatus);
    attempts++;
    outcome = await sendOnce(sender, request, signal);
  }
}
