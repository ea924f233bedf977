/**
 * `cloudevent-in`: an HTTP endpoint on Node-RED's flow server (`httpNode`) receiving CloudEvents
 * (binary, structured, batched) and sending one message per event. All protocol work is in
 * lib/webhook; this file maps settings, messages, status, acknowledgements and close onto it.
 *
 * Routing: one dispatcher is mounted on `RED.httpNode` when the module loads; nodes add and
 * remove their endpoint in its Map (no Express internals are touched).
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
import { ACK_TOKEN, AckSource, installAckHooks } from "./ack-hooks";
import { guardedClose } from "./close";
import { fail, message } from "./node-errors";

interface CloudeventInDef extends NodeDef {
  path: string;
  delivery: string;
  maxBodySize: number | string;
  readTimeout: number | string;
  responseTimeout: number | string;
  maxInFlight: number | string;
  allowedOrigins: string;
}

interface CloudeventInCredentials {
  username?: string;
  password?: string;
}

const STATUS_INTERVAL_MS = 500;

/** one dispatcher per HTTP app (a runtime loaded twice in one process gets its own) */
const registries = new WeakMap<object, WebhookRegistry>();

/** node id -> mark the event with this sequence number failed */
const failureMarks = new Map<string, (seq: number, reason: string) => void>();
let failureHooksInstalled = false;

interface HookEvent {
  msg?: unknown;
  error?: unknown;
}

interface Hooks {
  add(name: string, fn: (ev: HookEvent) => void): void;
}

function markFailed(msg: unknown, reason: () => string): void {
  if (msg === null || typeof msg !== "object") return;
  const token = (msg as Record<string, unknown>)[ACK_TOKEN];
  if (typeof token !== "string") return;
  const colon = token.lastIndexOf(":");
  const mark = failureMarks.get(token.slice(0, colon));
  if (mark === undefined) return;
  try {
    mark(Number(token.slice(colon + 1)), reason());
  } catch {
    // never disturb the flow
  }
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e !== null && typeof e === "object" && typeof (e as { message?: unknown }).message === "string") {
    return (e as { message: string }).message;
  }
  return String(e);
}

function installFailureHooks(RED: NodeAPI): void {
  if (failureHooksInstalled) return;
  const hooks = (RED as unknown as { hooks?: Hooks }).hooks;
  if (hooks === undefined) throw new Error("this Node-RED has no message hooks (needs 2.0 or later)");
  hooks.add("onComplete.cloudeventInOutcome", (ev) => {
    if (ev.error !== undefined && ev.error !== null && ev.error !== false) markFailed(ev.msg, () => describeError(ev.error));
  });
  hooks.add("preDeliver.cloudeventInOutcome", (ev) => {
    const m = ev.msg as { error?: unknown } | undefined;
    if (m !== undefined && m !== null && m.error !== undefined && m.error !== null) markFailed(m, () => describeError(m.error));
  });
  failureHooksInstalled = true;
}

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

export = function (RED: NodeAPI): void {
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
    try {
      settings = parseWebhookSettings(config);
    } catch (err) {
      return fail(node, RED._("cloudevent-in.errors.invalid-settings", { reason: message(err) }));
    }
    if (registry === undefined || rootOf(RED, "httpNodeRoot") === false) return fail(node, RED._("cloudevent-in.errors.no-http"));
    if (rootOf(RED, "httpAdminRoot") === rootOf(RED, "httpNodeRoot") && collidesWithEditor(settings.path)) {
      return fail(node, RED._("cloudevent-in.errors.editor-path", { path: settings.path }));
    }
    const reg = registry;

    // ---- counters and status
    let accepted = 0;
    let rejected = 0;
    let closing = false;
    let statusTimer: NodeJS.Timeout | undefined;
    let statusShownAt = 0;
    const showStatus = (): void => {
      statusShownAt = Date.now();
      if (accepted === 0 && rejected === 0) {
        node.status({ fill: "green", shape: "dot", text: RED._("cloudevent-in.status.listening", { path: settings.path }) });
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
    const onResult = (r: RequestResult): void => {
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
    const inFlight = new Map<number, Pending>();
    let seq = 0;
    let acks: AckSource | undefined;
    if (settings.delivery === "acknowledged") {
      try {
        installAckHooks(RED);
        installFailureHooks(RED);
      } catch (err) {
        return fail(node, RED._("cloudevent-in.errors.invalid-settings", { reason: message(err) }));
      }
      acks = new AckSource(node.id, (node as Node & { z?: string }).z, (s: number) => {
        const p = inFlight.get(s);
        if (p === undefined) return;
        // a failure mark for this event may come later in the same hook chain (onComplete with
        // an error): decide after it, and keep the entry until then so the mark finds it
        setImmediate(() => {
          if (inFlight.get(s) !== p) return; // closed meanwhile
          inFlight.delete(s);
          p.remaining--;
          if (p.remaining === 0) p.resolve(p.failure === undefined ? { ok: true } : { ok: false, reason: p.failure });
        });
      });
      failureMarks.set(node.id, (s, reason) => {
        const p = inFlight.get(s);
        if (p !== undefined && p.failure === undefined) p.failure = reason;
      });
    }

    const messageFor = (ev: CloudEvent, info: RequestInfo, index: number, size: number): Record<string, unknown> => {
      const http: RequestInfo = size === 1 && info.mode !== "batch" ? info : { ...info, batch: { index, size } };
      const subject = ev.subject;
      return { topic: typeof subject === "string" && subject !== "" ? subject : ev.type, payload: ev, http };
    };

    const receiver = new WebhookReceiver({
      settings,
      auth: basicAuthFor(node.credentials?.username, node.credentials?.password),
      onResult,
      delivery: {
        inFlight: () => inFlight.size,
        deliver: (events, info) => {
          if (acks === undefined) {
            events.forEach((ev, i) => node.send(messageFor(ev, info, i, events.length)));
            return undefined;
          }
          if (events.length === 0) return Promise.resolve<FlowOutcome>({ ok: true });
          const source = acks;
          return new Promise<FlowOutcome>((resolve) => {
            const p: Pending = { remaining: events.length, failure: undefined, resolve };
            events.forEach((ev, i) => {
              const s = ++seq;
              inFlight.set(s, p);
              source.send(node, messageFor(ev, info, i, events.length), s);
            });
          });
        },
      },
    });

    try {
      reg.add(receiver);
    } catch (err) {
      acks?.close();
      failureMarks.delete(node.id);
      if (err instanceof PathInUseError) return fail(node, RED._("cloudevent-in.errors.path-in-use", { path: settings.path }));
      return fail(node, RED._("cloudevent-in.errors.invalid-settings", { reason: message(err) }));
    }
    showStatus();

    guardedClose(node, 2000, async () => {
      closing = true;
      if (statusTimer !== undefined) clearTimeout(statusTimer);
      reg.remove(receiver); // new requests fall through at once
      receiver.close(); // requests waiting for the flow get 503
      acks?.releasePending();
      acks?.close();
      failureMarks.delete(node.id);
      inFlight.clear();
      node.status({});
    });
  }

  RED.nodes.registerType<Node<CloudeventInCredentials>, CloudeventInDef, object, CloudeventInCredentials>("cloudevent-in", CloudeventIn, {
    credentials: { username: { type: "text" }, password: { type: "password" } },
  });
};
