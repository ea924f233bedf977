/**
 * `vcenter-in`: reads the vCenter event stream of a `vsphere-config` and sends one CloudEvent
 * message per event. All protocol work is in lib/vsphere; this file maps node settings,
 * messages, status, context and close onto it.
 */
import type { Node, NodeAPI, NodeDef } from "node-red";
import { Checkpointer, type CheckpointStore } from "../lib/checkpoint/checkpointer";
import { readCheckpoint, type VsphereCheckpoint } from "../lib/vsphere/checkpoint";
import { toCloudEvent, type PayloadEncoding, type VsphereFormat } from "../lib/vsphere/cloudevent";
import { eventTypeName } from "../lib/vsphere/event";
import { EventReader, type ReaderStatus } from "../lib/vsphere/event-reader";
import { checkpointOf, PositionTracker, type PassedEvent } from "../lib/vsphere/position";
import { AcknowledgedSends } from "./ack-hooks";
import type { ConnectionStatus } from "../lib/vsphere/connection";
import { eventTypeNames } from "../lib/vsphere/event-types";
import { setUnknownClassLogger } from "../lib/vsphere/event-data";
import { parseSettings, type VcenterInSettings } from "../lib/vsphere/settings";
import { contextStoreIsPersistent, nodeContextStore } from "./context-store";
import { guardedClose } from "./close";
import type { VsphereConfigNode } from "./vsphere-config-types";
import { fail, message } from "./node-errors";

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
}

const CHECKPOINT_KEY = "checkpoint";
/** status updates for the running count are sent at most this often */
const STATUS_INTERVAL_MS = 500;

export = function (RED: NodeAPI): void {
  function VcenterIn(this: Node, config: VcenterInDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const server = RED.nodes.getNode(config.server) as VsphereConfigNode | null;

    let settings: VcenterInSettings;
    try {
      settings = parseSettings(config);
    } catch (err) {
      return fail(node, RED._("vcenter-in.errors.invalid-settings", { reason: message(err) }));
    }
    if (server === null) return fail(node, RED._("vcenter-in.errors.no-server"));
    const conn = server.connection;
    if (conn === undefined) {
      return fail(node, RED._("vcenter-in.errors.bad-server", { reason: server.configError ?? "" }));
    }
    if (!contextStoreIsPersistent(RED.settings, settings.checkpointStore)) {
      node.warn(RED._("vcenter-in.warnings.memory-store", { store: settings.checkpointStore || "default" }));
    }

    const store: CheckpointStore<VsphereCheckpoint> = {
      load: async () => {
        const { checkpoint, problem } = readCheckpoint(await nodeContextStore(node, settings.checkpointStore).load(CHECKPOINT_KEY));
        if (problem !== undefined) node.warn(RED._("vcenter-in.warnings.bad-checkpoint", { reason: problem }));
        return checkpoint;
      },
      save: (cp) => nodeContextStore(node, settings.checkpointStore).save(CHECKPOINT_KEY, cp),
    };
    const checkpointer = new Checkpointer(store, {
      periodMs: settings.checkpointPeriod * 1000,
      onError: (err) => node.warn(RED._("vcenter-in.warnings.checkpoint-save", { reason: message(err) })),
    });

    // delivery "acknowledged": the checkpoint follows the end of the contiguous prefix of
    // events every reached node has finished with; "sent": what was handed to the flow
    const committed = new PositionTracker();
    let acked: AcknowledgedSends<PassedEvent> | undefined;
    if (settings.delivery === "acknowledged") {
      try {
        acked = new AcknowledgedSends<PassedEvent>(RED, node, settings.maxInFlight, (e) => {
          const pos = committed.advance(e);
          checkpointer.update(() => checkpointOf(pos, conn.sdkUrl));
        });
      } catch (err) {
        return fail(node, RED._("vcenter-in.errors.invalid-settings", { reason: message(err) }));
      }
    }

    let reader: EventReader | undefined;
    let closing = false;
    let lastStatus: ReaderStatus = { state: "connecting" };
    let statusTimer: NodeJS.Timeout | undefined;
    let statusShownAt = 0;

    const showStatus = (): void => {
      statusShownAt = Date.now();
      const conState = conn.state;
      const s = lastStatus;
      if (conState.state === "error") {
        node.status({ fill: "red", shape: "ring", text: RED._("vcenter-in.status.error", { reason: conState.reason ?? "" }) });
      } else if (s.state === "connected") {
        node.status({ fill: "green", shape: "dot", text: RED._("vcenter-in.status.connected", { count: s.count }) });
      } else if (s.state === "reconnecting") {
        node.status({ fill: "yellow", shape: "ring", text: RED._("vcenter-in.status.reconnecting", { reason: s.reason }) });
      } else if (s.state === "error") {
        node.status({ fill: "red", shape: "ring", text: RED._("vcenter-in.status.error", { reason: s.reason }) });
      } else if (conState.state === "reconnecting") {
        node.status({ fill: "yellow", shape: "ring", text: RED._("vcenter-in.status.reconnecting", { reason: conState.reason ?? "" }) });
      } else {
        node.status({ fill: "yellow", shape: "ring", text: "vcenter-in.status.connecting" });
      }
    };
    const updateStatus = (s: ReaderStatus): void => {
      if (closing) return;
      const sameState = s.state === lastStatus.state;
      lastStatus = s;
      if (!sameState || Date.now() - statusShownAt >= STATUS_INTERVAL_MS) {
        showStatus();
      } else if (statusTimer === undefined) {
        statusTimer = setTimeout(() => {
          statusTimer = undefined;
          if (!closing) showStatus();
        }, STATUS_INTERVAL_MS);
      }
    };
    const onConnection = (s: ConnectionStatus): void => {
      if (closing) return;
      if (s.state === "error" || s.state === "reconnecting") lastStatus = { state: "reconnecting", reason: s.reason ?? "" };
      showStatus();
    };
    const onFailure = (_err: unknown, reason: string): void => {
      if (!closing) node.error(RED._("vcenter-in.errors.connection", { address: conn.sdkUrl, reason }), {});
    };
    conn.on("status", onConnection);
    conn.on("failure", onFailure);
    conn.register(node);
    showStatus();

    const start = async (): Promise<void> => {
      const checkpoint = await checkpointer.load();
      if (closing) return;
      reader = new EventReader({
        connection: conn,
        eventTypes: settings.eventTypes,
        maxAgeSeconds: settings.maxAge,
        checkpoint,
        onEvent: (ev, session, timeKey) => {
          const msg: Record<string, unknown> = {
            topic: eventTypeName(ev),
            payload: toCloudEvent(ev, {
              source: session.sdkUrl,
              apiVersion: session.content.apiVersion,
              format: settings.format,
              encoding: settings.payloadEncoding,
            }),
          };
          if (acked === undefined) {
            node.send(msg);
            return undefined;
          }
          return acked.send(node, msg, { key: ev.key, createdTime: ev.createdTime, timeKey, type: msg.topic as string });
        },
        onPosition: acked !== undefined ? undefined : (pos) => checkpointer.update(() => checkpointOf(pos, conn.sdkUrl)),
        onStatus: updateStatus,
        log: { info: (m) => node.log(m), warn: (m) => node.warn(m) },
      });
      checkpointer.start();
      reader.start();
    };
    start().catch((err: unknown) => {
      updateStatus({ state: "error", reason: message(err) });
      node.error(RED._("vcenter-in.errors.start", { reason: message(err) }), {});
    });

    guardedClose(node, 1900, async () => {
      closing = true;
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      conn.off("status", onConnection);
      conn.off("failure", onFailure);
      acked?.stop();
      await reader?.close();
      acked?.close();
      await checkpointer.close();
      await conn.deregister(node);
      node.status({});
    });
  }

  RED.nodes.registerType("vcenter-in", VcenterIn);

  // events of classes newer than the type catalog are converted through their nearest known
  // base class; say so once per class in Node-RED's log
  setUnknownClassLogger((text) => RED.log.warn(`vcenter-in: ${text}`));

  // editor helper: event type names for the eventTypes autocomplete
  RED.httpAdmin.get("/vcenter-in/event-types", RED.auth.needsPermission("vcenter-in.read"), (req, res) => {
    const id = typeof req.query.server === "string" ? req.query.server : "";
    const server = id !== "" ? (RED.nodes.getNode(id) as VsphereConfigNode | null) : null;
    eventTypeNames(server?.connection?.currentSession).then(
      (names) => res.json(names),
      (err: unknown) => res.status(500).json({ error: message(err) }),
    );
  });
};
