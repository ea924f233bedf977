/** `cloudevent-in`: a CloudEvents HTTP endpoint (binary, structured, batched; webhook handshake). */
export { BasicAuth, basicAuthFor, WWW_AUTHENTICATE } from "./auth";
export { type BodyResult, bodyConsumed, declaredLength, readBody, recoverBody } from "./body";
export {
  type EventDelivery,
  type FlowOutcome,
  type ReceiverOptions,
  type RequestInfo,
  type RequestResult,
  WebhookReceiver,
} from "./receiver";
export { type Middleware, type Next, PathInUseError, WebhookRegistry } from "./registry";
export {
  LISTENER_LIMITS,
  ListenError,
  type ListenerAddress,
  type ListenerLease,
  type ListenerLimits,
  ListenerPool,
  type ListenerTls,
  TlsMismatchError,
} from "./listener";
export { parseListenerLimits, type ParsedListenerLimits } from "./listener-limits";
export {
  type WebhookConfig,
  type WebhookDelivery,
  type WebhookSettings,
  type ListenerSettings,
  parseListenerSettings,
  EDITOR_PATH_SEGMENTS,
  MAX_BODY_SIZE_LIMIT,
  collidesWithEditor,
  WEBHOOK_DEFAULTS,
  normalizePath,
  parseOrigins,
  parseSize,
  parseWebhookSettings,
  requestPathKey,
} from "./settings";
