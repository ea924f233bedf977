/**
 * The bus rule whose event pattern the sink applies before sending.
 *
 * `findRule` pages through `ListRules` on the bus (`NamePrefix` = the rule's name, `NextToken`
 * until the end) and picks the rule by ARN (when configured as one) or by name. AWS returns the
 * `EventPattern` as JSON text; `compilePattern` turns it into a matcher.
 *
 * `RuleWatcher` keeps that pattern current: it re-reads the rule every `refreshIntervalMs`
 * (5 minutes by default). States:
 * - `loading`: no answer yet (transient failures are retried with back-off; events wait);
 * - `ready`: the pattern is known and compiled;
 * - `stale`: a refresh failed (or found the rule gone): the last good pattern stays in use;
 * - `unfilterable`: the pattern could not be compiled here (EventBridge accepted it, so this
 *   matcher lags behind AWS): events are sent unfiltered and EventBridge filters them;
 * - `error`: the rule does not exist, has no event pattern, or cannot be read (access denied)
 *   and there is no earlier pattern: nothing can be decided; looked up again every minute.
 */
import { backoffDelay, type RetryPolicy } from "../http/retry";
import { accountOf, type BusRef, type RuleRef } from "./arn";
import type { EventBridgeApi, RuleSummary } from "./client";
import { classifyCallError, type CallFailure } from "./errors";
import { compilePattern, type CompiledPattern } from "../pattern";

export interface FoundRule {
  name: string;
  arn: string;
  /** JSON text; undefined for a rule without one (a schedule rule) */
  eventPattern: string | undefined;
  /** ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS */
  state: string;
  /** the account from the rule's ARN */
  account: string | undefined;
}

export type RuleLookupProblem = "not-found" | "no-pattern" | "call";

export class RuleLookupError extends Error {
  override readonly name = "RuleLookupError";
  /** the problem without naming the rule (for a status line that already names it) */
  readonly brief: string;
  constructor(
    readonly problem: RuleLookupProblem,
    message: string,
    /** for `call`: the failed call */
    readonly failure?: CallFailure,
  ) {
    super(message);
    this.brief =
      failure !== undefined
        ? `${failure.status !== 0 ? `HTTP ${failure.status} ` : ""}${failure.code}: ${failure.message}`
        : problem === "not-found"
          ? "the rule does not exist"
          : problem === "no-pattern"
            ? "the rule has no event pattern"
            : message;
  }
}

/** AWS's maximum page size for ListRules. */
const PAGE_LIMIT = 100;
/** A safety stop against a server that never stops paging. */
const MAX_PAGES = 1000;

function describeRule(rule: RuleRef, bus: BusRef): string {
  return `rule ${JSON.stringify(rule.arn ?? rule.name)} on event bus ${JSON.stringify(bus.name)}`;
}

/**
 * Look the rule up. Throws RuleLookupError: `not-found`, `no-pattern`, or `call` (the
 * ListRules call failed; `failure` says how).
 */
export async function findRule(api: EventBridgeApi, bus: BusRef, rule: RuleRef, signal: AbortSignal): Promise<FoundRule> {
  let token: string | undefined;
  const seen = new Set<string>();
  for (let page = 0; page < MAX_PAGES; page++) {
    let rules: RuleSummary[] | undefined;
    try {
      const out = await api.listRules(
        { EventBusName: bus.value, NamePrefix: rule.name, Limit: PAGE_LIMIT, ...(token !== undefined ? { NextToken: token } : {}) },
        signal,
      );
      rules = out.Rules;
      token = typeof out.NextToken === "string" && out.NextToken !== "" ? out.NextToken : undefined;
    } catch (err) {
      const f = classifyCallError(err);
      throw new RuleLookupError("call", `cannot read ${describeRule(rule, bus)}: ${f.status !== 0 ? `HTTP ${f.status} ` : ""}${f.code}: ${f.message}`, f);
    }
    for (const r of rules ?? []) {
      const hit = rule.arn !== undefined ? r.Arn === rule.arn : r.Name === rule.name;
      if (!hit) continue;
      const pattern = typeof r.EventPattern === "string" && r.EventPattern.trim() !== "" ? r.EventPattern : undefined;
      const found: FoundRule = {
        name: r.Name ?? rule.name,
        arn: r.Arn ?? rule.arn ?? "",
        eventPattern: pattern,
        state: r.State ?? "ENABLED",
        account: accountOf(r.Arn) ?? rule.account,
      };
      if (pattern === undefined) {
        throw new RuleLookupError("no-pattern", `${describeRule(rule, bus)} has no event pattern (a schedule rule?); choose a rule with an event pattern`);
      }
      return found;
    }
    if (token === undefined) break;
    if (seen.has(token)) break; // the same page again: stop rather than loop
    seen.add(token);
  }
  throw new RuleLookupError("not-found", `${describeRule(rule, bus)} does not exist`);
}

export type RuleState =
  | { state: "loading"; reason?: string }
  | { state: "ready"; rule: FoundRule; pattern: CompiledPattern; since: number }
  | { state: "stale"; rule: FoundRule; pattern: CompiledPattern; since: number; reason: string; brief: string }
  | { state: "unfilterable"; rule: FoundRule; reason: string }
  | { state: "error"; reason: string; problem: RuleLookupProblem; code?: string }
  | { state: "closed" };

export interface RuleWatcherOptions {
  /** re-read the rule this often; default 5 minutes */
  refreshIntervalMs?: number;
  /** after a failed look-up with no pattern to fall back on; default min(refresh, 60 s) */
  errorRetryMs?: number;
  /** back-off of the first look-up's transient failures */
  retry?: RetryPolicy;
  onChange?: (state: RuleState, previous: RuleState) => void;
  random?: () => number;
}

/** Nothing a user would see changed (a refresh that found the same rule and pattern). */
function sameState(a: RuleState, b: RuleState): boolean {
  if (a.state !== b.state) return false;
  const reason = (s: RuleState): string | undefined => ("reason" in s ? s.reason : undefined);
  if (reason(a) !== reason(b)) return false;
  if ("rule" in a && "rule" in b) {
    return a.rule.eventPattern === b.rule.eventPattern && a.rule.state === b.rule.state && a.rule.arn === b.rule.arn;
  }
  return true;
}

export const DEFAULT_REFRESH_MS = 5 * 60_000;

const FIRST_LOOKUP_RETRY: RetryPolicy = { maxAttempts: Number.MAX_SAFE_INTEGER, backoffDelayMs: 500, maxDelayMs: 30_000, jitter: 0.2, honorRetryAfter: false };

export class RuleWatcher {
  private current: RuleState = { state: "loading" };
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];
  private failures = 0;
  private readonly refreshMs: number;
  private readonly errorRetryMs: number;
  private started = false;
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly api: EventBridgeApi,
    private readonly bus: BusRef,
    readonly rule: RuleRef,
    private readonly options: RuleWatcherOptions = {},
  ) {
    this.refreshMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_MS;
    this.errorRetryMs = options.errorRetryMs ?? Math.min(this.refreshMs, 60_000);
  }

  get state(): RuleState {
    return this.current;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.load();
  }

  /** Resolves once the state is no longer `loading` (or the watcher is closed). */
  settled(): Promise<void> {
    if (this.current.state !== "loading") return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Look the rule up now (and restart the refresh cycle). */
  refresh(): Promise<void> {
    if (this.current.state === "closed") return Promise.resolve();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    return this.load();
  }

  private set(next: RuleState): void {
    const previous = this.current;
    this.current = next;
    if (next.state !== "loading") for (const w of this.waiters.splice(0)) w();
    if (sameState(previous, next)) return;
    try {
      this.options.onChange?.(next, previous);
    } catch {
      // observers must not break the watcher
    }
  }

  private schedule(ms: number): void {
    if (this.current.state === "closed") return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.load();
    }, ms);
  }

  private load(): Promise<void> {
    this.inflight ??= this.lookup().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async lookup(): Promise<void> {
    let found: FoundRule;
    try {
      found = await findRule(this.api, this.bus, this.rule, this.abort.signal);
    } catch (err) {
      if (this.current.state === "closed") return;
      this.lookupFailed(err instanceof RuleLookupError ? err : new RuleLookupError("call", String(err)));
      return;
    }
    if (this.current.state === "closed") return;
    this.failures = 0;
    const text = found.eventPattern ?? "";
    const prev = this.current;
    let pattern: CompiledPattern | undefined;
    if ((prev.state === "ready" || prev.state === "stale") && prev.rule.eventPattern === text) {
      pattern = prev.pattern;
    } else {
      try {
        pattern = compilePattern(text);
      } catch (err) {
        this.set({
          state: "unfilterable",
          rule: found,
          reason: `the pattern of rule ${JSON.stringify(found.name)} cannot be evaluated here (${err instanceof Error ? err.message : String(err)}); every event is sent and EventBridge filters`,
        });
        this.schedule(this.refreshMs);
        return;
      }
    }
    this.set({ state: "ready", rule: found, pattern, since: Date.now() });
    this.schedule(this.refreshMs);
  }

  private lookupFailed(err: RuleLookupError): void {
    const prev = this.current;
    this.failures++;
    if (prev.state === "ready" || prev.state === "stale") {
      // keep the last good pattern; look again sooner than the normal cycle
      this.set({ state: "stale", rule: prev.rule, pattern: prev.pattern, since: prev.since, reason: err.message, brief: err.brief });
      this.schedule(this.errorRetryMs);
      return;
    }
    if (prev.state === "unfilterable" && err.problem === "call") {
      this.schedule(this.errorRetryMs);
      return;
    }
    const transient = err.problem === "call" && err.failure?.retryable === true;
    if (transient && prev.state === "loading") {
      this.set({ state: "loading", reason: err.message });
      const policy = this.options.retry ?? FIRST_LOOKUP_RETRY;
      this.schedule(backoffDelay(policy, this.failures, this.options.random));
      return;
    }
    this.set({
      state: "error",
      reason: err.message,
      problem: err.problem,
      ...(err.failure !== undefined ? { code: err.failure.code } : {}),
    });
    this.schedule(this.errorRetryMs);
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    this.set({ state: "closed" });
    for (const w of this.waiters.splice(0)) w();
  }
}
