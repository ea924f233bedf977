/**
 * Retry policy: exponential back-off with jitter, a cap on each wait, a bounded number of
 * attempts, and `Retry-After` (delta-seconds or HTTP-date) honoured within the cap.
 */

export interface RetryPolicy {
  /** Total attempts including the first (1 = no retries). */
  maxAttempts: number;
  /** Knative's `backoffDelay`: retry n (n = 1, 2, 3...) waits backoffDelayMs * 2^n. */
  backoffDelayMs: number;
  /** Upper bound of any single wait, back-off and Retry-After alike. */
  maxDelayMs: number;
  /** Random reduction of each back-off wait, as a fraction in [0, 1] (0.2: wait 80-100 %). */
  jitter: number;
  /** Honour `Retry-After` on retryable answers (default true). */
  honorRetryAfter: boolean;
}

/** Knative's stock Broker defaults (`retry: 10`, exponential, `PT0.2S`), capped at 30 s per wait. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 11,
  backoffDelayMs: 200,
  maxDelayMs: 30_000,
  jitter: 0.2,
  honorRetryAfter: true,
});

function finite(v: number | undefined, fallback: number, min: number): number {
  return typeof v === "number" && Number.isFinite(v) ? Math.max(min, v) : fallback;
}

/** Fill in defaults and clamp nonsense values (negative delays, zero attempts, jitter > 1). */
export function resolveRetryPolicy(partial?: Partial<RetryPolicy>): RetryPolicy {
  const d = DEFAULT_RETRY_POLICY;
  return {
    maxAttempts: Math.floor(finite(partial?.maxAttempts, d.maxAttempts, 1)),
    backoffDelayMs: finite(partial?.backoffDelayMs, d.backoffDelayMs, 0),
    maxDelayMs: finite(partial?.maxDelayMs, d.maxDelayMs, 0),
    jitter: Math.min(1, finite(partial?.jitter, d.jitter, 0)),
    honorRetryAfter: partial?.honorRetryAfter ?? d.honorRetryAfter,
  };
}

/**
 * The wait before retry `retry` (1 for the first retry): min(backoffDelay * 2^retry, maxDelay),
 * reduced by up to `jitter` of itself.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const exp = policy.backoffDelayMs * Math.pow(2, Math.max(1, retry));
  const capped = Math.min(exp, policy.maxDelayMs);
  return Math.max(0, Math.round(capped * (1 - policy.jitter * random())));
}

/**
 * Parse a `Retry-After` value: delta-seconds (`120`) or an HTTP-date. Returns milliseconds
 * from `now` (0 for a date in the past), or undefined when absent or unparsable.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = (typeof value === "string" ? value : value[0] ?? "").trim();
  if (v === "") return undefined;
  if (/^\d+$/.test(v)) {
    const s = Number(v);
    return Number.isSafeInteger(s) ? s * 1000 : undefined;
  }
  // HTTP-date: IMF-fixdate (and the obsolete RFC 850 / asctime forms Date.parse also reads).
  if (!/[a-z]/i.test(v)) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/**
 * The wait before retry `retry`: the back-off, or the server's `Retry-After` when longer,
 * never more than `maxDelayMs`.
 */
export function retryDelay(policy: RetryPolicy, retry: number, retryAfterMs: number | undefined, random?: () => number): number {
  const backoff = backoffDelay(policy, retry, random);
  if (!policy.honorRetryAfter || retryAfterMs === undefined) return backoff;
  return Math.max(backoff, Math.min(retryAfterMs, policy.maxDelayMs));
}

/**
 * Wait `ms`, or less if `signal` aborts. Resolves true when the full wait elapsed, false when
 * aborted. The timer is always cleared; it is not unref'd (a pending retry is real work).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
