/**
 * The shared connection to one vCenter, owned by a `vsphere-config` node: one SOAP session for
 * every `vcenter-in` using it, created on first use, re-established with back-off (1 s doubling
 * to 60 s) after NotAuthenticated or transport errors, logged out when the last user leaves.
 */
import { EventEmitter } from "node:events";
import type { Scrubber } from "../common/scrub";
import { Backoff, sleep } from "../common/backoff";
import { scrubError, VsphereError } from "./faults";
import { credentialScrubber, VsphereSession, type SessionOptions } from "./session";

export type ConnectionState = "idle" | "connecting" | "connected" | "reconnecting" | "error" | "closed";

export interface ConnectionStatus {
  state: ConnectionState;
  /** why the last attempt failed (reconnecting / error) */
  reason?: string;
}

export interface ConnectionOptions extends SessionOptions {
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * The node's own text for failures that have one (VsphereError.code: a response past the
   * size cap or the deadline), e.g. a translated status; undefined keeps the error's message.
   */
  explain?: (err: VsphereError) => string | undefined;
  /** how long a session outlives its last user when that user is only redeployed (default 30 s) */
  idleLogoutMs?: number;
}

const IDLE_LOGOUT_MS = 30_000;

export class VsphereConnection extends EventEmitter {
  private current: VsphereSession | undefined;
  private pending: Promise<VsphereSession> | undefined;
  private readonly users = new Set<object>();
  private readonly backoff: Backoff;
  private closed = false;
  /** aborts the log-in loop under way (close, or the last user leaving) */
  private loopAbort = new AbortController();
  private status: ConnectionStatus = { state: "idle" };
  private everConnected = false;
  /** the last failure reported through the "failure" event (reported again only when it changes) */
  private lastFailure: string | undefined;
  private readonly scrubber: Scrubber;
  /** logs the session out when no user came back after a redeploy */
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(readonly options: ConnectionOptions) {
    super();
    this.scrubber = credentialScrubber(options);
    this.backoff = new Backoff(options.minBackoffMs ?? 1000, options.maxBackoffMs ?? 60_000);
  }

  get sdkUrl(): string {
    return this.options.sdkUrl;
  }

  get state(): ConnectionStatus {
    return this.status;
  }

  /** The logged-in session, if there is one now (never logs in). */
  get currentSession(): VsphereSession | undefined {
    return this.current;
  }

  /**
   * What to show or log for a failure: the node's own text when it has one, otherwise the
   * error's message; never with the configured user name or password in it.
   */
  reasonOf(err: unknown): string {
    const e = err instanceof VsphereError ? err : new VsphereError(err instanceof Error ? err.message : String(err), "transport");
    let text: string | undefined;
    try {
      text = this.options.explain?.(e);
    } catch {
      text = undefined;
    }
    return this.scrubber.scrub(text ?? e.message);
  }

  /** Peer text (a log line quoting the server) without the configured credentials. */
  scrub(text: string): string {
    return this.scrubber.scrub(text);
  }

  register(user: object): void {
    this.users.add(user);
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /**
   * Remove a user; the last one out logs the session out. A user that is only being redeployed
   * (`removed` false, as Node-RED passes to close) keeps the session for `idleLogoutMs`, so a
   * redeploy does not log out and in again (each of which writes an event into vCenter's own
   * stream); if no user comes back by then, the session is logged out.
   */
  async deregister(user: object, removed = true): Promise<void> {
    this.users.delete(user);
    if (this.users.size > 0) return;
    if (removed || this.closed) {
      await this.disconnect();
      return;
    }
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.users.size === 0) this.disconnect().catch(() => undefined);
    }, this.options.idleLogoutMs ?? IDLE_LOGOUT_MS);
    this.idleTimer.unref();
  }

  /**
   * A logged-in session, logging in first if needed. Retries with back-off until it succeeds,
   * the signal aborts, or the connection is closed (then rejects with kind "closed").
   */
  session(signal?: AbortSignal): Promise<VsphereSession> {
    if (this.closed) return Promise.reject(new VsphereError("vCenter connection closed", "closed"));
    if (this.current !== undefined) return Promise.resolve(this.current);
    this.pending ??= this.connectLoop().finally(() => {
      this.pending = undefined;
    });
    if (signal === undefined) return this.pending;
    return new Promise<VsphereSession>((resolve, reject) => {
      const onAbort = (): void => reject(new VsphereError("cancelled", "closed"));
      signal.addEventListener("abort", onAbort, { once: true });
      this.pending!.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  /** A user saw NotAuthenticated (or lost the transport): drop this session, log in anew next time. */
  invalidate(session: VsphereSession, reason: string): void {
    if (this.current !== session) return;
    this.current = undefined;
    this.setStatus({ state: "reconnecting", reason: this.scrubber.scrub(reason) });
    void session.close();
  }

  private async connectLoop(): Promise<VsphereSession> {
    const abort = new AbortController();
    this.loopAbort = abort;
    const signal = abort.signal;
    let first = this.status.state === "idle";
    for (;;) {
      if (this.closed || signal.aborted) throw new VsphereError("vCenter connection closed", "closed");
      this.setStatus(first ? { state: "connecting" } : { state: "reconnecting", reason: this.status.reason });
      try {
        const session = await VsphereSession.login({ ...this.options, scrubber: this.scrubber });
        if (this.closed || signal.aborted) {
          await session.close();
          throw new VsphereError("vCenter connection closed", "closed");
        }
        this.backoff.reset();
        this.everConnected = true;
        this.lastFailure = undefined;
        this.current = session;
        this.setStatus({ state: "connected" });
        return session;
      } catch (err) {
        if (this.closed || signal.aborted) throw new VsphereError("vCenter connection closed", "closed");
        const e = scrubError(err instanceof VsphereError ? err : new VsphereError(String(err), "transport"), this.scrubber);
        // the user name is ours to show; the server's text is scrubbed of it and the password
        const reason = e.kind === "login" ? `login failed for user "${this.options.username}": ${this.reasonOf(e)}` : this.reasonOf(e);
        // red while we have never been connected or the credentials are refused; yellow while
        // a connection that worked is being re-established. Retries go on either way (slowly).
        const broken = e.kind === "login" || !this.everConnected;
        this.setStatus({ state: broken ? "error" : "reconnecting", reason });
        if (reason !== this.lastFailure) this.emit("failure", e, reason);
        this.lastFailure = reason;
        first = false;
        await sleep(this.backoff.next(), signal);
      }
    }
  }

  private setStatus(s: ConnectionStatus): void {
    this.status = s;
    this.emit("status", s);
  }

  /** Log out now (a later session() logs in again). */
  async disconnect(): Promise<void> {
    this.loopAbort.abort();
    const s = this.current;
    this.current = undefined;
    if (s !== undefined) await s.close();
    if (!this.closed) this.setStatus({ state: "idle" });
  }

  /** Stop for good: abort log-in attempts, log out. Resolves within ~2 s. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.loopAbort.abort();
    const s = this.current;
    this.current = undefined;
    if (s !== undefined) await s.close();
    this.setStatus({ state: "closed" });
    this.removeAllListeners();
  }
}
