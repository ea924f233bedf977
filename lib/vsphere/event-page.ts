/**
 * ReadNextEvents on the hot path: a hand-written request envelope, and the response scanned by
 * the strict SOAP scanner (xml-scan.ts) into one small tree per event (see
 * docs/decisions/0001-soap-client-and-event-pages.md and 0006-xml-scanner.md).
 */
import { VsphereError } from "./faults";
import type { VsphereSession } from "./session";
import { describe } from "./transport";
import type { MoRef } from "./vim-client";
import { toVimEvent, type VimEvent } from "./event";
import { scanXml } from "./xml-scan";
import type { XmlNode } from "./xml";

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

/** Read the next page of events (oldest first). Empty when the collector is caught up. */
export async function readNextEvents(
  session: VsphereSession,
  collector: MoRef,
  maxCount: number,
  signal?: AbortSignal,
  onBadEvent?: (err: Error) => void,
): Promise<VimEvent[]> {
  const res = await session.transport.post(readNextEnvelope(collector, maxCount), { signal });
  const events: VimEvent[] = [];
  let text: string;
  try {
    text = await res.body.text();
  } catch (err) {
    throw new VsphereError(`reading an event page failed: ${describe(err)}`, "transport");
  }
  let root: XmlNode;
  try {
    // Envelope (1) > Body (2) > ReadNextEventsResponse (3) > returnval (4)
    root = scanXml(text, 4, (node) => {
      if (node.name !== "returnval") return;
      try {
        events.push(toVimEvent(node));
      } catch (err) {
        // one malformed event must not block the stream: report it and go on
        onBadEvent?.(err as Error);
      }
    });
  } catch (err) {
    throw new VsphereError(`vCenter sent an event page that is not well-formed XML: ${describe(err)}`, "fault");
  }
  const body = root.children.find((c) => c.name === "Body");
  const response = body?.children[0];
  if (response === undefined || response.name !== "ReadNextEventsResponse") {
    throw new VsphereError(`unexpected ReadNextEvents answer <${response?.name ?? root.name}>`, "fault");
  }
  return events;
}
