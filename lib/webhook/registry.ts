/**
 * One request handler per HTTP app, registered once, dispatching by path to the live
 * `cloudevent-in` endpoints. Nodes add and remove their endpoint in a Map; no route is ever
 * added to or spliced out of the framework's router, so a redeploy leaves nothing behind and a
 * stopped endpoint stops answering at once (its path falls through to whatever comes next).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ParsedRequest } from "./body";
import { requestPathKey } from "./settings";
import type { WebhookReceiver } from "./receiver";

export type Next = (err?: unknown) => void;
/** A connect/Express-style middleware (e.g. Node-RED's `httpNodeMiddleware`). */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

export class PathInUseError extends Error {
  override readonly name = "PathInUseError";
}

export class WebhookRegistry {
  private readonly routes = new Map<string, WebhookReceiver>();

  /** @param before middleware run before a matched endpoint (not for other paths) */
  constructor(private readonly before: readonly Middleware[] = []) {}

  get size(): number {
    return this.routes.size;
  }

  has(path: string): boolean {
    return this.routes.has(path);
  }

  /** Serve `receiver` at its settings' path. Throws `PathInUseError` when another endpoint has it. */
  add(receiver: WebhookReceiver): void {
    const path = receiver.settings.path;
    const current = this.routes.get(path);
    if (current !== undefined && current !== receiver) throw new PathInUseError(`path ${path} is already served by another cloudevent-in node`);
    this.routes.set(path, receiver);
  }

  /** Stop serving `receiver` (only if it is the one at its path). */
  remove(receiver: WebhookReceiver): void {
    const path = receiver.settings.path;
    if (this.routes.get(path) === receiver) this.routes.delete(path);
  }

  /**
   * Keep body parsers that run before the endpoint (Node-RED's editor app, when
   * `httpAdminRoot` and `httpNodeRoot` are the same) away from binary-mode CloudEvents POSTed to
   * a live endpoint: a `request` listener placed first on the server marks them `req._body = true`,
   * the flag by which body-parser knows a body is taken, so the raw bytes reach the endpoint
   * (JSON scalars in binary mode, our own error messages and size limit). The endpoint still
   * copes with a body consumed by a parser that ignores the flag. Returns a function that
   * removes the listener.
   *
   * @param mountPath where the app dispatching to this registry is mounted (`httpNodeRoot`)
   */
  claimBodies(server: NodeJS.EventEmitter, mountPath: string): () => void {
    let prefix = mountPath.startsWith("/") ? mountPath : "/" + mountPath;
    while (prefix.endsWith("/")) prefix = prefix.slice(0, -1);
    const lowerPrefix = prefix.toLowerCase();
    const listener = (req: IncomingMessage): void => {
      try {
        if (req.method !== "POST" || this.routes.size === 0) return;
        // only CloudEvents in binary mode are at risk (structured and batched content types are
        // not parsed by anyone else); requests without a ce- attribute header are left alone
        const h = req.headers;
        if (h["ce-specversion"] === undefined && h["ce-id"] === undefined && h["ce-source"] === undefined && h["ce-type"] === undefined) return;
        const url = req.url ?? "";
        if (lowerPrefix !== "" && !url.toLowerCase().startsWith(lowerPrefix)) return;
        const key = requestPathKey(url.slice(lowerPrefix.length));
        if (key !== undefined && this.routes.has(key)) (req as ParsedRequest)._body = true;
      } catch {
        // never disturb the server
      }
    };
    server.prependListener("request", listener);
    return () => server.removeListener("request", listener);
  }

  /** The request handler to mount once: `(req, res, next)`. */
  readonly dispatch = (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    let receiver: WebhookReceiver | undefined;
    try {
      const key = requestPathKey(req.url ?? "");
      receiver = key === undefined ? undefined : this.routes.get(key);
    } catch {
      receiver = undefined;
    }
    if (receiver === undefined) return next();
    const target = receiver;
    runChain(this.before, req, res, next, () => target.handle(req, res));
  };
}

function runChain(chain: readonly Middleware[], req: IncomingMessage, res: ServerResponse, next: Next, last: () => void): void {
  let i = 0;
  const step = (err?: unknown): void => {
    if (err !== undefined && err !== null) return next(err);
    const mw = chain[i++];
    if (mw === undefined) return last();
    try {
      mw(req, res, step);
    } catch (e) {
      next(e);
    }
  };
  step();
}
