/**
 * HTTP transport to one vCenter SDK endpoint: an undici keep-alive pool, the TLS options, and
 * the `vmware_soap_session` cookie. Both the `soap` client (control calls) and the streaming
 * event-page reader go through it, so they share one connection pool and one session.
 */
import { Pool, type Dispatcher } from "undici";
import { VsphereError, faultError, scrubError, type TextScrubber } from "./faults";
import { DEFAULT_MAX_RESPONSE_BYTES, readBody, tooSlow } from "./response-body";
import type { PageSlabs } from "./page-slabs";
import { child, parseXml, type XmlNode } from "./xml";
import { MAX_CONTROL_XML_DEPTH, scanXml, XmlScanError } from "./xml-scan";

export interface TransportOptions {
  /** normalised SDK URL, e.g. https://vc.example.com/sdk */
  sdkUrl: string;
  /** skip TLS certificate verification (self-signed vCenter certificates) */
  insecureSSL?: boolean;
  /** extra trusted CA certificates (PEM) */
  ca?: string;
  /** connect timeout, ms */
  connectTimeoutMs?: number;
  /** time for a whole exchange (response headers and body), ms */
  requestTimeoutMs?: number;
  /** largest response body accepted, bytes (default 32 MiB); larger ones are cut off */
  maxResponseBytes?: number;
  /** removes configured secrets from error texts quoting the server */
  scrubber?: TextScrubber;
  /** SOAPAction header; real vCenter selects the API version from it */
  soapAction?: string;
}

export interface PostOptions {
  signal?: AbortSignal;
  /** override the exchange timeout for long-polling calls (WaitForUpdatesEx) */
  timeoutMs?: number;
  /**
   * copy the body into slabs of this pool as it arrives (event pages read ahead: see
   * page-slabs.ts); the chunks of a 200 answer are then views of its slabs, for the caller to
   * give back
   */
  slabs?: PageSlabs;
}

const SESSION_COOKIE = "vmware_soap_session";

export class SoapTransport {
  readonly sdkUrl: string;
  private readonly path: string;
  private readonly pool: Pool;
  private readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  private readonly scrubber: TextScrubber | undefined;
  private readonly soapAction: string;
  private cookie: string | undefined;
  private closed = false;
  private readonly aborts = new Set<AbortController>();

  constructor(opts: TransportOptions) {
    this.sdkUrl = opts.sdkUrl;
    const url = new URL(opts.sdkUrl);
    this.path = url.pathname + url.search;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.scrubber = opts.scrubber;
    this.soapAction = opts.soapAction ?? "urn:vim25/7.0";
    this.pool = new Pool(url.origin, {
      connections: 8,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: {
        timeout: opts.connectTimeoutMs ?? 10_000,
        rejectUnauthorized: opts.insecureSSL !== true,
        ...(opts.ca !== undefined && opts.ca !== "" ? { ca: opts.ca } : {}),
      },
    });
    // a pool with no listener for 'connectionError' is fine; errors surface on requests
  }

  /** The session cookie value (`vmware_soap_session=...`), if logged in. */
  get sessionCookie(): string | undefined {
    return this.cookie;
  }

  clearSession(): void {
    this.cookie = undefined;
  }

  /** `err` with every configured secret removed from its message. */
  scrub(err: VsphereError): VsphereError {
    return scrubError(err, this.scrubber);
  }

  /**
   * POST a SOAP envelope and read the whole answer, at most `maxResponseBytes` of it and
   * within the timeout. Resolves with the body's chunks for status 200; SOAP faults (HTTP 500
   * with a fault body) become a VsphereError here; network errors, other HTTP statuses,
   * responses past the cap or the deadline reject with kind "transport". Error messages never
   * carry a configured secret, even when the server echoes the request.
   */
  async post(envelope: string, opts: PostOptions = {}): Promise<Buffer[]> {
    try {
      return await this.exchange(envelope, opts);
    } catch (err) {
      throw this.scrub(err instanceof VsphereError ? err : new VsphereError(describe(err), "transport"));
    }
  }

  private async exchange(envelope: string, opts: PostOptions): Promise<Buffer[]> {
    if (this.closed) throw new VsphereError("vCenter connection closed", "closed");
    const ac = new AbortController();
    this.aborts.add(ac);
    const onAbort = (): void => ac.abort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const timeout = opts.timeoutMs ?? this.requestTimeoutMs;
    const startedAt = Date.now();
    const deadline = startedAt + timeout;
    try {
      const headers: Record<string, string> = {
        "content-type": 'text/xml; charset="utf-8"',
        soapaction: this.soapAction,
      };
      if (this.cookie !== undefined) headers.cookie = this.cookie;
      let res: Dispatcher.ResponseData;
      try {
        res = await this.pool.request({
          method: "POST",
          path: this.path,
          headers,
          body: envelope,
          signal: ac.signal,
          headersTimeout: timeout,
          bodyTimeout: timeout,
        });
      } catch (err) {
        if (this.closed) throw new VsphereError("vCenter connection closed", "closed");
        if (Date.now() >= deadline) throw tooSlow(timeout);
        throw new VsphereError(`cannot reach vCenter at ${this.sdkUrl}: ${describe(err)}`, "transport");
      }
      this.takeCookie(res.headers["set-cookie"]);
      let chunks: Buffer[];
      try {
        chunks = (await readBody(res.body, { maxBytes: this.maxResponseBytes, deadline }, startedAt, opts.slabs?.collector())).chunks;
      } catch (err) {
        if (this.closed) throw new VsphereError("vCenter connection closed", "closed");
        if (err instanceof VsphereError) throw err;
        throw new VsphereError(`vCenter response was cut off: ${describe(err)}`, "transport", undefined, res.statusCode);
      }
      if (res.statusCode === 200) return chunks;
      const text = Buffer.concat(chunks).toString("utf8");
      opts.slabs?.releaseAll(chunks);
      if (res.statusCode === 500 && text.includes("Fault")) throw parseFault(text, res.statusCode);
      // scrubbed before it is cut: a secret cut in two would survive in part
      const shown = (this.scrubber?.scrub(text) ?? text).slice(0, 200).trim();
      throw new VsphereError(
        `vCenter answered HTTP ${res.statusCode}${shown !== "" ? `: ${shown}` : ""}`,
        "transport",
        undefined,
        res.statusCode,
      );
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
      this.aborts.delete(ac);
    }
  }

  /**
   * POST and read the whole body as text (see post), checked to be well-formed XML nested no
   * deeper than the scanner's limit before anything else parses it.
   */
  async postText(envelope: string, opts: PostOptions = {}): Promise<string> {
    const chunks = await this.post(envelope, opts);
    const text = Buffer.concat(chunks).toString("utf8");
    chunks.length = 0;
    try {
      scanXml(text, 2, () => undefined, MAX_CONTROL_XML_DEPTH);
    } catch (err) {
      if (!(err instanceof XmlScanError)) throw err;
      throw this.scrub(new VsphereError(`vCenter sent a response that is not well-formed XML: ${err.message}`, "transport"));
    }
    return text;
  }

  private takeCookie(header: string | string[] | undefined): void {
    if (header === undefined) return;
    for (const line of Array.isArray(header) ? header : [header]) {
      const first = line.split(";")[0]?.trim() ?? "";
      if (first.startsWith(`${SESSION_COOKIE}=`)) this.cookie = first;
    }
  }

  /** Abort everything under way and close the pool; resolves within a second. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ac of this.aborts) ac.abort();
    this.aborts.clear();
    await Promise.race([
      this.pool.destroy().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 1000).unref()),
    ]);
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const code = (err as Error & { code?: string }).code;
    const base = err.message !== "" ? err.message : err.name;
    if (cause instanceof Error && cause.message !== "" && !base.includes(cause.message)) {
      return `${base} (${cause.message})`;
    }
    return code !== undefined && !base.includes(code) ? `${base} (${code})` : base;
  }
  return String(err);
}

/** Turn a SOAP fault envelope into a VsphereError. */
export function parseFault(xml: string, statusCode?: number): VsphereError {
  let root: XmlNode;
  try {
    root = parseXml(xml);
  } catch {
    return new VsphereError(`vCenter answered HTTP ${statusCode ?? 500} with a malformed fault`, "transport", undefined, statusCode);
  }
  const body = child(root, "Body");
  const fault = body !== undefined ? child(body, "Fault") : undefined;
  if (fault === undefined) {
    return new VsphereError(`vCenter answered HTTP ${statusCode ?? 500} without a SOAP fault`, "transport", undefined, statusCode);
  }
  const faultString = child(fault, "faultstring")?.text.trim() ?? "";
  const detail = child(fault, "detail");
  const detailFault = detail?.children[0];
  const type = detailFault?.type ?? detailFault?.name ?? child(fault, "faultcode")?.text ?? "SOAPFault";
  return faultError(type, faultString, statusCode);
}
