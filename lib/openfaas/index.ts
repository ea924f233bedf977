/** OpenFaaS: gateway function discovery, the topic map, invocation requests. */
export {
  type FunctionRef,
  type TopicMapDiff,
  TOPIC_ANNOTATION,
  TOPIC_DELIMITER,
  TopicMap,
  parseTopics,
  qualifiedName,
  topicOf,
} from "./topics";
export {
  type GatewayClientOptions,
  type InvocationOptions,
  CONNECTOR_NAME,
  GatewayClient,
  GatewayError,
  MAX_LIST_BYTES,
  basicAuthorization,
  normaliseGatewayUrl,
} from "./gateway";
export {
  type DiscoveryState,
  type FunctionDiscoveryOptions,
  type RefreshReport,
  DEFAULT_INITIAL_RETRY_MS,
  DEFAULT_REFRESH_INTERVAL_MS,
  FunctionDiscovery,
} from "./discovery";
