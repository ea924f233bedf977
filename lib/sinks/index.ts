/**
 * The sinks behind the `*-out` nodes, one shape each (lib/sinks/<name>/{settings,sink,status}.ts),
 * and what they share: the result type, dead letters, delivered fields, outputs, counters,
 * status view, throttle.
 */
export { type DeliverySummary, type FilteredResult, type SinkResult, type TargetResult, FILTERED, configFailure, invalidEventResult, localFailure, oneTarget } from "./result";
export { type CombinedDeadLetter, type DeadLetter, combineDeadLetters, deadLetter, failureText } from "./dead-letter";
export { type DeliveredFields, deliveredFields } from "./delivered-fields";
export { type Completion, type ResultOutput, completion, resultOutput } from "./outputs";
export { type StatusFill, type StatusPart, type StatusShape, type StatusView, shortReason, statusParts } from "../common/status-view";
export { SinkCounters, countersView } from "./counters";
export { Throttle } from "../common/throttle";
export { DEFAULT_CE_TYPE, wrapSettings } from "./wrap-settings";
export { scrubAttempt, scrubResult } from "./scrub-result";
export { type KnativeAuthType, type KnativeConfig, type KnativeCredentials, type KnativeSettings, KNATIVE_DEFAULTS, parseKnativeSettings } from "./knative/settings";
export { type KnativeSinkOptions, KnativeSink } from "./knative/sink";
export { knativeStatusView } from "./knative/status";
export { type OpenFaasConfig, type OpenFaasCredentials, type OpenFaasSettings, OPENFAAS_DEFAULTS, parseOpenFaasSettings } from "./openfaas/settings";
export { type InvocationResult, type InvocationSummary, type OpenFaasSinkOptions, OpenFaasSink } from "./openfaas/sink";
export { openFaasStatusView } from "./openfaas/status";
export {
  type EventBridgeCredentials,
  type EventBridgeOutConfig,
  type EventBridgeSettings,
  EVENTBRIDGE_DEFAULTS,
  parseEventBridgeSettings,
} from "./eventbridge/settings";
export { type EventBridgeSinkOptions, DEFAULT_CONCURRENCY, EVENTBRIDGE_RETRY, EventBridgeSink, MAX_WAITING_FOR_RULE } from "./eventbridge/sink";
export { eventBridgeStatusView } from "./eventbridge/status";
