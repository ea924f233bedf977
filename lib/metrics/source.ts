/**
 * A reading source's metrics: the SourceObserver the source runner (lib/source/runner.ts) reports
 * to, counting into the node's book.
 */
import type { SourceObserver } from "../source/runner";
import type { SourceStatus } from "../source/status";
import { type NodeLabels, SourceBook } from "./book";
import { defaultHub, type MetricsHub } from "./hub";

export interface SourceMetrics extends SourceObserver {
  /** the node closed: its series and stats are gone (a redeployed node starts from 0) */
  release(): void;
}

export function sourceMetrics(labels: NodeLabels & { source: string }, hub: MetricsHub = defaultHub()): SourceMetrics {
  const book = new SourceBook(labels, labels.source, true);
  hub.add(book);
  return {
    sent(replayed, eventTimeMs) {
      if (replayed) book.replayed++;
      else {
        book.events++;
        if (!Number.isNaN(eventTimeMs)) book.lastEventMs = eventTimeMs;
      }
    },
    filtered() {
      book.filtered++;
    },
    committed(eventTimeMs) {
      book.acknowledged++;
      if (!Number.isNaN(eventTimeMs)) book.checkpointMs = eventTimeMs;
    },
    inFlight(n) {
      book.inFlight = n;
    },
    status(s: SourceStatus) {
      book.status(s.state, s.state === "error" || s.state === "reconnecting" ? s.reason : undefined, hub.now());
    },
    release() {
      hub.remove(book);
    },
  };
}
