/**
 * `cloudevent-in` on a port of its own: one HTTP(S) server per (host, port), shared by every
 * endpoint configured with that port (each at its own path), started with the first endpoint
 * and closed with the last. The request handling is the same `WebhookReceiver` as on
 * Node-RED's server, dispatched by a `WebhookRegistry` of its own; what differs is only who
 * owns the socket. See docs/decisions/0013-cloudevent-in-listener.md.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import type { WebhookReceiver } from "./receiver";
import { PathInUseError, WebhookRegistry } from "./registry";

/** Certificates for HTTPS (from a Node-RED `tls-config` node). */
export interface ListenerTls {
  /** identifies the TLS configuration: endpoints sharing a port must name the same one */
  id: string;
  key?: string | Buffer;
  cert?: string | Buffer;
  ca?: string | Buffer;
  passphrase?: string;
}

export interface ListenerAddress {
  port: number;
  /** bind address; undefined = all interfaces */
  host?: string;
  tls?: ListenerTls;
}

/** The port is taken by someone else, or could not be bound. */
export class ListenError extends Error {
  override readonly name = "ListenError";
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Two endpoints want the same port with different TLS settings. */
export class TlsMismatchError extends Error {
  override readonly name = "TlsMismatchError";
}

/** Node's server limits, tuned for many small POSTs from a few keep-alive senders. */
export const LISTENER_LIMITS = {
  /** idle keep-alive connections are closed after this (senders reuse theirs well within it) */
  keepAliveTimeoutMs: 65_000,
  /** the request headers must arrive within this */
  headersTimeoutMs: 20_000,
  /** request headers larger than this get 431 (Node's default) */
  maxHeaderSize: 16 * 1024,
  /** requests on one connection before it is closed (0 = no limit) */
  maxRequestsPerSocket: 0,
  /** close: idle connections at once, busy ones after this grace period */
  closeGraceMs: 1000,
  /**
   * connections open at once on one port; more are closed as soon as they are accepted, so that
   * a peer opening idle connections cannot take the runtime's file descriptors (the editor,
   * the vCenter connection and the context store need them too)
   */
  maxConnections: 1000,
  /**
   * a new connection must have sent its first request's headers within this: Node's
   * `headersTimeout` only starts with the first byte, and a connection that never sends one
   * would otherwise stay open for ever
   */
  firstRequestTimeoutMs: 10_000,
};

/** The limits an operator may change (settings.js `vmwareEvents.listener`). */
export interface ListenerLimits {
  maxConnections: number;
  firstRequestTimeoutMs: number;
}

/** A socket the pool has seen a request on (its first-request timer is off). */
const SERVED = Symbol("served");
/** A TLS socket whose handshake completed. */
const SECURE = Symbol("secure");
type TrackedSocket = Socket & { [SERVED]?: true; [SECURE]?: true };

const NOT_FOUND = JSON.stringify({ error: "no cloudevent-in endpoint at this path" });

/**
 * The raw answer to a request the HTTP parser refused, as Node's own server answers when no
 * `clientError` handler is set: 431 when the headers are over the limit, 408 when the request
 * took too long, 400 for anything else. Always closes the connection.
 */
export function clientErrorAnswer(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  const status =
    code === "HPE_HEADER_OVERFLOW"
      ? "431 Request Header Fields Too Large"
      : code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? "408 Request Timeout"
        : "400 Bad Request";
  return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

interface Entry {
  key: string;
  tlsId: string;
  server: http.Server;
  registry: WebhookRegistry;
  /** resolves once listening; rejects with ListenError */
  ready: Promise<void>;
  /** set once closing: resolves when the server has closed */
  closed?: Promise<void>;
  sockets: Set<Socket>;
}

/** What an endpoint holds while it is served on its own port. */
export interface ListenerLease {
  readonly address: ListenerAddress;
  /** resolves when the endpoint is reachable; rejects with ListenError or TlsMismatchError */
  readonly ready: Promise<void>;
  /** Stop serving the endpoint; the server closes with its last endpoint (within ~2 s). */
  release(): Promise<void>;
}

/**
 * A refusal known at once, delivered a turn later as a failed listen would be: a node acquiring
 * while its flow starts reports it once the flow (its Catch nodes) is complete.
 */
function rejectLater(err: Error): Promise<void> {
  return new Promise<void>((_, reject) => setImmediate(() => reject(err)));
}

function keyOf(a: ListenerAddress): string {
  return `${a.host ?? "*"}|${a.port}`;
}

/** The servers of one process (one pool per Node-RED runtime is enough; tests may make their own). */
export class ListenerPool {
  private readonly entries = new Map<string, Entry>();
  private limits: ListenerLimits = {
    maxConnections: LISTENER_LIMITS.maxConnections,
    firstRequestTimeoutMs: LISTENER_LIMITS.firstRequestTimeoutMs,
  };

  constructor(limits?: Partial<ListenerLimits>) {
    if (limits !== undefined) this.setLimits(limits);
  }

  /** Limits for servers opened from now on (those already listening keep theirs); what is not given is the default. */
  setLimits(limits: Partial<ListenerLimits>): void {
    this.limits = {
      maxConnections: limits.maxConnections ?? LISTENER_LIMITS.maxConnections,
      firstRequestTimeoutMs: limits.firstRequestTimeoutMs ?? LISTENER_LIMITS.firstRequestTimeoutMs,
    };
  }
  /** servers still closing, by key: a new server for the key waits for the old one */
  private readonly closing = new Map<string, Promise<void>>();

  /** number of servers open (listening or starting) */
  get size(): number {
    return this.entries.size;
  }

  /** Serve `receiver` at its path on the port. Never throws: problems reject `ready`. */
  acquire(address: ListenerAddress, receiver: WebhookReceiver): ListenerLease {
    const key = keyOf(address);
    const tlsId = address.tls?.id ?? "";
    let entry = this.entries.get(key);
    let ready: Promise<void>;
    let added = false;
    if (entry !== undefined && entry.tlsId !== tlsId) {
      ready = rejectLater(
        new TlsMismatchError(
          `port ${address.port} is already served by cloudevent-in nodes ${entry.tlsId === "" ? "without TLS" : "with another TLS configuration"}; ` +
            "every node on one port must use the same TLS setting",
        ),
      );
    } else {
      let unusable: unknown;
      if (entry === undefined) {
        try {
          entry = this.open(key, tlsId, address);
          this.entries.set(key, entry);
        } catch (err) {
          // Node refuses the certificate, key or passphrase when the server is made
          unusable = err;
        }
      }
      if (entry === undefined) {
        const reason = unusable instanceof Error ? unusable.message : String(unusable);
        const err = new ListenError(`cannot serve HTTPS on port ${address.port}: the TLS certificate or key is not usable (${reason})`, "ERR_TLS_CONFIG");
        ready = rejectLater(err);
      } else {
        try {
          entry.registry.add(receiver);
          added = true;
          ready = entry.ready;
        } catch (err) {
          ready = rejectLater(err instanceof PathInUseError ? err : new Error(String(err)));
        }
      }
    }
    ready.catch(() => undefined); // the caller may look later; never an unhandled rejection
    const target = entry;
    let released = false;
    return {
      address,
      ready,
      release: async () => {
        if (released) return;
        released = true;
        if (!added || target === undefined) return;
        target.registry.remove(receiver);
        if (target.registry.size === 0 && this.entries.get(key) === target) await this.close(target);
      },
    };
  }

  /** Close every server (tests; the runtime stopping). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.close(e)));
  }

  private open(key: string, tlsId: string, address: ListenerAddress): Entry {
    const registry = new WebhookRegistry();
    const { maxConnections, firstRequestTimeoutMs } = this.limits;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const socket = req.socket as TrackedSocket;
      if (socket[SERVED] !== true) {
        // the first request began: from now on Node's own timers (keep-alive, headers) apply
        socket[SERVED] = true;
        socket.setTimeout(0);
      }
      registry.dispatch(req, res, () => {
        if (res.headersSent || res.destroyed) return;
        res.statusCode = 404;
        res.setHeader("Content-Type", "application/json; charset=utf-8");
        res.setHeader("Content-Length", String(Buffer.byteLength(NOT_FOUND)));
        res.end(NOT_FOUND);
      });
    };
    const options: http.ServerOptions = {
      keepAliveTimeout: LISTENER_LIMITS.keepAliveTimeoutMs,
      headersTimeout: LISTENER_LIMITS.headersTimeoutMs,
      requestTimeout: 0, // bodies have the endpoint's readTimeout, answers its responseTimeout
      maxHeaderSize: LISTENER_LIMITS.maxHeaderSize,
    };
    const tls = address.tls;
    const server: http.Server =
      tls === undefined
        ? http.createServer(options, handler)
        : https.createServer(
            { ...options, key: tls.key, cert: tls.cert, ca: tls.ca, passphrase: tls.passphrase, handshakeTimeout: firstRequestTimeoutMs },
            handler,
          );
    server.keepAliveTimeout = LISTENER_LIMITS.keepAliveTimeoutMs;
    server.headersTimeout = LISTENER_LIMITS.headersTimeoutMs;
    server.requestTimeout = 0;
    server.maxRequestsPerSocket = LISTENER_LIMITS.maxRequestsPerSocket;
    server.maxConnections = maxConnections;
    // every TCP connection, TLS ones from before their handshake too: closing destroys them all
    const sockets = new Set<Socket>();
    server.on("connection", (s: Socket) => {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      // Node's server destroys a socket whose timeout fires before a request began (for HTTPS
      // the handshake has its own timeout, then the same on the secure socket)
      if (tls === undefined) s.setTimeout(firstRequestTimeoutMs);
    });
    if (tls !== undefined) {
      server.on("secureConnection", (s: TrackedSocket) => {
        s[SECURE] = true;
        s.setTimeout(firstRequestTimeoutMs);
      });
    }
    // a client that breaks the protocol or the TLS handshake: drop it, never throw. An HTTP
    // error gets the status Node's own server would give (431 for headers over the limit, 408 for
    // a request that took too long, 400 for the rest); a connection whose handshake failed or
    // timed out has no channel for an answer and is destroyed (ending it would wait for a
    // handshake that never comes, and keep the socket, and the port's close, waiting)
    server.on("clientError", (err: Error, socket: TrackedSocket) => {
      if ((tls === undefined || socket[SECURE] === true) && socket.writable && !socket.destroyed) {
        socket.end(clientErrorAnswer(err));
        // a peer that does not read the answer does not keep the socket
        setTimeout(() => socket.destroy(), LISTENER_LIMITS.closeGraceMs).unref();
      } else {
        socket.destroy();
      }
    });
    server.on("tlsClientError", () => undefined);
    const previous = this.closing.get(key);
    const ready = (previous ?? Promise.resolve()).then(
      () =>
        new Promise<void>((resolve, reject) => {
          const onError = (err: NodeJS.ErrnoException): void => {
            server.off("listening", onListening);
            if (this.entries.get(key) === entry) this.entries.delete(key);
            const where = `${address.host ?? "*"}:${address.port}`;
            reject(
              new ListenError(
                err.code === "EADDRINUSE"
                  ? `port ${where} is already in use`
                  : err.code === "EACCES"
                    ? `no permission to listen on port ${where}`
                    : `cannot listen on ${where}: ${err.message}`,
                err.code,
              ),
            );
          };
          const onListening = (): void => {
            server.off("error", onError);
            // errors after listening (rare) must not reach the runtime
            server.on("error", () => undefined);
            resolve();
          };
          server.once("error", onError);
          server.once("listening", onListening);
          try {
            server.listen({ port: address.port, host: address.host });
          } catch (err) {
            onError(err as NodeJS.ErrnoException);
          }
        }),
    );
    const entry: Entry = { key, tlsId, server, registry, ready, sockets };
    ready.catch(() => undefined);
    return entry;
  }

  /** Stop accepting, close idle connections now and busy ones after the grace period. */
  private close(entry: Entry): Promise<void> {
    if (entry.closed !== undefined) return entry.closed;
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    const server = entry.server;
    entry.closed = entry.ready
      .then(
        () =>
          new Promise<void>((resolve) => {
            const grace = setTimeout(() => {
              server.closeAllConnections();
              for (const s of entry.sockets) s.destroy();
            }, LISTENER_LIMITS.closeGraceMs);
            server.close(() => {
              clearTimeout(grace);
              resolve();
            });
            server.closeIdleConnections();
          }),
        () => undefined, // never listened
      )
      .finally(() => {
        if (this.closing.get(entry.key) === entry.closed) this.closing.delete(entry.key);
      });
    this.closing.set(entry.key, entry.closed);
    return entry.closed;
  }
}
