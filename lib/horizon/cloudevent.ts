/**
 * A Horizon audit event as a CloudEvent, like the Knative HorizonSource (vmware-event-tools.md
 * §4.3) but keeping the milliseconds of `time`: `id` = the event id, `source` = the Horizon URL,
 * `type` = `com.vmware.horizon.<type lower-cased>.v0` (underscores stay), `datacontenttype`
 * `application/json`, `data` = the AuditEventSummary as Horizon sent it (snake_case).
 */
import type { CloudEvent } from "../cloudevents";
import type { AuditEvent } from "./client";

export function horizonEventType(auditType: string | undefined): string {
  const t = typeof auditType === "string" && auditType.trim() !== "" ? auditType.trim().toLowerCase() : "unknown";
  return `com.vmware.horizon.${t}.v0`;
}

export function auditEventToCloudEvent(ev: AuditEvent, source: string): CloudEvent {
  return {
    specversion: "1.0",
    id: String(ev.id),
    source,
    type: horizonEventType(ev.type),
    time: new Date(ev.time).toISOString(),
    datacontenttype: "application/json",
    data: ev,
  };
}
