/**
 * The two EventBridge calls the sink makes (`PutEvents`, `ListRules`), behind a small
 * interface so the engine can be tested without AWS, and its implementation on
 * `@aws-sdk/client-eventbridge`.
 *
 * The SDK's own retries are switched off (`maxAttempts: 1`): the batcher retries with its own
 * back-off, per entry, and a close must abort at once rather than wait out SDK retries.
 */
import { EventBridgeClient, ListRulesCommand, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { PutEventsEntry } from "./entry";
import { MAX_RESPONSE_BYTES, responseCapMiddleware, withDeadline } from "./response-cap";

export interface PutEventsResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export interface PutEventsOutput {
  FailedEntryCount?: number;
  Entries?: PutEventsResultEntry[];
}

export interface RuleSummary {
  Name?: string;
  Arn?: string;
  EventPattern?: string;
  State?: string;
  ScheduleExpression?: string;
  EventBusName?: string;
}

export interface ListRulesInput {
  EventBusName?: string;
  NamePrefix?: string;
  NextToken?: string;
  Limit?: number;
}

export interface ListRulesOutput {
  Rules?: RuleSummary[];
  NextToken?: string;
}

export interface EventBridgeApi {
  putEvents(entries: PutEventsEntry[], signal: AbortSignal): Promise<PutEventsOutput>;
  listRules(input: ListRulesInput, signal: AbortSignal): Promise<ListRulesOutput>;
  /** close idle and active sockets */
  destroy(): void;
}

export interface ClientOptions {
  region: string;
  /** a compatible endpoint or a test peer (`http://127.0.0.1:4010`); default: AWS's */
  endpoint?: string;
  /** static keys; without them the SDK's default provider chain (environment, profile, SSO, IMDS, …) */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** connection set-up, default 10 s */
  connectTimeoutMs?: number;
  /** a whole call, and the longest silence on its socket; default 30 s */
  requestTimeoutMs?: number;
  /** the longest answer body read (default 4 MiB) */
  maxResponseBytes?: number;
  /** sockets per host, default 50 */
  maxSockets?: number;
}

/** An EventBridgeApi on the AWS SDK v3 client. */
export function createEventBridgeApi(options: ClientOptions): EventBridgeApi {
  const agent = { keepAlive: true, maxSockets: options.maxSockets ?? 50 };
  const client = new EventBridgeClient({
    region: options.region,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      throwOnRequestTimeout: true,
      httpAgent: agent,
      httpsAgent: agent,
    },
  });
  client.middlewareStack.add(responseCapMiddleware(options.maxResponseBytes ?? MAX_RESPONSE_BYTES), {
    step: "deserialize",
    priority: "low",
    name: "nodeRedVmwareResponseCap",
  });
  const deadlineMs = options.requestTimeoutMs ?? 30_000;
  return {
    async putEvents(entries, signal) {
      const out = await withDeadline(deadlineMs, signal, (s) => client.send(new PutEventsCommand({ Entries: entries }), { abortSignal: s }));
      return { FailedEntryCount: out.FailedEntryCount, Entries: out.Entries };
    },
    async listRules(input, signal) {
      const out = await withDeadline(deadlineMs, signal, (s) => client.send(new ListRulesCommand(input), { abortSignal: s }));
      return { Rules: out.Rules, NextToken: out.NextToken };
    },
    destroy() {
      client.destroy();
    },
  };
}
