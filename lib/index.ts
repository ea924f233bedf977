/**
 * The package's library entry (`require("@event-router/node-red-vmware")`), for use outside
 * the nodes, e.g. in a function node (`functionExternalModules`) or your own scripts:
 * test an EventBridge rule or a source filter against events, encode and decode CloudEvents
 * over HTTP, convert vSphere SOAP events the way VEBA does.
 */
export { compilePattern, InvalidPatternError } from "./pattern";
export type { CompiledPattern, EventPattern } from "./pattern";
export { compileFilter } from "./pattern";
export type { EventFilter, FilterCompileResult } from "./pattern";
export * as cloudevents from "./cloudevents";
export { eventToJson, eventToJsonString, eventToXml, EventDataConverter } from "./vsphere/event-data";
export { fieldPaths } from "./vsphere/field-paths";
export { parseXml } from "./vsphere/xml";
export { eventClasses, isEventClass } from "./vsphere/catalog";
