/**
 * Control calls to vCenter through the `soap` package, over our own transport (undici pool,
 * TLS options, session cookie). The WSDL is the embedded vim25 subset in wsdl.ts, parsed once
 * per process.
 */
import type { Client, IHttpClient, IOptions, WSDL } from "soap";
import type * as Soap from "soap";
import { VsphereError } from "./faults";
import { describe, type PostOptions, type SoapTransport } from "./transport";
import { vimWsdl } from "./wsdl";

/** A managed object reference as `soap` writes and reads it. */
export interface MoRef {
  type: string;
  value: string;
}

export function moRefArg(ref: MoRef): { attributes: { type: string }; $value: string } {
  return { attributes: { type: ref.type }, $value: ref.value };
}

/** Read a MoRef out of a `soap`-parsed value. */
export function moRefOf(v: unknown, fallbackType = ""): MoRef {
  if (typeof v === "string") return { type: fallbackType, value: v };
  if (v !== null && typeof v === "object") {
    const o = v as { attributes?: { type?: string }; $value?: unknown };
    return { type: o.attributes?.type ?? fallbackType, value: String(o.$value ?? "") };
  }
  throw new VsphereError("vCenter answered without an object reference", "fault");
}

const SOAP_OPTIONS: IOptions = {
  // vim25 is strict about element order and namespaces; soap's defaults do both
  escapeXML: true,
  disableCache: true,
  returnFault: false,
};

/**
 * `soap`, loaded with the first vCenter connection: it costs a Node-RED process ~11 MB of RSS
 * (6 MB of heap), and every flow loads this file through vcenter-in's module whether or not it
 * has a vcenter-in node.
 */
function soap(): typeof Soap {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy, see above
  return require("soap") as typeof Soap;
}

let wsdlPromise: Promise<WSDL> | undefined;

function loadWsdl(): Promise<WSDL> {
  wsdlPromise ??= new Promise<WSDL>((resolve, reject) => {
    const wsdl = new (soap().WSDL)(vimWsdl(), "urn:vim25:subset.wsdl", SOAP_OPTIONS);
    wsdl.onReady((err) => (err ? reject(err) : resolve(wsdl)));
  });
  return wsdlPromise;
}

/** The IHttpClient `soap` calls, answering through SoapTransport. */
class TransportHttpClient implements IHttpClient {
  constructor(private readonly transport: SoapTransport) {}

  request(
    _rurl: string,
    data: unknown,
    callback: (error: unknown, res?: unknown, body?: unknown) => unknown,
    _exheaders?: unknown,
    exoptions?: unknown,
  ): never {
    const opts = (exoptions ?? {}) as PostOptions;
    this.transport
      .postText(String(data), { signal: opts.signal, timeoutMs: opts.timeoutMs })
      .then(
        (body) => callback(null, { status: 200, headers: {}, data: body }, body),
        (err: unknown) => callback(err instanceof VsphereError ? err : new VsphereError(describe(err), "transport")),
      )
      .catch(() => undefined);
    // soap ignores the return value of request(); nothing useful to return
    return undefined as never;
  }
}

type SoapAsync = (args: unknown, options?: unknown) => Promise<[unknown, unknown, unknown, unknown]>;

export class VimClient {
  private constructor(
    private readonly client: Client,
    readonly transport: SoapTransport,
  ) {}

  static async create(transport: SoapTransport): Promise<VimClient> {
    const wsdl = await loadWsdl();
    const client = new (soap().Client)(wsdl, transport.sdkUrl, {
      ...SOAP_OPTIONS,
      httpClient: new TransportHttpClient(transport),
    });
    return new VimClient(client, transport);
  }

  /**
   * Call one vim25 operation. Resolves with the parsed `returnval` (undefined for void
   * operations); rejects with VsphereError.
   */
  async call(op: string, thisRef: MoRef, args: Record<string, unknown> = {}, opts: PostOptions = {}): Promise<unknown> {
    const fn = (this.client as unknown as Record<string, SoapAsync | undefined>)[`${op}Async`];
    if (fn === undefined) throw new VsphereError(`unsupported vSphere operation ${op}`, "fault");
    try {
      const [result] = await fn.call(this.client, { _this: moRefArg(thisRef), ...args }, opts);
      if (result === null || result === undefined) return undefined;
      const rv = (result as { returnval?: unknown }).returnval;
      // the subset WSDL declares returnval as a list; single-valued operations get element 0
      return Array.isArray(rv) && rv.length === 1 ? rv[0] : rv;
    } catch (err) {
      // soap's own errors may quote the response: never with a configured secret in them
      if (err instanceof VsphereError) throw this.transport.scrub(err);
      throw this.transport.scrub(new VsphereError(`vSphere ${op} failed: ${describe(err)}`, "fault"));
    }
  }
}
