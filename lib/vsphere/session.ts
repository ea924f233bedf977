/**
 * One logged-in vim25 session: service content, login/logout, the clock, and the calls the
 * event reader needs. Owned by a VsphereConnection; readers never log in themselves.
 */
import { Scrubber } from "../common/scrub";
import { VsphereError } from "./faults";
import { SoapTransport, type TransportOptions } from "./transport";
import { moRefArg, moRefOf, VimClient, type MoRef } from "./vim-client";

export interface ServiceContent {
  rootFolder: MoRef;
  propertyCollector: MoRef;
  sessionManager: MoRef;
  eventManager: MoRef;
  apiVersion: string;
  fullName: string;
  instanceUuid: string;
}

export interface SessionOptions extends TransportOptions {
  username: string;
  password: string;
}

/** Removes the configured user name and password (in every encoding an echo may use) from peer text. */
export function credentialScrubber(opts: { username: string; password: string }): Scrubber {
  return new Scrubber([opts.username, opts.password], [{ username: opts.username, password: opts.password }]);
}

const SERVICE_INSTANCE: MoRef = { type: "ServiceInstance", value: "ServiceInstance" };

function str(v: unknown): string {
  if (typeof v === "string") return v;
  if (v !== null && typeof v === "object" && "$value" in v) return String(v.$value);
  return v === undefined || v === null ? "" : String(v);
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

export class VsphereSession {
  private static nextId = 1;
  /** identifies this login, so a reader can tell whether the session it used is still current */
  readonly id = VsphereSession.nextId++;
  private loggedIn = false;

  private constructor(
    readonly vim: VimClient,
    readonly transport: SoapTransport,
    readonly content: ServiceContent,
  ) {}

  /** Connect, read the service content and log in. Closes the transport on failure. */
  static async login(opts: SessionOptions): Promise<VsphereSession> {
    const transport = new SoapTransport({ ...opts, scrubber: opts.scrubber ?? credentialScrubber(opts) });
    try {
      const vim = await VimClient.create(transport);
      const sc = (await vim.call("RetrieveServiceContent", SERVICE_INSTANCE)) as Record<string, unknown> | undefined;
      if (sc === undefined || typeof sc !== "object") {
        throw new VsphereError(`${opts.sdkUrl} did not answer like a vCenter (no service content)`, "fault");
      }
      const about = (sc.about ?? {}) as Record<string, unknown>;
      if (sc.eventManager === undefined) {
        throw new VsphereError(`${opts.sdkUrl} has no event manager (is it an ESXi host or not a vCenter?)`, "fault");
      }
      const content: ServiceContent = {
        rootFolder: moRefOf(sc.rootFolder, "Folder"),
        propertyCollector: moRefOf(sc.propertyCollector, "PropertyCollector"),
        sessionManager: moRefOf(sc.sessionManager, "SessionManager"),
        eventManager: moRefOf(sc.eventManager, "EventManager"),
        apiVersion: str(about.apiVersion),
        fullName: str(about.fullName),
        instanceUuid: str(about.instanceUuid),
      };
      const session = new VsphereSession(vim, transport, content);
      await vim.call("Login", content.sessionManager, { userName: opts.username, password: opts.password });
      if (transport.sessionCookie === undefined) {
        throw new VsphereError("vCenter accepted the login but set no session cookie", "fault");
      }
      session.loggedIn = true;
      return session;
    } catch (err) {
      await transport.close();
      throw err;
    }
  }

  get sdkUrl(): string {
    return this.transport.sdkUrl;
  }

  /** vCenter's own clock, as the xsd:dateTime text it sent (keeps its fractional digits). */
  async currentTime(): Promise<string> {
    return str(await this.vim.call("CurrentTime", SERVICE_INSTANCE));
  }

  async createEventCollector(filter: { beginTime?: string; endTime?: string; eventTypeIds?: string[] }): Promise<MoRef> {
    const spec: Record<string, unknown> = {
      entity: { entity: moRefArg(this.content.rootFolder), recursion: "all" },
    };
    if (filter.beginTime !== undefined || filter.endTime !== undefined) {
      const time: Record<string, string> = {};
      if (filter.beginTime !== undefined) time.beginTime = filter.beginTime;
      if (filter.endTime !== undefined) time.endTime = filter.endTime;
      spec.time = time;
    }
    if (filter.eventTypeIds !== undefined && filter.eventTypeIds.length > 0) spec.eventTypeId = filter.eventTypeIds;
    return moRefOf(await this.vim.call("CreateCollectorForEvents", this.content.eventManager, { filter: spec }), "EventHistoryCollector");
  }

  async destroyCollector(ref: MoRef): Promise<void> {
    await this.vim.call("DestroyCollector", ref);
  }

  /** A private property collector watching `latestPage` of an event collector. */
  async watchLatestPage(collector: MoRef): Promise<MoRef> {
    const pc = moRefOf(await this.vim.call("CreatePropertyCollector", this.content.propertyCollector), "PropertyCollector");
    try {
      await this.vim.call("CreateFilter", pc, {
        spec: {
          propSet: [{ type: collector.type, all: false, pathSet: ["latestPage"] }],
          objectSet: [{ obj: moRefArg(collector), skip: false }],
        },
        partialUpdates: false,
      });
    } catch (err) {
      await this.vim.call("DestroyPropertyCollector", pc).catch(() => undefined);
      throw err;
    }
    return pc;
  }

  /**
   * WaitForUpdatesEx on a private property collector: resolves with the new version when
   * something changed, or with the same version when maxWaitSeconds passed.
   */
  async waitForUpdates(pc: MoRef, version: string, maxWaitSeconds: number, signal?: AbortSignal): Promise<string> {
    const rv = await this.vim.call(
      "WaitForUpdatesEx",
      pc,
      { version, options: { maxWaitSeconds } },
      { signal, timeoutMs: (maxWaitSeconds + 30) * 1000 },
    );
    if (rv === undefined || rv === null || typeof rv !== "object") return version;
    return str((rv as { version?: unknown }).version) || version;
  }

  async destroyPropertyCollector(pc: MoRef): Promise<void> {
    await this.vim.call("DestroyPropertyCollector", pc);
  }

  /**
   * The event types this vCenter describes (EventManager.description.eventInfo): class names
   * for plain events, the eventTypeId for EventEx / ExtendedEvent (the part of fullFormat
   * before the first "|").
   */
  async describedEventTypes(): Promise<string[]> {
    const rv = (await this.vim.call("RetrievePropertiesEx", this.content.propertyCollector, {
      specSet: [
        {
          propSet: [{ type: this.content.eventManager.type, all: false, pathSet: ["description.eventInfo"] }],
          objectSet: [{ obj: moRefArg(this.content.eventManager), skip: false }],
        },
      ],
      options: {},
    })) as Record<string, unknown> | undefined;
    const out = new Set<string>();
    for (const obj of list(rv?.objects)) {
      for (const prop of list((obj as Record<string, unknown>).propSet)) {
        const val = (prop as Record<string, unknown>).val as Record<string, unknown> | undefined;
        for (const info of list(val?.eventInfo ?? val)) {
          const i = info as Record<string, unknown>;
          const key = str(i.key);
          if (key === "EventEx" || key === "ExtendedEvent") {
            const id = str(i.fullFormat).split("|")[0]?.trim() ?? "";
            if (id !== "") out.add(id);
          } else if (key !== "") {
            out.add(key);
          }
        }
      }
    }
    return [...out].sort();
  }

  /** Log out (best effort) and close the transport. Never throws. */
  async close(): Promise<void> {
    if (this.loggedIn) {
      this.loggedIn = false;
      await withTimeout(this.vim.call("Logout", this.content.sessionManager), 2000).catch(() => undefined);
    }
    await this.transport.close();
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new VsphereError("timed out", "transport")), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
