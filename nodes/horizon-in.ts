/**
 * `horizon-in`: reads VMware Horizon audit events over REST and sends one CloudEvent message per
 * event, in time order, exactly once across restarts. All protocol work is in lib/horizon; this
 * file maps node settings, credentials, messages, status, context and close onto it.
 */
import type { Node, NodeAPI, NodeDef } from "node-red";
import { Checkpointer, type CheckpointStore } from "../lib/checkpoint/checkpointer";
import {
  auditEventToCloudEvent,
  checkpointOf,
  type HorizonCheckpoint,
  HorizonClient,
  type HorizonInSettings,
  HorizonPositionTracker,
  HorizonReader,
  type HorizonReaderStatus,
  type PassedAuditEvent,
  parseHorizonSettings,
  readHorizonCheckpoint,
} from "../lib/horizon";
import { AcknowledgedSends } from "./ack-hooks";
import { guardedClose } from "./close";
import { contextStoreIsPersistent, nodeContextStore } from "./context-store";
import { fail, message } from "./node-errors";

interface HorizonInDef extends NodeDef {
  address: string;
  insecureSSL: boolean;
  checkpointStore: string;
  checkpointPeriod: number | string;
  delivery: string;
  maxInFlight: number | string;
}

interface HorizonCredentials {
  domain?: string;
  username?: string;
  password?: string;
}

const CHECKPOINT_KEY = "checkpoint";
/** status updates for the running count are sent at most this often */
const STATUS_INTERVAL_MS = 500;

export = function (RED: NodeAPI): void {
  function HorizonIn(this: Node<HorizonCredentials>, config: HorizonInDef): void {
    RED.nodes.createNode(this, config);
    const node = this;

    let settings: HorizonInSettings;
    try {
      settings = parseHorizonSettings(config);
    } catch (err) {
      return fail(node, RED._("horizon-in.errors.invalid-settings", { reason: message(err) }));
    }
    const creds = node.credentials ?? {};
    const domain = (creds.domain ?? "").trim();
    const username = (creds.username ?? "").trim();
    const password = creds.password ?? "";
    if (domain === "" || username === "" || password === "") return fail(node, RED._("horizon-in.errors.no-credentials"));
    if (!contextStoreIsPersistent(RED.settings, settings.checkpointStore)) {
      node.warn(RED._("horizon-in.warnings.memory-store", { store: settings.checkpointStore || "default" }));
    }
    const source = settings.baseUrl;

    const store: CheckpointStore<HorizonCheckpoint> = {
      load: async () => {
        const value = await nodeContextStore(node, settings.checkpointStore).load(CHECKPOINT_KEY);
        const { position, problem } = readHorizonCheckpoint(value, source);
        if (problem !== undefined) node.warn(RED._("horizon-in.warnings.bad-checkpoint", { reason: problem }));
        return position === undefined ? undefined : checkpointOf(position, source);
      },
      save: (cp) => nodeContextStore(node, settings.checkpointStore).save(CHECKPOINT_KEY, cp),
    };
    const checkpointer = new Checkpointer(store, {
      periodMs: settings.checkpointPeriod * 1000,
      onError: (err) => node.warn(RED._("horizon-in.warnings.checkpoint-save", { reason: message(err) })),
    });

    let closing = false;

    // delivery "acknowledged": the checkpoint follows the end of the contiguous prefix of events
    // every reached node has finished with; "sent": what was handed to the flow
    const committed = new HorizonPositionTracker();
    let acked: AcknowledgedSends<PassedAuditEvent> | undefined;
    if (settings.delivery === "acknowledged") {
      try {
        acked = new AcknowledgedSends<PassedAuditEvent>(RED, node, settings.maxInFlight, (e) => {
          // nodes that "complete" the messages they drop while the flow stops (the core delay
          // node does) must not move the checkpoint: such events are replayed after a restart
          if (closing) return;
          const pos = committed.advance(e);
          checkpointer.update(() => checkpointOf(pos, source));
        });
      } catch (err) {
        return fail(node, RED._("horizon-in.errors.invalid-settings", { reason: message(err) }));
      }
    }

    const client = new HorizonClient({ baseUrl: source, domain, username, password, insecureSSL: settings.insecureSSL });
    let reader: HorizonReader | undefined;
    let lastStatus: HorizonReaderStatus = { state: "connecting" };
    let lastFailure: string | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let statusShownAt = 0;

    const showStatus = (): void => {
      statusShownAt = Date.now();
      const s = lastStatus;
      if (s.state === "connected") {
        node.status({ fill: "green", shape: "dot", text: RED._("horizon-in.status.connected", { count: s.count }) });
      } else if (s.state === "reconnecting") {
        node.status({ fill: "yellow", shape: "ring", text: RED._("horizon-in.status.reconnecting", { reason: s.reason }) });
      } else if (s.state === "error") {
        node.status({ fill: "red", shape: "ring", text: RED._("horizon-in.status.error", { reason: s.reason }) });
      } else {
        node.status({ fill: "yellow", shape: "ring", text: "horizon-in.status.connecting" });
      }
    };
    const updateStatus = (s: HorizonReaderStatus): void => {
      if (closing) return;
      const sameState = s.state === lastStatus.state;
      lastStatus = s;
      if (s.state === "error" || s.state === "reconnecting") {
        // a catchable error once per distinct failure, not on every retry
        if (s.reason !== lastFailure) node.error(RED._("horizon-in.errors.connection", { address: source, reason: s.reason }), {});
        lastFailure = s.reason;
      } else if (s.state === "connected") {
        lastFailure = undefined;
      }
      if (!sameState || Date.now() - statusShownAt >= STATUS_INTERVAL_MS) {
        showStatus();
      } else if (statusTimer === undefined) {
        statusTimer = setTimeout(() => {
          statusTimer = undefined;
          if (!closing) showStatus();
        }, STATUS_INTERVAL_MS);
      }
    };
    showStatus();

    const start = async (): Promise<void> => {
      const cp = await checkpointer.load();
      if (closing) return;
      if (cp !== undefined) committed.set(cp);
      reader = new HorizonReader({
        client,
        position: cp === undefined ? undefined : { time: cp.time, ids: cp.ids },
        onStart: (pos) => {
          // no checkpoint yet: save where we start at once, so a restart starts there too
          committed.set(pos);
          checkpointer.set(checkpointOf(pos, source));
          void checkpointer.flush();
        },
        onEvent: (ev, id) => {
          const msg: Record<string, unknown> = {
            topic: typeof ev.type === "string" ? ev.type : "",
            payload: auditEventToCloudEvent(ev, source),
          };
          if (acked === undefined) {
            node.send(msg);
            return undefined;
          }
          return acked.send(node, msg, { id, time: ev.time });
        },
        onPosition: acked !== undefined ? undefined : (pos) => checkpointer.update(() => checkpointOf(pos, source)),
        onStatus: updateStatus,
        log: { info: (m) => node.log(m), warn: (m) => node.warn(m) },
      });
      checkpointer.start();
      reader.start();
    };
    start().catch((err: unknown) => {
      updateStatus({ state: "error", reason: message(err) });
      node.error(RED._("horizon-in.errors.start", { reason: message(err) }), {});
    });

    guardedClose(node, 3500, async () => {
      acked?.stop(); // events the flow finished before the stop are acknowledged first
      closing = true;
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      await reader?.close();
      acked?.close();
      await checkpointer.close();
      await client.close(1000); // logout, bounded
      node.status({});
    });
  }

  RED.nodes.registerType<Node<HorizonCredentials>, HorizonInDef, object, HorizonCredentials>("horizon-in", HorizonIn, {
    credentials: { domain: { type: "text" }, username: { type: "text" }, password: { type: "password" } },
  });
};
