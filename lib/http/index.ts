/** The HTTP sending engine of the sinks: sender (undici), retry policy, retryable tables, queue. */
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
  describeOutcome,
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
export { type AttemptFailure, type DeliveredResult, type DeliveryResult, type FailedResult, closedResult } from "./result";
export { type RetryOptions, deliverWithRetry } from "./deliver-with-retry";
export { type DeliveryJob, type DeliveryQueueOptions, DeliveryQueue } from "./queue";
export { type HttpDeliveryOptions, HttpDelivery } from "./http-delivery";
