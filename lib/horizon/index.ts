/** VMware Horizon audit events: REST client, reader with checkpoints, CloudEvent mapping. */
export {
  type AuditEvent,
  type AuditEventSource,
  type AuditPage,
  type AuditQuery,
  type ClientStats,
  type HorizonClientOptions,
  type HorizonErrorKind,
  HorizonClient,
  HorizonError,
  betweenFilter,
} from "./client";
export {
  type HorizonCheckpoint,
  type HorizonPosition,
  type PassedAuditEvent,
  HorizonPositionTracker,
  checkpointOf,
  readHorizonCheckpoint,
} from "./checkpoint";
export { auditEventToCloudEvent, horizonEventType } from "./cloudevent";
export {
  type HorizonReaderOptions,
  HorizonReader,
  compareIds,
} from "./reader";
export {
  type HorizonDelivery,
  type HorizonInConfig,
  type HorizonInSettings,
  HORIZON_IN_DEFAULTS,
  horizonBaseUrl,
  parseHorizonSettings,
} from "./settings";
