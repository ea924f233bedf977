/** Shared HTTP delivery engine: sender (undici), retry policy, retryable tables, queue. */
export {
  type ErrorOutcome,
  type HttpRequest,
  type HttpSenderOptions,
  type ResponseHeaders,
  type ResponseOutcome,
  type SendOutcome,
  type TransportError,
  type TransportErrorKind,
  HttpSender,
  classifyError,
  describeStatus,
} from "./sender";
export {
  type RetryPolicy,
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  parseRetryAfter,
  resolveRetryPolicy,
  retryDelay,
  sleep,
} from "./retry";
export {
  type RetryableStatusTable,
  KNATIVE_RETRYABLE,
  OPENFAAS_RETRYABLE,
  describeRetryable,
  isRetryableStatus,
} from "./retryable";
export {
  type AttemptFailure,
  type DeliveredResult,
  type DeliveryJob,
  type DeliveryQueueOptions,
  type DeliveryResult,
  type FailedResult,
  type HttpDeliveryOptions,
  type RetryOptions,
  DeliveryQueue,
  HttpDelivery,
  deliverWithRetry,
} from "./queue";
