/**
 * Keeps the context calls of one scope in call order. Single-command operations are ordered by
 * the connection itself (Redis answers one connection's commands in order), so they go out at
 * once; a read-modify-write (a nested set: read, change, compare-and-set) holds back later calls
 * of its scope until it is done, so `flow.set("a.b", 1); flow.set("a", 2); flow.get("a", cb)`
 * behaves as written.
 */
export class ScopeOrder {
  private readonly barriers = new Map<string, Promise<void>>();

  /**
   * Runs `start` after the scope's pending read-modify-writes. `start` must send its first
   * command synchronously. `holds` marks a read-modify-write.
   */
  run<T>(scope: string, start: () => Promise<T>, holds: boolean): Promise<T> {
    const prev = this.barriers.get(scope);
    const safe = (): Promise<T> => {
      try {
        return start();
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const result = prev === undefined ? safe() : prev.then(safe);
    if (holds) {
      const barrier = result.then(
        () => undefined,
        () => undefined,
      );
      this.barriers.set(scope, barrier);
      void barrier.then(() => {
        if (this.barriers.get(scope) === barrier) this.barriers.delete(scope);
      });
    }
    return result;
  }

  /** Resolves when every call made so far has finished or failed. */
  settled(): Promise<void> {
    return Promise.all([...this.barriers.values()]).then(() => undefined);
  }
}
