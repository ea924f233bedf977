/**
 * Which EventBridge failures are worth another attempt.
 *
 * Per entry (inside an HTTP 200 PutEvents answer): only `InternalFailure` and
 * `ThrottlingException` are retryable; every other code (`MalformedDetail`, `InvalidArgument`,
 * `AccessDeniedException`, …) is final.
 *
 * Whole calls (the SDK throws): throttling, 5xx, timeouts and network errors are retryable;
 * authentication, authorisation and validation errors (4xx) are final.
 */

export const RETRYABLE_ENTRY_CODES: ReadonlySet<string> = new Set(["InternalFailure", "ThrottlingException"]);

export function isRetryableEntryCode(code: string): boolean {
  return RETRYABLE_ENTRY_CODES.has(code);
}

/** AWS error codes that mean "slow down" or "try again" even on a 4xx status. */
const RETRYABLE_CALL_CODES: ReadonlySet<string> = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
  "PriorLimitExceeded",
  "EC2ThrottledException",
  "BandwidthLimitExceeded",
  "TransactionInProgressException",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalException",
  "InternalFailure",
  "InternalError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TimeoutError",
]);

/** Node/undici network error codes: the request may not have reached AWS, or the answer was lost. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH",
  "ENETDOWN", "EHOSTUNREACH", "EHOSTDOWN", "ENOTCONN", "ESOCKETTIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "EPROTO",
]);

/** The code of an answer larger than the client reads (lib/eventbridge/response-cap.ts). */
const RESPONSE_TOO_LARGE = "ERESPONSETOOLARGE";

export interface CallFailure {
  /** the AWS error code (`ThrottlingException`, `AccessDeniedException`, …) or the network error code */
  code: string;
  message: string;
  /** HTTP status of the answer, 0 when there was none */
  status: number;
  retryable: boolean;
  /** the call was aborted (close) */
  aborted: boolean;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Classify an error thrown by an SDK call (or anything else thrown on the way). */
export function classifyCallError(err: unknown): CallFailure {
  const e = (typeof err === "object" && err !== null ? err : {}) as Record<string, unknown>;
  const meta = (typeof e.$metadata === "object" && e.$metadata !== null ? e.$metadata : {}) as Record<string, unknown>;
  const status = typeof meta.httpStatusCode === "number" ? meta.httpStatusCode : 0;
  const name = str(e.name) ?? "Error";
  const nodeCode = str(e.code) ?? str(e.errno);
  // the SDK appends a hint about its hidden `$response` field to errors it met while reading an answer
  const message = (str(e.message) ?? (typeof err === "string" ? err : name)).replace(/\n\s*Deserialization error:[\s\S]*$/, "");
  if (name === "AbortError" || nodeCode === "ABORT_ERR") {
    return { code: "AbortError", message, status, retryable: false, aborted: true };
  }
  if (nodeCode !== undefined && (NETWORK_CODES.has(nodeCode) || nodeCode === RESPONSE_TOO_LARGE)) {
    // the answer was lost or cut off on the way, even after a status line: worth another attempt
    return { code: nodeCode, message, status, retryable: true, aborted: false };
  }
  if (status === 0) {
    // no answer: network trouble, a timeout, or an error before the request (credentials, endpoint)
    if (name === "CredentialsProviderError" || name === "ProviderError" || name === "TokenProviderError") {
      return { code: name, message, status, retryable: false, aborted: false };
    }
    const code = nodeCode ?? name;
    const retryable = NETWORK_CODES.has(code) || RETRYABLE_CALL_CODES.has(name) || name === "TimeoutError" || /socket hang up|timed? ?out/i.test(message);
    return { code, message, status, retryable, aborted: false };
  }
  const retryable =
    status >= 500 || status === 429 || RETRYABLE_CALL_CODES.has(name) || (e.$retryable !== undefined && e.$retryable !== null);
  return { code: name, message, status, retryable, aborted: false };
}
