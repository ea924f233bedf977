/**
 * OpenFaaS topic subscriptions (openfaas/connector-sdk): a function subscribes to topics with
 * its `topic` annotation, a `,`-separated list; each part is trimmed and empty parts are
 * dropped. Matching is exact, case-sensitive string equality.
 */

/** One deployed function as the gateway lists it. */
export interface FunctionRef {
  name: string;
  /** empty when the gateway has no namespaces (faasd, old gateways) */
  namespace: string;
  /** what the gateway routes on: `name.namespace`, or `name` without a namespace */
  qualifiedName: string;
  topics: readonly string[];
}

export const TOPIC_ANNOTATION = "topic";
export const TOPIC_DELIMITER = ",";

/** `" a, b ,,c "` -> `["a", "b", "c"]` (duplicates dropped, order kept). */
export function parseTopics(annotation: unknown, delimiter: string = TOPIC_DELIMITER): string[] {
  if (typeof annotation !== "string") return [];
  const out: string[] = [];
  for (const part of annotation.split(delimiter)) {
    const t = part.trim();
    if (t !== "" && !out.includes(t)) out.push(t);
  }
  return out;
}

export function qualifiedName(name: string, namespace: string): string {
  return namespace === "" ? name : `${name}.${namespace}`;
}

/** What changed between two topic maps (for logs). */
export interface TopicMapDiff {
  added: FunctionRef[];
  removed: FunctionRef[];
  /** functions whose topics changed */
  changed: FunctionRef[];
}

/** topic -> subscribed functions, built from the gateway's function list. */
export class TopicMap {
  private readonly byTopic = new Map<string, FunctionRef[]>();
  private readonly byName = new Map<string, FunctionRef>();

  constructor(functions: Iterable<FunctionRef>) {
    for (const fn of functions) {
      if (this.byName.has(fn.qualifiedName)) continue;
      this.byName.set(fn.qualifiedName, fn);
      for (const t of fn.topics) {
        let list = this.byTopic.get(t);
        if (list === undefined) this.byTopic.set(t, (list = []));
        list.push(fn);
      }
    }
  }

  /** The functions subscribed to `topic` (empty for no topic or no subscriber). */
  match(topic: string | undefined): readonly FunctionRef[] {
    if (topic === undefined || topic === "") return [];
    return this.byTopic.get(topic) ?? [];
  }

  /** Every function the gateway listed, subscribed or not. */
  get functions(): FunctionRef[] {
    return [...this.byName.values()];
  }

  /** Functions with at least one topic. */
  get subscribers(): number {
    let n = 0;
    for (const fn of this.byName.values()) if (fn.topics.length > 0) n++;
    return n;
  }

  get topics(): string[] {
    return [...this.byTopic.keys()];
  }

  diff(previous: TopicMap | undefined): TopicMapDiff {
    const d: TopicMapDiff = { added: [], removed: [], changed: [] };
    const before = previous?.byName ?? new Map<string, FunctionRef>();
    for (const [name, fn] of this.byName) {
      const old = before.get(name);
      if (old === undefined) d.added.push(fn);
      else if (old.topics.join("\n") !== fn.topics.join("\n")) d.changed.push(fn);
    }
    for (const [name, fn] of before) if (!this.byName.has(name)) d.removed.push(fn);
    return d;
  }
}

/**
 * The topic of a message: `msg.topic` when it is a non-empty string, otherwise the `subject` of
 * a CloudEvent payload (what the VMware Event Router's OpenFaaS processor matched on).
 */
export function topicOf(msgTopic: unknown, payload: unknown): string | undefined {
  if (typeof msgTopic === "string" && msgTopic !== "") return msgTopic;
  if (typeof msgTopic === "number" || typeof msgTopic === "boolean") return String(msgTopic);
  if (payload !== null && typeof payload === "object" && !Array.isArray(payload)) {
    const p = payload as Record<string, unknown>;
    if (typeof p.specversion === "string" && typeof p.subject === "string" && p.subject !== "") return p.subject;
  }
  return undefined;
}
