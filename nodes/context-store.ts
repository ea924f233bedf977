/** Node context as a key/value store for checkpoints, with the store chosen in the node. */
import type { Node } from "node-red";

interface ContextLike {
  get(key: string, store: string | undefined, cb: (err: Error | null, value: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err: Error | null) => void): void;
}

export interface KeyValueStore {
  load(key: string): Promise<unknown>;
  save(key: string, value: unknown): Promise<void>;
}

export function nodeContextStore(node: Node, store: string): KeyValueStore {
  const ctx = node.context() as unknown as ContextLike;
  const name = store === "" ? undefined : store;
  return {
    load: (key) =>
      new Promise((resolve, reject) => {
        try {
          ctx.get(key, name, (err, value) => (err ? reject(err) : resolve(value)));
        } catch (err) {
          reject(err);
        }
      }),
    save: (key, value) =>
      new Promise((resolve, reject) => {
        try {
          ctx.set(key, value, name, (err) => (err ? reject(err) : resolve()));
        } catch (err) {
          reject(err);
        }
      }),
  };
}

interface StoreSettings {
  contextStorage?: Record<string, unknown>;
}

/**
 * Whether a context store keeps values across restarts. No contextStorage at all means the
 * in-memory default; "default" may name another store; an unknown name falls back to default.
 */
export function contextStoreIsPersistent(settings: unknown, store: string): boolean {
  let cs: Record<string, unknown> | undefined;
  try {
    cs = (settings as StoreSettings).contextStorage;
  } catch {
    cs = undefined; // Node-RED's settings object throws for keys that are not set
  }
  if (cs === undefined || cs === null || typeof cs !== "object") return false;
  let name = store === "" ? "default" : store;
  for (let hops = 0; hops < 3; hops++) {
    const entry = cs[name] ?? (name === "default" ? undefined : cs.default);
    if (typeof entry === "string") {
      name = entry;
      continue;
    }
    if (entry === undefined) {
      // no default entry: the first configured store is the default
      const first = Object.values(cs)[0];
      return typeof first === "object" && first !== null && (first as { module?: unknown }).module !== "memory";
    }
    const module = (entry as { module?: unknown }).module;
    return module !== "memory" && module !== undefined;
  }
  return false;
}
