/**
 * vCenter event -> CloudEvent (JSON structured form, the `msg.payload` of `vcenter-in`).
 *
 * format "vsphere" is the Knative VSphereSource's: id = key, type com.vmware.vsphere.<Class>.v0,
 * extensions eventclass and vsphereapiversion, no subject. format "router" is the VMware Event
 * Router's: type com.vmware.event.router/<eventclass>, subject = class, extension
 * vsphereapiversion, id a UUID derived from source and key so a replayed event keeps its id.
 */
import { createHash } from "node:crypto";
import type { CloudEvent } from "../cloudevents/event";
import { eventClassOf, eventTypeName, type VimEvent } from "./event";
import { eventToJson, eventToXml, type EventDataConverter } from "./event-data";
import { goUtcTime } from "./vim-time";

export type VsphereFormat = "vsphere" | "router";
export type PayloadEncoding = "json" | "xml";

export interface CloudEventContext {
  /** the SDK URL, e.g. https://vc.example.com/sdk (never credentials) */
  source: string;
  /** about.apiVersion of the vCenter */
  apiVersion: string;
  format: VsphereFormat;
  encoding: PayloadEncoding;
  /** the reader's own converter (its unknown-class log); default: the shared one */
  converter?: EventDataConverter;
}

/** RFC 4122 name-based UUID (version 5, SHA-1) in the URL namespace. */
export function uuidV5(name: string): string {
  const ns = Buffer.from("6ba7b8119dad11d180b400c04fd430c8", "hex");
  const h = createHash("sha1").update(ns).update(name, "utf8").digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * One vCenter event as the CloudEvent `vcenter-in` sends (`msg.payload`). Built from an empty
 * object, attribute by attribute in the order of the wire format, not as a literal with
 * properties: the event lives as long as it is in flight, and V8 may allocate a literal site's
 * objects straight into the old generation, where they keep their data alive through scavenges
 * (decision 0018).
 */
export function vsphereCloudEvent(ev: VimEvent, ctx: CloudEventContext): CloudEvent {
  const eventclass = eventClassOf(ev.className);
  const name = eventTypeName(ev);
  const xml = ctx.encoding === "xml";
  const data = ctx.converter !== undefined
    ? (xml ? ctx.converter.toXml(ev.node) : ctx.converter.toJson(ev.node))
    : (xml ? eventToXml(ev.node) : eventToJson(ev.node));
  const ce = {} as CloudEvent;
  ce.specversion = "1.0";
  if (ctx.format === "router") {
    ce.id = uuidV5(`${ctx.source}#${ev.key}`);
    ce.source = ctx.source;
    ce.type = `com.vmware.event.router/${eventclass}`;
    ce.subject = name;
  } else {
    ce.id = String(ev.key);
    ce.source = ctx.source;
    ce.type = `com.vmware.vsphere.${name}.v0`;
  }
  ce.time = goUtcTime(ev.createdTime);
  ce.datacontenttype = xml ? "application/xml" : "application/json";
  ce.data = data;
  if (ctx.format === "router") ce.vsphereapiversion = ctx.apiVersion;
  else {
    ce.eventclass = eventclass;
    ce.vsphereapiversion = ctx.apiVersion;
  }
  return ce;
}
