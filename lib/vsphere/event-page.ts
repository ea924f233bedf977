/**
 * ReadNextEvents on the hot path: a hand-written request envelope, and the response scanned by
 * the strict SOAP scanner (xml-scan.ts) into one small tree per event (see
 * docs/decisions/0001-soap-client-and-event-pages.md and 0006-xml-scanner.md).
 */
import { VsphereError } from "./faults";
import type { VsphereSession } from "./session";
import type { MoRef } from "./vim-client";
import { toVimEvent, type VimEvent } from "./event";
import { StringDecoder } from "node:string_decoder";
import { XmlScanError, XmlScanner } from "./xml-scan";
import type { XmlNode } from "./xml";
import type { PageSlabs } from "./page-slabs";

export function escapeXmlText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function readNextEnvelope(collector: MoRef, maxCount: number): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
    `<ReadNextEvents xmlns="urn:vim25"><_this type="${escapeXmlText(collector.type)}">${escapeXmlText(collector.value)}</_this>` +
    `<maxCount>${maxCount}</maxCount></ReadNextEvents></soapenv:Body></soapenv:Envelope>`
  );
}

/**
 * ReadNextEvents, the bytes only: the page is parsed later, a piece at a time, by
 * EventPageDecoder, so a page read ahead costs off-heap bytes and not thousands of objects
 * waiting (long-lived objects are what make the garbage collector's work and RSS grow). With
 * `slabs` the bytes are copied into reused slabs as they arrive (see page-slabs.ts); the caller
 * gives each chunk back to `slabs` once decoded.
 */
export async function fetchEventPage(
  session: VsphereSession,
  collector: MoRef,
  maxCount: number,
  signal?: AbortSignal,
  slabs?: PageSlabs,
): Promise<Buffer[]> {
  // read with the transport's byte cap and deadline (lib/vsphere/response-body.ts)
  return session.transport.post(readNextEnvelope(collector, maxCount), { signal, slabs });
}

/** Decodes a ReadNextEventsResponse piece by piece into events. */
export class EventPageDecoder {
  private events: VimEvent[] = [];
  // chunk by chunk: no page-sized string (see XmlScanner); the decoder keeps UTF-8
  // sequences cut between chunks whole
  private readonly decoder = new StringDecoder("utf8");
  private readonly scanner: XmlScanner;

  constructor(onBadEvent?: (err: Error) => void) {
    // Envelope (1) > Body (2) > ReadNextEventsResponse (3) > returnval (4)
    this.scanner = new XmlScanner(4, (node) => {
      if (node.name !== "returnval") return;
      try {
        this.events.push(toVimEvent(node));
      } catch (err) {
        // one malformed event must not block the stream: report it and go on
        onBadEvent?.(err as Error);
      }
    });
  }

  /** Feed bytes; returns the events completed by them. */
  push(chunk: Buffer): VimEvent[] {
    this.guard(() => this.scanner.write(this.decoder.write(chunk)));
    return this.take();
  }

  /** The page is complete: returns the last events; throws if it was not a ReadNextEvents answer. */
  end(): VimEvent[] {
    let root: XmlNode | undefined;
    this.guard(() => {
      this.scanner.write(this.decoder.end());
      root = this.scanner.end();
    });
    const body = root!.children.find((c) => c.name === "Body");
    const response = body?.children[0];
    if (response === undefined || response.name !== "ReadNextEventsResponse") {
      throw new VsphereError(`unexpected ReadNextEvents answer <${response?.name ?? root!.name}>`, "fault");
    }
    return this.take();
  }

  private take(): VimEvent[] {
    const out = this.events;
    if (out.length > 0) this.events = [];
    return out;
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof XmlScanError) {
        throw new VsphereError(`vCenter sent an event page that is not well-formed XML: ${err.message}`, "fault");
      }
      throw err;
    }
  }
}

/** Read and decode the next page of events (oldest first). Empty when caught up. */
export async function readNextEvents(
  session: VsphereSession,
  collector: MoRef,
  maxCount: number,
  signal?: AbortSignal,
  onBadEvent?: (err: Error) => void,
): Promise<VimEvent[]> {
  const chunks = await fetchEventPage(session, collector, maxCount, signal);
  const dec = new EventPageDecoder(onBadEvent);
  const events: VimEvent[] = [];
  for (const c of chunks) events.push(...dec.push(c));
  events.push(...dec.end());
  return events;
}
