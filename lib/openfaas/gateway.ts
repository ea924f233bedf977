/**
 * The OpenFaaS gateway's REST API as far as the sink needs it: list namespaces and functions
 * (with their annotations), and build invocation requests.
 *
 *   GET  /system/namespaces                 -> ["openfaas-fn", ...]   (404 on gateways without namespaces)
 *   GET  /system/functions?namespace=<ns>   -> [FunctionStatus, ...]
 *   POST /function/<name>.<namespace>       synchronous invocation (the function's answer)
 *   POST /async-function/<name>.<namespace> queued invocation (202), result POSTed to X-Callback-Url
 *
 * `/system/*` needs basic auth; the community gateway does not protect the invocation routes,
 * but credentials are sent there too (a proxy in front of the gateway may check them).
 */
import type { HttpRequest, HttpSender } from "../http/sender";
import { describeOutcome } from "../http/sender";
import { type FunctionRef, parseTopics, qualifiedName, TOPIC_ANNOTATION, TopicMap } from "./topics";

/** Discovery failed: a transport error, an error status or an unusable answer. */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  constructor(
    message: string,
    /** the HTTP status, when the gateway answered */
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

export interface GatewayClientOptions {
  /** gateway base URL, e.g. `http://gateway.openfaas:8080` (a path prefix is kept) */
  gateway: string;
  username?: string;
  password?: string;
  /** used for the `/system/*` requests; give it a response body limit large enough for the function list */
  sender: HttpSender;
}

export interface InvocationOptions {
  async: boolean;
  /** `X-Callback-Url` for asynchronous invocations */
  callbackUrl?: string;
  /** sent as `X-Topic` */
  topic?: string;
  /** `content-type` of the body (default: structured CloudEvent JSON) */
  contentType?: string;
}

export const CONNECTOR_NAME = "node-red-vmware";

/** Largest function list accepted (bytes). */
export const MAX_LIST_BYTES = 8 * 1024 * 1024;

/** `Basic base64(user:password)`, or undefined without a user name. */
export function basicAuthorization(username: string | undefined, password: string | undefined): string | undefined {
  if (username === undefined || username === "") return undefined;
  return "Basic " + Buffer.from(`${username}:${password ?? ""}`, "utf8").toString("base64");
}

/** The gateway URL without a trailing slash; throws for anything but an absolute http(s) URL. */
export function normaliseGatewayUrl(value: string): string {
  const text = value.trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`gateway ${JSON.stringify(text)} is not a URL (expected e.g. http://gateway.openfaas:8080)`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new Error(`gateway ${JSON.stringify(text)} must be an http:// or https:// URL`);
  }
  if (u.hostname === "") throw new Error(`gateway ${JSON.stringify(text)} has no host`);
  if (u.search !== "" || u.hash !== "") throw new Error(`gateway ${JSON.stringify(text)} must not have a query or fragment`);
  return (u.origin + u.pathname).replace(/\/+$/, "");
}

interface FunctionStatusLike {
  name?: unknown;
  namespace?: unknown;
  annotations?: unknown;
}

export class GatewayClient {
  readonly base: string;
  readonly authorization: string | undefined;
  private readonly sender: HttpSender;

  constructor(options: GatewayClientOptions) {
    this.base = normaliseGatewayUrl(options.gateway);
    this.authorization = basicAuthorization(options.username, options.password);
    this.sender = options.sender;
  }

  private headers(extra?: Record<string, string>): Record<string, string> {
    const h: Record<string, string> = { accept: "application/json", ...extra };
    if (this.authorization !== undefined) h.authorization = this.authorization;
    return h;
  }

  /** GET a JSON document from the gateway; `allow404` returns undefined for 404. */
  private async getJson(path: string, signal: AbortSignal | undefined, allow404: boolean): Promise<unknown> {
    const o = await this.sender.send({ url: this.base + path, method: "GET", headers: this.headers() }, signal);
    if (o.kind === "error") throw new GatewayError(`GET ${path}: ${describeOutcome(o)}`);
    if (o.statusCode === 404 && allow404) return undefined;
    if (o.statusCode < 200 || o.statusCode >= 300) {
      const hint = o.statusCode === 401 || o.statusCode === 403 ? " (check the gateway user name and password)" : "";
      throw new GatewayError(`GET ${path}: ${describeOutcome(o)}${hint}`, o.statusCode);
    }
    if (o.bodyTruncated) throw new GatewayError(`GET ${path}: the answer is larger than ${MAX_LIST_BYTES} bytes`, o.statusCode);
    try {
      return JSON.parse(o.body) as unknown;
    } catch {
      throw new GatewayError(`GET ${path}: the answer is not JSON`, o.statusCode);
    }
  }

  /** The namespaces, or undefined when the gateway has none (404 or an empty list). */
  async listNamespaces(signal?: AbortSignal): Promise<string[] | undefined> {
    const v = await this.getJson("/system/namespaces", signal, true);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      throw new GatewayError("GET /system/namespaces: expected a JSON array of namespace names");
    }
    const names = (v as string[]).filter((x) => x !== "");
    return names.length === 0 ? undefined : names;
  }

  /** The functions of a namespace (or of the default namespace), with their topics. */
  async listFunctions(namespace: string | undefined, signal?: AbortSignal): Promise<FunctionRef[]> {
    const path = namespace === undefined ? "/system/functions" : `/system/functions?namespace=${encodeURIComponent(namespace)}`;
    const v = await this.getJson(path, signal, false);
    if (v === null) return [];
    if (!Array.isArray(v)) throw new GatewayError(`GET ${path}: expected a JSON array of functions`);
    const out: FunctionRef[] = [];
    for (const item of v as FunctionStatusLike[]) {
      if (item === null || typeof item !== "object" || typeof item.name !== "string" || item.name === "") continue;
      const ns = typeof item.namespace === "string" && item.namespace !== "" ? item.namespace : namespace ?? "";
      const annotations = item.annotations !== null && typeof item.annotations === "object" ? (item.annotations as Record<string, unknown>) : {};
      out.push({
        name: item.name,
        namespace: ns,
        qualifiedName: qualifiedName(item.name, ns),
        topics: parseTopics(annotations[TOPIC_ANNOTATION]),
      });
    }
    return out;
  }

  /** Namespaces, then the functions of each: the topic map. Throws GatewayError. */
  async discover(signal?: AbortSignal): Promise<TopicMap> {
    const namespaces = await this.listNamespaces(signal);
    const functions: FunctionRef[] = [];
    if (namespaces === undefined) {
      functions.push(...(await this.listFunctions(undefined, signal)));
    } else {
      for (const ns of namespaces) functions.push(...(await this.listFunctions(ns, signal)));
    }
    return new TopicMap(functions);
  }

  /** `<gateway>/function/<name>.<namespace>` or `<gateway>/async-function/<name>.<namespace>` */
  invocationUrl(fn: FunctionRef, async: boolean): string {
    return `${this.base}/${async ? "async-function" : "function"}/${encodeURIComponent(fn.qualifiedName)}`;
  }

  /** The POST that invokes `fn` with `body` (the structured CloudEvent). */
  invocationRequest(fn: FunctionRef, body: string, options: InvocationOptions): HttpRequest {
    const headers: Record<string, string> = {
      "content-type": options.contentType ?? "application/cloudevents+json; charset=utf-8",
      "x-connector": CONNECTOR_NAME,
    };
    if (options.topic !== undefined && /^[\x20-\x7e]*$/.test(options.topic)) headers["x-topic"] = options.topic;
    if (options.async && options.callbackUrl !== undefined && options.callbackUrl !== "") headers["x-callback-url"] = options.callbackUrl;
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    return { url: this.invocationUrl(fn, options.async), method: "POST", headers, body };
  }
}
