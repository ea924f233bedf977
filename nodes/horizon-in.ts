/**
 * `horizon-in`: reads VMware Horizon audit events over REST and sends one CloudEvent message per
 * event, in time order, exactly once across restarts. The protocol is in lib/horizon, the
 * pipeline around the reader (window, checkpoint, status, close order) in the source runner
 * (lib/source, nodes/source-node.ts); this file holds the settings, credentials, the reader
 * factory and "event → message".
 */
import type { Node, NodeAPI, NodeDef } from "node-red";
import type { CloudEvent } from "../lib/cloudevents/event";
import {
  type AuditEvent,
  auditEventToCloudEvent,
  checkpointOf,
  type HorizonCheckpoint,
  HorizonClient,
  type HorizonInSettings,
  HorizonPositionTracker,
  HorizonReader,
  type PassedAuditEvent,
  parseHorizonSettings,
  readHorizonCheckpoint,
} from "../lib/horizon";
import { fail, message as errorText } from "./node-errors";
import { registerAdminApi } from "./admin-api";
import { runSource } from "./source-node";
import { eventMessage } from "../lib/source/message";

interface HorizonInDef extends NodeDef {
  address: string;
  insecureSSL: boolean;
  checkpointStore: string;
  checkpointPeriod: number | string;
  delivery: string;
  maxInFlight: number | string;
  filter?: string;
}

interface HorizonCredentials {
  domain?: string;
  username?: string;
  password?: string;
}

export = function (RED: NodeAPI): void {
  function HorizonIn(this: Node<HorizonCredentials>, config: HorizonInDef): void {
    RED.nodes.createNode(this, config);
    const node = this;

    let settings: HorizonInSettings;
    try {
      settings = parseHorizonSettings(config);
    } catch (err) {
      return fail(node, RED._("horizon-in.errors.invalid-settings", { reason: errorText(err) }));
    }
    const creds = node.credentials ?? {};
    const domain = (creds.domain ?? "").trim();
    const username = (creds.username ?? "").trim();
    const password = creds.password ?? "";
    if (domain === "" || username === "" || password === "") return fail(node, RED._("horizon-in.errors.no-credentials"));
    const source = settings.baseUrl;
    const client = new HorizonClient({ baseUrl: source, domain, username, password, insecureSSL: settings.insecureSSL });
    let committed: HorizonPositionTracker | undefined;
    const message = (ev: AuditEvent): { topic: string; payload: CloudEvent } =>
      eventMessage(typeof ev.type === "string" ? ev.type : "", auditEventToCloudEvent(ev, source));
    const log = { info: (m: string) => node.log(m), warn: (m: string) => node.warn(m) };

    runSource<PassedAuditEvent, HorizonCheckpoint>(RED, node, {
      type: "horizon-in",
      settings,
      source,
      readCheckpoint: (value) => {
        const { position, problem } = readHorizonCheckpoint(value, source);
        return { checkpoint: position === undefined ? undefined : checkpointOf(position, source), problem };
      },
      tracker: (cp) => {
        const t = (committed = new HorizonPositionTracker(cp));
        return (e) => {
          const pos = t.advance(e);
          return () => checkpointOf(pos, source);
        };
      },
      reader: (r, cp) =>
        new HorizonReader({
          client,
          position: cp === undefined ? undefined : { time: cp.time, ids: cp.ids },
          onStart: (pos) => {
            // no checkpoint yet: save where we start at once, so a restart starts there too
            committed?.set(pos);
            r.startAt(checkpointOf(pos, source));
          },
          onEvent: (ev, id) => r.emit(message(ev), { id, time: ev.time }),
          onStatus: (s) => r.setStatus(s),
          log,
        }),
      filter: config.filter,
      itemTime: (e) => e.time,
      // the audit events of [from, to], beside the live polling
      replay: (sink, from, to) =>
        new HorizonReader({
          client,
          position: { time: Date.parse(from), ids: [] },
          range: { until: Date.parse(to), onEnd: () => sink.end() },
          onEvent: (ev) => sink.emit(message(ev)),
          onStatus: (s) => {
            if (s.state === "reconnecting" || s.state === "error") log.warn(RED._("horizon-in.warnings.replay-retry", { reason: s.reason }));
          },
          log,
        }),
      // a catchable error once per distinct failure, not on every retry
      reportFailures: (reason) => RED._("horizon-in.errors.connection", { address: source, reason }),
      closeMs: 3500,
      release: () => client.close(1000), // logout, bounded
    });
  }

  RED.nodes.registerType<Node<HorizonCredentials>, HorizonInDef, object, HorizonCredentials>("horizon-in", HorizonIn, {
    credentials: { domain: { type: "text" }, username: { type: "text" }, password: { type: "password" } },
  });
  registerAdminApi(RED);
};
