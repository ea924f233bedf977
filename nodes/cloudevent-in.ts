/**
 * `cloudevent-in`: an HTTP endpoint on Node-RED's flow server (`httpNode`) receiving CloudEvents
 * (binary, structured, batched) and sending one message per event. All protocol work is in
 * lib/webhook; this file maps settings, messages, status, acknowledgements and close onto it.
 *
 * Routing: one dispatcher is mounted on `RED.httpNode` when the module loads; nodes add and
 * remove their endpoint in its Map (no Express internals are touched). With `port` set the node
 * is served by a listener of its own instead (lib/webhook/listener.ts: one per host and port,
 * shared by nodes on that port, closed with the last), optionally HTTPS from a `tls-config`.
 *
 * Delivery `acknowledged`: each message carries an acknowledgement token (nodes/ack-hooks.ts,
 * the mechanism behind vcenter-in's checkpoints); the HTTP answer waits until every node the
 * event reached has finished with it. Two more hooks here mark an event failed when a node
 * completes it with an error (`done(err)`) or when a copy carrying `msg.error` is routed (a
 * sink's dead letter, a Catch node): the answer is then 500, so the sender retries.
 */
import type { Node, NodeAPI, NodeDef } from "node-red";
import type { CloudEvent } from "../lib/cloudevents";
import {
  basicAuthFor,
  type FlowOutcome,
  ListenError,
  type ListenerLease,
  ListenerPool,
  type ListenerSettings,
  type ListenerTls,
  parseListenerLimits,
  parseListenerSettings,
  TlsMismatchError,
  type Middleware,
  PathInUseError,
  type RequestInfo,
  type RequestResult,
  WebhookReceiver,
  WebhookRegistry,
  type WebhookSettings,
  collidesWithEditor,
  parseWebhookSettings,
} from "../lib/webhook";
import type { AckSource } from "../lib/source/ack-tracker";
import { compileFilter } from "../lib/source/filter";
import { registerAdminApi } from "./admin-api";
import { ackSource } from "./ack-hooks";
import { nodeWebhookMetrics } from "./metrics-api";
import { guardedClose } from "./close";
import { fail, message } from "./node-errors";
import { SlotMap } from "../lib/common/slot-map";
import { eventMessage } from "../lib/source/message";

interface CloudeventInDef extends NodeDef {
  path: string;
  delivery: string;
  maxBodySize: number | string;
  readTimeout: number | string;
  responseTimeout: number | string;
  maxInFlight: number | string;
  maxBatchSize: number | string;
  allowedOrigins: string;
  /** empty: Node-RED's HTTP server; a number: a listener of its own */
  port?: number | string;
  host?: string;
  /** id of a core `tls-config` node (own port only) */
  tls?: string;
  /** content filter: an event pattern; empty = every event */
  filter?: string;
}

/** What this file reads from a core `tls-config` node (node-red's 05-tls.js). */
interface TlsConfigNode {
  valid?: boolean;
  key?: string | Buffer;
  cert?: string | Buffer;
  ca?: string | Buffer;
  credentials?: { passphrase?: string };
}

interface CloudeventInCredentials {
  username?: string;
  password?: string;
}

const STATUS_INTERVAL_MS = 500;

/** the listeners of nodes with a port of their own, shared by port across the runtime */
const listeners = new ListenerPool();

/** one dispatcher per HTTP app (a runtime loaded twice in one process gets its own) */
const registries = new WeakMap<object, WebhookRegistry>();

/** `settings.httpNodeMiddleware` (a function or a list), as Node-RED's `http in` applies it. */
function nodeMiddleware(RED: NodeAPI): Middleware[] {
  let mw: unknown;
  try {
    mw = (RED.settings as unknown as { httpNodeMiddleware?: unknown }).httpNodeMiddleware;
  } catch {
    mw = undefined; // settings throws for keys that are not set
  }
  if (typeof mw === "function") return [mw as Middleware];
  if (Array.isArray(mw)) return mw.filter((f): f is Middleware => typeof f === "function");
  return [];
}

/**
 * `settings.httpAdminRoot` / `httpNodeRoot` normalized for comparison ("/Admin/" is "/admin"; not
 * set is "/"); false (disabled) stays false.
 */
function rootOf(RED: NodeAPI, name: "httpAdminRoot" | "httpNodeRoot"): string | false {
  let root: unknown;
  try {
    root = (RED.settings as unknown as Record<string, unknown>)[name];
  } catch {
    root = undefined; // settings throws for keys that are not set
  }
  if (root === false) return false;
  let r = typeof root === "string" && root !== "" ? root : "/";
  if (!r.startsWith("/")) r = "/" + r;
  while (r.length > 1 && r.endsWith("/")) r = r.slice(0, -1);
  return r.toLowerCase();
}

/** settings.js `vmwareEvents.listener` (limits of the ports of their own); undefined when not set */
function listenerLimitsSetting(RED: NodeAPI): unknown {
  try {
    return (RED.settings as unknown as { vmwareEvents?: { listener?: unknown } }).vmwareEvents?.listener;
  } catch {
    return undefined; // settings throws for keys that are not set
  }
}

export = function (RED: NodeAPI): void {
  const limits = parseListenerLimits(listenerLimitsSetting(RED));
  for (const problem of limits.problems) RED.log.warn(`cloudevent-in: ${problem}; the default applies`);
  listeners.setLimits(limits.limits);
  const app = RED.httpNode as unknown as { use?: (fn: Middleware) => void } | undefined;
  let registry: WebhookRegistry | undefined;
  if (app !== undefined && app !== null && typeof app.use === "function") {
    registry = registries.get(app);
    if (registry === undefined) {
      registry = new WebhookRegistry(nodeMiddleware(RED));
      registries.set(app, registry);
      app.use(registry.dispatch);
      // with httpAdminRoot = httpNodeRoot the editor app's body parsers would take JSON bodies first
      const server = (RED as unknown as { server?: NodeJS.EventEmitter }).server;
      const root = rootOf(RED, "httpNodeRoot");
      if (root !== false && server !== undefined && server !== null && typeof server.prependListener === "function") {
        registry.claimBodies(server, root);
      }
    }
  }

  function CloudeventIn(this: Node<CloudeventInCredentials>, config: CloudeventInDef): void {
    RED.nodes.createNode(this, config);
    const node = this;

    let settings: WebhookSettings;
    let where: ListenerSettings;
    try {
      settings = parseWebhookSettings(config);
      where = parseListenerSettings(config);
    } catch (err) {
      return fail(node, RED._("cloudevent-in.errors.invalid-settings", { reason: message(err) }));
    }
    const compiled = compileFilter(config.filter);
    if (!compiled.ok) return fail(node, RED._("cloudevent-in.errors.invalid-filter", { reason: compiled.error }));
    const filter = compiled.filter;
    const ownPort = where.port;
    let tls: ListenerTls | undefined;
    if (ownPort === undefined) {
      if (registry === undefined || rootOf(RED, "httpNodeRoot") === false) return fail(node, RED._("cloudevent-in.errors.no-http"));
      if (rootOf(RED, "httpAdminRoot") === rootOf(RED, "httpNodeRoot") && collidesWithEditor(settings.path)) {
        return fail(node, RED._("cloudevent-in.errors.editor-path", { path: settings.path }));
      }
    } else if (typeof config.tls === "string" && config.tls !== "") {
      const t = RED.nodes.getNode(config.tls) as (Node & TlsConfigNode) | null;
      if (t === null || t === undefined) return fail(node, RED._("cloudevent-in.errors.tls-missing"));
      if (t.valid === false || t.key === undefined || t.cert === undefined || t.key === "" || t.cert === "") {
        return fail(node, RED._("cloudevent-in.errors.tls-invalid"));
      }
      tls = { id: config.tls, key: t.key, cert: t.cert, ca: t.ca === "" ? undefined : t.ca, passphrase: t.credentials?.passphrase || undefined };
    }
    const reg = registry;
    const scheme = tls === undefined ? "http" : "https";

    // ---- counters and status
    let accepted = 0;
    let rejected = 0;
    let closing = false;
    let statusTimer: NodeJS.Timeout | undefined;
    let statusShownAt = 0;
    const showStatus = (): void => {
      statusShownAt = Date.now();
      if (accepted === 0 && rejected === 0) {
        const text =
          ownPort === undefined
            ? RED._("cloudevent-in.status.listening", { path: settings.path })
            : RED._("cloudevent-in.status.listening-port", { scheme, host: where.host ?? "*", port: ownPort, path: settings.path });
        node.status({ fill: "green", shape: "dot", text });
      } else {
        node.status({
          fill: "green",
          shape: rejected > 0 ? "ring" : "dot",
          text: RED._("cloudevent-in.status.received", { path: settings.path, count: accepted, rejected }),
        });
      }
    };
    const updateStatus = (): void => {
      if (closing) return;
      if (Date.now() - statusShownAt >= STATUS_INTERVAL_MS) showStatus();
      else if (statusTimer === undefined) {
        statusTimer = setTimeout(() => {
          statusTimer = undefined;
          if (!closing) showStatus();
        }, STATUS_INTERVAL_MS);
      }
    };
    const metrics = nodeWebhookMetrics(RED, node, settings.path);
    const onResult = (r: RequestResult): void => {
      metrics.request(r.status);
      if (r.status >= 500) metrics.error(`${r.status} ${r.reason ?? ""}`);
      if (r.status < 300) accepted += r.events;
      else if (r.status !== 503 && r.status !== 504 && r.status !== 500) rejected++;
      if (r.status >= 400) node.debug(`${r.remoteAddress}: ${r.status} ${r.reason ?? ""}`);
      updateStatus();
    };

    // ---- acknowledged delivery: one token per event, one outcome per request
    interface Pending {
      remaining: number;
      failure: string | undefined;
      resolve: (o: FlowOutcome) => void;
    }
    // by a key per event; a slot map, not a Map: one entry comes and goes per event, and a Map's
    // obsolete tables kept every waiting request alive through scavenges (lib/common/slot-map.ts)
    const inFlight = new SlotMap<Pending>();
    let acks: AckSource | undefined;
    if (settings.delivery === "acknowledged") {
      try {
        acks = ackSource(RED, node, {
          acknowledge: (s: number) => {
            const p = inFlight.get(s);
            if (p === undefined) return;
            inFlight.delete(s);
            metrics.committed(NaN);
            metrics.inFlight(inFlight.size);
            p.remaining--;
            if (p.remaining === 0) p.resolve(p.failure === undefined ? { ok: true } : { ok: false, reason: p.failure });
          },
          // a node failed the event (done(err)) or a copy carrying msg.error was routed (a
          // sink's dead letter, a Catch node): the answer is 500, so the sender retries
          fail: (s: number, reason: string) => {
            const p = inFlight.get(s);
            if (p !== undefined && p.failure === undefined) p.failure = reason;
          },
        });
      } catch (err) {
        return fail(node, RED._("cloudevent-in.errors.invalid-settings", { reason: message(err) }));
      }
    }

    const messageFor = (ev: CloudEvent, info: RequestInfo, index: number, size: number): Record<string, unknown> => {
      const http: RequestInfo = size === 1 && info.mode !== "batch" ? info : { ...info, batch: { index, size } };
      const subject = ev.subject;
      const msg: Record<string, unknown> = eventMessage(typeof subject === "string" && subject !== "" ? subject : ev.type, ev);
      msg.http = http;
      return msg;
    };

    /**
     * Send events with a token each; the promise settles once the flow has finished with all.
     * A throw while sending: the event that threw keeps its window entry only while copies of
     * it already routed are in the flow (its token is let go, so it is acknowledged once they
     * finish, or at once when none was routed); the events after it are never sent and take no
     * room; then the throw goes on to the receiver (500).
     */
    const sendTracked = (source: AckSource, events: [CloudEvent, number][], info: RequestInfo, total: number): Promise<FlowOutcome> => {
      let resolve: (o: FlowOutcome) => void = () => undefined;
      const outcome = new Promise<FlowOutcome>((r) => (resolve = r));
      const p: Pending = { remaining: 0, failure: undefined, resolve: (o) => resolve(o) };
      for (const [ev, index] of events) {
        const msg = messageFor(ev, info, index, total);
        const s = inFlight.add(p);
        p.remaining++;
        try {
          source.send(msg, s, (m) => node.send(m));
        } catch (err) {
          // the source let go of its hold: the event is acknowledged once copies already routed finish
          p.failure = `the flow could not take event ${index}: ${message(err)}`;
          throw err;
        }
      }
      return outcome;
    };

    const receiver = new WebhookReceiver({
      settings,
      auth: basicAuthFor(node.credentials?.username, node.credentials?.password),
      onResult,
      delivery: {
        inFlight: () => inFlight.size,
        deliver: (events, info, first, total) => {
          // the content filter: events that do not match are not sent, and count as handled
          const kept: [CloudEvent, number][] = [];
          events.forEach((ev, i) => {
            if (filter === undefined || filter.matches(ev)) kept.push([ev, first + i]);
          });
          for (const [ev] of kept) metrics.sent(typeof ev.time === "string" ? Date.parse(ev.time) : NaN);
          if (acks === undefined) {
            // a throw (e.g. while Node-RED clones for a second wire) is answered 500 by the receiver
            for (const [ev, index] of kept) {
              node.send(messageFor(ev, info, index, total));
              metrics.committed(NaN);
            }
            return undefined;
          }
          if (kept.length === 0) return Promise.resolve<FlowOutcome>({ ok: true });
          return sendTracked(acks, kept, info, total);
        },
      },
    });

    const stopTracking = (): void => {
      acks?.close();
    };
    let lease: ListenerLease | undefined;
    if (ownPort === undefined) {
      try {
        reg?.add(receiver);
      } catch (err) {
        stopTracking();
        if (err instanceof PathInUseError) return fail(node, RED._("cloudevent-in.errors.path-in-use", { path: settings.path }));
        return fail(node, RED._("cloudevent-in.errors.invalid-settings", { reason: message(err) }));
      }
      showStatus();
    } else {
      node.status({ fill: "yellow", shape: "ring", text: RED._("cloudevent-in.status.starting", { port: ownPort }) });
      const held = listeners.acquire({ port: ownPort, host: where.host, tls }, receiver);
      lease = held;
      held.ready.then(
        () => {
          if (!closing) showStatus();
        },
        (err: unknown) => {
          if (closing) return;
          let text: string;
          if (err instanceof ListenError && err.code === "EADDRINUSE") {
            text = RED._("cloudevent-in.errors.port-in-use", { host: where.host ?? "*", port: ownPort });
          } else if (err instanceof ListenError) text = RED._("cloudevent-in.errors.listen-failed", { reason: err.message });
          else if (err instanceof TlsMismatchError) text = RED._("cloudevent-in.errors.tls-mismatch", { port: ownPort });
          else if (err instanceof PathInUseError) text = RED._("cloudevent-in.errors.path-in-use", { path: settings.path });
          else text = RED._("cloudevent-in.errors.invalid-settings", { reason: message(err) });
          held.release().catch(() => undefined);
          try {
            fail(node, text);
          } catch {
            // a node closed meanwhile: nothing to report to
          }
        },
      );
    }

    guardedClose(node, 2000, async () => {
      closing = true;
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      reg?.remove(receiver); // new requests fall through at once (Node-RED's server)
      receiver.close(); // requests waiting for the flow get 503
      const released = lease?.release(); // own port: the listener closes with its last endpoint
      acks?.releasePending();
      acks?.close();
      inFlight.clear();
      node.status({});
      await released;
    });
  }

  RED.nodes.registerType<Node<CloudeventInCredentials>, CloudeventInDef, object, CloudeventInCredentials>("cloudevent-in", CloudeventIn, {
    credentials: { username: { type: "text" }, password: { type: "password" } },
  });
  registerAdminApi(RED);
};
