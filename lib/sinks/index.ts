/** Sink engines behind the `*-out` nodes: settings, delivery, result shaping, status. */
export { type NumberRule, type WrapSettings, DEFAULT_CE_TYPE, SinkConfigError, booleanSetting, httpUrlSetting, numberSetting, wrapSettings } from "./config";
export { type DeadLetter, type DeliveredFields, deadLetter, deliveredFields, invalidEventResult } from "./result";
export { type StatusFill, type StatusShape, type StatusView, SinkCounters, Throttle, countersView, shortReason } from "./status";
export {
  type KnativeAuthType,
  type KnativeConfig,
  type KnativeCredentials,
  type KnativeSettings,
  type KnativeSinkOptions,
  KNATIVE_DEFAULTS,
  KnativeSink,
  parseKnativeSettings,
} from "./knative";
export {
  type DispatchSummary,
  type InvocationResult,
  type OpenFaasConfig,
  type OpenFaasCredentials,
  type OpenFaasSettings,
  type OpenFaasSinkOptions,
  OPENFAAS_DEFAULTS,
  OpenFaasSink,
  openFaasStatusView,
  parseOpenFaasSettings,
} from "./openfaas";
