/** A vCenter event as read from an event history collector page. */
import { detach } from "../common/detach";
import { childText, type XmlNode } from "./xml";

export type EventClass = "event" | "eventex" | "extendedevent";

export interface VimEvent {
  /** event key: int32, wraps negative on long-lived systems, never assumed to increase */
  key: number;
  /** the xsi:type, e.g. VmPoweredOnEvent */
  className: string;
  /** `eventTypeId` of EventEx / ExtendedEvent */
  eventTypeId?: string;
  /** createdTime exactly as vCenter wrote it (keeps sub-millisecond digits) */
  createdTime: string;
  /** the parsed event element, for the payload converter */
  node: XmlNode;
}

export function eventClassOf(className: string): EventClass {
  if (className === "EventEx") return "eventex";
  if (className === "ExtendedEvent") return "extendedevent";
  return "event";
}

/** The event's type name: the class, or the eventTypeId of EventEx / ExtendedEvent (msg.topic). */
export function eventTypeName(ev: VimEvent): string {
  return ev.eventTypeId !== undefined && ev.eventTypeId !== "" ? ev.eventTypeId : ev.className;
}

/**
 * A class, not an object literal: an event waits in the reader with its element tree until the
 * in-flight window has room, and V8 may allocate a literal site's objects straight into the old
 * generation, where they would keep the whole tree and its page text alive through scavenges
 * (decision 0018).
 */
class ReadEvent implements VimEvent {
  declare eventTypeId?: string;
  constructor(
    readonly key: number,
    readonly className: string,
    readonly createdTime: string,
    readonly node: XmlNode,
  ) {}
}

export function toVimEvent(node: XmlNode): VimEvent {
  const className = node.type ?? node.name;
  const keyText = childText(node, "key");
  const createdTime = childText(node, "createdTime");
  const key = keyText === undefined ? NaN : Number(keyText);
  if (!Number.isInteger(key) || createdTime === undefined || createdTime === "") {
    throw new Error(`vCenter sent a ${className} without a valid key and createdTime`);
  }
  // what outlives the event (positions, the in-flight window, msg.topic) must not keep the page's text alive
  const ev: VimEvent = new ReadEvent(key, detach(className), detach(createdTime.trim()), node);
  if (className === "EventEx" || className === "ExtendedEvent") {
    const id = childText(node, "eventTypeId");
    if (id !== undefined) ev.eventTypeId = detach(id.trim());
  }
  return ev;
}
