/**
 * vSphere event -> CloudEvent `data`, byte-compatible with what VEBA / Knative VSphereSource
 * functions receive: Go's `encoding/json` and `encoding/xml` of the govmomi 0.24 struct that
 * govmomi's SOAP decoder would have produced from the same XML.
 *
 * Driven only by the type catalog (catalog.ts). Per class, the catalog is compiled once into a
 * plan (ordered fields, element-name index, precomputed JSON keys and XML tags); converting an
 * event is then one walk over its XmlNode tree, with no regular-expression parsing and no JSON
 * re-parse.
 *
 * Three outputs:
 * - eventToJson(event): a plain object for flows (`msg.payload.data.Vm.Name`). Identical to
 *   JSON.parse of eventToJsonString(event), including key order. JSON numbers in a JS object are
 *   doubles: an int64 beyond +-(2^53 - 1) is held as the nearest double (so JSON.stringify of the
 *   object prints that double, not Go's digits); eventToJsonString keeps it exact.
 * - eventToJsonString(event, options): the exact text of Go's json.Marshal (by default with Go's
 *   HTML-safe escaping of <, >, &, U+2028 and U+2029; `{ escapeHTML: false }` gives the
 *   JSON.stringify escaping of the same values instead).
 * - eventToXml(event): the exact text of Go's encoding/xml.Marshal of the struct (the
 *   VSphereSource `application/xml` form).
 *
 * Go semantics reproduced (govmomi's vim25/xml decoder + Go's encoders):
 * - absent value fields get their zero value (zero structs are complete objects), absent
 *   pointers / slices / interfaces are null in JSON and left out in XML;
 * - `[]byte` is NOT base64-decoded by govmomi: the bytes are the element's text, so JSON holds
 *   base64 of the UTF-8 text and XML holds the text itself;
 * - AnyType values follow xsi:type (xsd:int -> int32, ArrayOfString -> {"String": [...]}, ...);
 *   an AnyType without xsi:type, or with a type govmomi does not know, is nil (null);
 * - times: RFC 3339 with the offset the XML carried (+00:00 prints as Z), fractional seconds
 *   truncated to 9 digits with trailing zeros dropped;
 * - a repeated non-slice element: the last one wins (as in govmomi's decoder).
 *
 * Unknown classes (a vCenter newer than the catalog): see resolveUnknown() in
 * event-data-classes.ts.
 *
 * Layout: event-data-plan.ts (compiled plans), event-data-classes.ts (known/unknown classes,
 * AnyType), go-text.ts (Go number/time text), go-escape.ts (escaping), the encoders
 * event-data-object.ts, event-data-json.ts and event-data-xml.ts, event-data-depth.ts (nesting
 * limit). No module holds conversion state: every conversion gets its own Conversion (depth),
 * every converter its own UnknownClasses (memory of unknown classes, bounded, and its logger).
 */
import { MAX_UNKNOWN_CLASSES, resolveUnknown, UnknownClasses, type Conversion, type UnknownClassLogger } from "./event-data-classes";
import { planFor, type Plan } from "./event-data-plan";
import { jsonStruct } from "./event-data-json";
import { objStruct } from "./event-data-object";
import { xmlStructElem } from "./event-data-xml";
import { jsonStr, xmlEsc } from "./go-escape";
import { floatJsonText, floatXmlText, goTime, intText } from "./go-text";
import type { XmlNode } from "./xml";

export { GO_ZERO_TIME } from "./go-text";
export { MAX_UNKNOWN_CLASSES } from "./event-data-classes";
export type { UnknownClassLogger } from "./event-data-classes";

export interface JsonStringOptions {
  /**
   * Escape <, >, & (and U+2028, U+2029) as \u003c... the way Go's json.Marshal does (default
   * true: the bytes are then identical to Go's). With false, strings are escaped as
   * JSON.stringify does, so the text equals JSON.stringify(eventToJson(event)) whenever the event
   * has no int64 beyond 2^53.
   */
  escapeHTML?: boolean;
}

export interface EventDataConverterOptions {
  /**
   * Where the once-per-class line about a class missing from the catalog goes; undefined
   * silences it. Default: console.warn.
   */
  onUnknownClass?: UnknownClassLogger | undefined;
  /** unknown class names remembered (default MAX_UNKNOWN_CLASSES) */
  maxUnknownClasses?: number;
}

const consoleWarn: UnknownClassLogger = (message) => console.warn(message);

function eventPlan(event: XmlNode, ctx: Conversion): Plan {
  const t = event.type;
  if (t === undefined || t === "") return planFor("Event") as Plan; // govmomi: BaseEvent -> Event
  return planFor(t) ?? resolveUnknown(t, "Event", event, ctx);
}

/**
 * Converts vSphere events (their XmlNode trees) to CloudEvent data. Each instance has its own
 * memory of unknown classes (bounded) and its own logger, so a reader can own one.
 */
export class EventDataConverter {
  readonly unknownClasses: UnknownClasses;

  constructor(options: EventDataConverterOptions = {}) {
    const logger = "onUnknownClass" in options ? options.onUnknownClass : consoleWarn;
    this.unknownClasses = new UnknownClasses(logger, options.maxUnknownClasses ?? MAX_UNKNOWN_CLASSES);
  }

  /** Where the once-per-class lines go from now on (undefined: nowhere). */
  setUnknownClassLogger(fn: UnknownClassLogger | undefined): void {
    this.unknownClasses.logger = fn;
  }

  /**
   * The event as the object Go's encoding/json would describe (key order as Go writes it).
   * An int64 beyond +-(2^53 - 1) is held as the nearest double; use toJsonString for the
   * exact text.
   */
  toJson(event: XmlNode): Record<string, unknown> {
    return this.guarded(
      event,
      (ctx) => objStruct(event, eventPlan(event, ctx), ctx),
      () => ({}),
    );
  }

  /** The exact text of Go's json.Marshal of the govmomi event struct. */
  toJsonString(event: XmlNode, options?: JsonStringOptions): string {
    const goEsc = options?.escapeHTML !== false;
    return this.guarded(
      event,
      (ctx) => jsonStruct(event, eventPlan(event, ctx), goEsc, ctx),
      () => "{}",
    );
  }

  /** The exact text of Go's encoding/xml.Marshal of the govmomi event struct (see eventToXml). */
  toXml(event: XmlNode): string {
    const t = event.type !== undefined && event.type !== "" ? event.type : "Event";
    return this.guarded(
      event,
      (ctx) => {
        const plan = eventPlan(event, ctx);
        const name = planFor(t) === undefined ? t : plan.name;
        return xmlStructElem(name, "<" + name + ">", "</" + name + ">", event, plan, ctx);
      },
      () => "<" + t + "></" + t + ">",
    );
  }

  /** The class (Go type) this converter uses for the event (see convertedClassOf). */
  convertedClassOf(event: XmlNode): string {
    return eventPlan(event, this.conversion()).name;
  }

  private conversion(): Conversion {
    return { depth: 0, classes: this.unknownClasses };
  }

  /** Run a conversion; an unexpected internal error is logged once and gives `fallback`. */
  private guarded<T>(event: XmlNode, fn: (ctx: Conversion) => T, fallback: () => T): T {
    try {
      return fn(this.conversion());
    } catch (err) {
      const cls = event.type ?? "Event";
      this.unknownClasses.warnOnce(
        "\u0000error " + cls,
        null,
        `converting a vSphere ${cls} failed (${(err as Error)?.message ?? String(err)}); its data is left empty`,
      );
      return fallback();
    }
  }
}

/**
 * The converter behind the module functions below (used where no converter is passed, e.g.
 * lib/vsphere/cloudevent.ts without `converter`). Prefer an own EventDataConverter per reader.
 */
const shared = new EventDataConverter();

/**
 * Where the shared converter's warnings about classes missing from the catalog go (once per
 * class name). Pass `undefined` to silence them. The default is console.warn. A reader that
 * owns an EventDataConverter sets its logger there instead.
 */
export function setUnknownClassLogger(fn: UnknownClassLogger | undefined): void {
  shared.setUnknownClassLogger(fn);
}

/**
 * The event as the object Go's encoding/json would describe (key order as Go writes it).
 * An int64 beyond +-(2^53 - 1) is held as the nearest double; use eventToJsonString for the
 * exact text.
 */
export function eventToJson(event: XmlNode): Record<string, unknown> {
  return shared.toJson(event);
}

/** The exact text of Go's json.Marshal of the govmomi event struct. */
export function eventToJsonString(event: XmlNode, options?: JsonStringOptions): string {
  return shared.toJsonString(event, options);
}

/**
 * The exact text of Go's encoding/xml.Marshal of the govmomi event struct: root element = the
 * Go type name (the class, or the Go type govmomi's registry maps a vim name to), no
 * namespace, no xsi:type (the VSphereSource `application/xml` data).
 * For a class unknown to the catalog the root element keeps the class name from the XML and the
 * children are those of the nearest known base.
 */
export function eventToXml(event: XmlNode): string {
  return shared.toXml(event);
}

/**
 * The class (Go type) the converter uses for this event: the xsi:type when the catalog knows
 * it (for a name govmomi's registry maps to another Go type, that type), otherwise the nearest
 * known base (see resolveUnknown).
 */
export function convertedClassOf(event: XmlNode): string {
  return shared.convertedClassOf(event);
}

/** @internal helpers exposed for unit tests */
export const _internal = {
  goTime,
  floatJsonText,
  floatXmlText,
  jsonStr,
  xmlEsc,
  intText,
  resetUnknownClassWarnings(): void {
    shared.unknownClasses.clear();
  },
};
