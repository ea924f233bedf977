/**
 * `vcenter-in`: reads the vCenter event stream of a `vsphere-config` and sends one CloudEvent
 * message per event. The protocol is in lib/vsphere, the pipeline around the reader (window,
 * checkpoint, status, close order) in the source runner (lib/source, nodes/source-node.ts);
 * this file holds the settings, the reader factory and "event → message".
 */
import type { Node, NodeAPI, NodeDef } from "node-red";
import { readCheckpoint, type VsphereCheckpoint } from "../lib/vsphere/checkpoint";
import { vsphereCloudEvent, type PayloadEncoding, type VsphereFormat } from "../lib/vsphere/cloudevent";
import { eventTypeName, type VimEvent } from "../lib/vsphere/event";
import type { VsphereSession } from "../lib/vsphere/session";
import type { CloudEvent } from "../lib/cloudevents/event";
import { EventReader } from "../lib/vsphere/event-reader";
import { checkpointOf, PositionTracker, type PassedEvent } from "../lib/vsphere/position";
import type { ConnectionStatus } from "../lib/vsphere/connection";
import { eventTypeNames } from "../lib/vsphere/event-types";
import { setUnknownClassLogger } from "../lib/vsphere/event-data";
import { parseSettings, type VcenterInSettings } from "../lib/vsphere/settings";
import type { SourceStatus } from "../lib/source/status";
import { eventMessage } from "../lib/source/message";
import type { VsphereConfigNode } from "./vsphere-config-types";
import { fail, message as errorText } from "./node-errors";
import { registerAdminApi } from "./admin-api";
import { runSource } from "./source-node";

interface VcenterInDef extends NodeDef {
  server: string;
  eventTypes: string[] | string;
  format: VsphereFormat;
  payloadEncoding: PayloadEncoding;
  checkpointStore: string;
  checkpointPeriod: number | string;
  maxAge: number | string;
  delivery: string;
  maxInFlight: number | string;
  filter?: string;
}

export = function (RED: NodeAPI): void {
  function VcenterIn(this: Node, config: VcenterInDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const server = RED.nodes.getNode(config.server) as VsphereConfigNode | null;

    let settings: VcenterInSettings;
    try {
      settings = parseSettings(config);
    } catch (err) {
      return fail(node, RED._("vcenter-in.errors.invalid-settings", { reason: errorText(err) }));
    }
    if (server === null) return fail(node, RED._("vcenter-in.errors.no-server"));
    const conn = server.connection;
    if (conn === undefined) {
      return fail(node, RED._("vcenter-in.errors.bad-server", { reason: server.configError ?? "" }));
    }
    let closing = false;
    const message = (ev: VimEvent, session: VsphereSession): { topic: string; payload: CloudEvent } =>
      eventMessage(
        eventTypeName(ev),
        vsphereCloudEvent(ev, {
          source: session.sdkUrl,
          apiVersion: session.content.apiVersion,
          format: settings.format,
          encoding: settings.payloadEncoding,
        }),
      );
    const log = { info: (m: string) => node.log(m), warn: (m: string) => node.warn(m) };

    const runner = runSource<PassedEvent, VsphereCheckpoint>(RED, node, {
      type: "vcenter-in",
      settings,
      source: conn.sdkUrl,
      readCheckpoint,
      tracker: (cp) => {
        const committed = new PositionTracker(cp);
        return (e) => {
          const pos = committed.advance(e);
          return () => checkpointOf(pos, conn.sdkUrl);
        };
      },
      reader: (r, checkpoint) =>
        new EventReader({
          connection: conn,
          eventTypes: settings.eventTypes,
          maxAgeSeconds: settings.maxAge,
          checkpoint,
          onEvent: (ev, session, timeKey) => {
            const msg = message(ev, session);
            return r.emit(msg, { key: ev.key, createdTime: ev.createdTime, timeKey, type: msg.topic });
          },
          onStatus: (s) => r.setStatus(s),
          log,
        }),
      filter: config.filter,
      itemTime: (e) => Date.parse(e.createdTime),
      // a second collector over [from, to], beside the live one
      replay: (sink, from, to) =>
        new EventReader({
          connection: conn,
          eventTypes: settings.eventTypes,
          maxAgeSeconds: 0,
          range: { beginTime: from, endTime: to, onEnd: () => sink.end() },
          onEvent: (ev, session) => sink.emit(message(ev, session)),
          onStatus: (s) => {
            if (s.state === "reconnecting" || s.state === "error") log.warn(RED._("vcenter-in.warnings.replay-retry", { reason: s.reason }));
          },
          log,
        }),
      // the shared connection's own trouble shows over the reader's state
      adjust: (s: SourceStatus): SourceStatus => {
        const c = conn.state;
        if (c.state === "error") return { state: "error", reason: c.reason ?? "" };
        if (s.state === "connecting" && c.state === "reconnecting") return { state: "reconnecting", reason: c.reason ?? "" };
        return s;
      },
      closeMs: 1900,
      release: async (removed) => {
        closing = true;
        conn.off("status", onConnection);
        conn.off("failure", onFailure);
        await conn.deregister(node, removed);
      },
    });
    const onConnection = (s: ConnectionStatus): void => {
      if (closing || runner === undefined) return;
      if (s.state === "error" || s.state === "reconnecting") runner.setStatus({ state: "reconnecting", reason: s.reason ?? "" });
      else runner.refreshStatus();
    };
    const onFailure = (_err: unknown, reason: string): void => {
      if (!closing) node.error(RED._("vcenter-in.errors.connection", { address: conn.sdkUrl, reason }), {});
    };
    if (runner === undefined) return;
    conn.on("status", onConnection);
    conn.on("failure", onFailure);
    conn.register(node);
    runner.refreshStatus();
  }

  RED.nodes.registerType("vcenter-in", VcenterIn);
  registerAdminApi(RED);

  // events of classes newer than the type catalog are converted through their nearest known
  // base class; say so once per class in Node-RED's log
  setUnknownClassLogger((text) => RED.log.warn(`vcenter-in: ${text}`));

  // editor helper: event type names for the eventTypes autocomplete
  RED.httpAdmin.get("/vcenter-in/event-types", RED.auth.needsPermission("vcenter-in.read"), (req, res) => {
    const id = typeof req.query.server === "string" ? req.query.server : "";
    const server = id !== "" ? (RED.nodes.getNode(id) as VsphereConfigNode | null) : null;
    eventTypeNames(server?.connection?.currentSession).then(
      (names) => res.json(names),
      (err: unknown) => res.status(500).json({ error: errorText(err) }),
    );
  });
};
