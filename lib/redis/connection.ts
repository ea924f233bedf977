/**
 * One node-redis connection (@redis/client, docs/decisions/0014-redis-client.md) shared by a
 * context store and its leases: reconnects for ever with back-off, rejects commands at once
 * while disconnected (no offline queue: a context call during an outage gets an error, it does
 * not hang), and a timeout on every command.
 */
import type * as NodeRedis from "@redis/client";
import { reconnectDelay, type ResolvedConfig } from "./config";

/** A RESP2 reply as node-redis returns it without type mapping. */
export type Reply = string | number | null | Reply[];

/** The part of node-redis's client this module uses (its own types are generic-heavy). */
interface RawClient {
  connect(): Promise<unknown>;
  sendCommand(args: string[], options?: { timeout?: number }): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  close(): Promise<void>;
  destroy(): void;
  readonly isReady: boolean;
  readonly isOpen: boolean;
}

/** A Lua script (lib/redis/scripts.ts). */
export class Script {
  constructor(readonly source: string) {}
}

export type Warn = (message: string) => void;

/**
 * node-redis, loaded with the first connection: every source node's module reaches this file
 * (leases), and loading the client costs each Node-RED process ~9 MB of RSS (3.5 MB of heap)
 * although most flows never configure a Redis store.
 */
function redisClient(): typeof NodeRedis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy, see above
  return require("@redis/client") as typeof NodeRedis;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export class RedisConnection {
  private readonly client: RawClient;
  private connecting: Promise<unknown> | undefined;
  private closed = false;
  private lastWarning = "";
  private lastWarningAt = 0;

  constructor(
    readonly config: ResolvedConfig,
    private readonly warn: Warn,
  ) {
    const socket: Record<string, unknown> = {
      connectTimeout: config.connectTimeout,
      reconnectStrategy: (retries: number) => reconnectDelay(retries, config.maxReconnectDelay),
    };
    if (config.tls) Object.assign(socket, config.tls, { tls: true });
    const options: Record<string, unknown> = { url: config.url, socket, disableOfflineQueue: true };
    if (config.password !== undefined) options.password = config.password;
    if (config.username !== undefined) options.username = config.username;
    this.client = redisClient().createClient(options);
    // node-redis emits "error" for every failed (re)connect; an unhandled "error" would crash
    this.client.on("error", (err: unknown) => this.note(`Redis ${config.safeUrl}: ${errorText(err)}`));
  }

  /** Log a warning, at most once every 30 s for the same text. */
  note(message: string): void {
    const now = Date.now();
    if (message === this.lastWarning && now - this.lastWarningAt < 30000) return;
    this.lastWarning = message;
    this.lastWarningAt = now;
    try {
      this.warn(message);
    } catch {
      /* a logger must not break the store */
    }
  }

  get ready(): boolean {
    return !this.closed && this.client.isReady;
  }

  /**
   * Starts connecting (and reconnecting for ever). Resolves when connected, or after
   * `connectTimeout` with a warning and the client still trying in the background: Node-RED
   * starts while Redis is down, and context calls fail with an error until it is back.
   */
  async open(): Promise<void> {
    if (this.closed) throw new Error("Redis context store is closed");
    if (!this.connecting) {
      this.connecting = this.client.connect().catch((err: unknown) => {
        if (!this.closed) this.note(`Redis ${this.config.safeUrl}: ${errorText(err)}`);
      });
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.config.connectTimeout);
    });
    await Promise.race([this.connecting, waited]);
    clearTimeout(timer);
    if (!this.client.isReady) this.note(`Redis ${this.config.safeUrl} not reachable yet; context calls fail until it is`);
  }

  /** Sends one command; rejects (never throws) on outage, timeout or a Redis error. */
  send(args: string[], timeoutMs: number = this.config.commandTimeout): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error("Redis context store is closed"));
    try {
      return this.client.sendCommand(args, { timeout: timeoutMs }) as Promise<Reply>;
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * Runs a Lua script with EVAL (Redis caches the compiled script by its SHA1). Always EVAL, not
   * EVALSHA with a NOSCRIPT fallback: the fallback would go out after commands sent meanwhile,
   * and the context store relies on commands of one scope reaching Redis in call order.
   */
  eval(script: Script, keys: string[], args: string[], timeoutMs?: number): Promise<Reply> {
    return this.send(["EVAL", script.source, String(keys.length), ...keys, ...args], timeoutMs);
  }

  /** Closes the connection (pending commands are answered first, for up to 2 s). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.client.isOpen) {
      try {
        this.client.destroy();
      } catch {
        /* already closed */
      }
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const graceful = this.client.close().catch(() => undefined);
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2000);
    });
    await Promise.race([graceful, limit]);
    clearTimeout(timer);
    try {
      this.client.destroy();
    } catch {
      /* already closed */
    }
    await this.connecting;
  }
}
