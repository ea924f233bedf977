/**
 * ReadNextEvents on the hot path: a hand-written request envelope and a streaming saxes
 * decode of the response straight into event trees (see docs/decisions/0002-event-pages.md).
 */
import { VsphereError } from "./faults";
import type { VsphereSession } from "./session";
import { describe } from "./transport";
import type { MoRef } from "./vim-client";
import { toVimEvent, type VimEvent } from "./event";
import { XmlStreamParser, type XmlNode } from "./xml";

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
  // Envelope (1) > Body (2) > ReadNextEventsResponse (3) > returnval (4)
  const parser = new XmlStreamParser(4, (node: XmlNode) => {
    if (node.name !== "returnval") return;
    try {
      events.push(toVimEvent(node));
    } catch (err) {
      // one malformed event must not block the stream: report it and go on
      onBadEvent?.(err as Error);
    }
  });
  try {
    res.body.setEncoding("utf8");
    for await (const chunk of res.body) parser.write(chunk as string);
    const root = parser.end();
    const body = root.children.find((c) => c.name === "Body");
    const response = body?.children[0];
    if (response === undefined || response.name !== "ReadNextEventsResponse") {
      throw new VsphereError(`unexpected ReadNextEvents answer <${response?.name ?? root.name}>`, "fault");
    }
  } catch (err) {
    res.body.destroy();
    if (err instanceof VsphereError) throw err;
    throw new VsphereError(`reading an event page failed: ${describe(err)}`, "transport");
  }
  return events;
}
