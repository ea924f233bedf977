/** A close handler that always calls done, within a deadline, whatever the work does. */
import type { Node } from "node-red";

export function guardedClose(node: Node, deadlineMs: number, work: (removed: boolean) => Promise<void>): void {
  // two named parameters: Node-RED reads the handler's arity to pass (removed, done)
  node.on("close", (removed: boolean, done: () => void) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      done();
    };
    const timer = setTimeout(finish, deadlineMs);
    let p: Promise<void>;
    try {
      p = work(removed);
    } catch (err) {
      node.warn(`close: ${err instanceof Error ? err.message : String(err)}`);
      return finish();
    }
    p.then(finish, (err: unknown) => {
      node.warn(`close: ${err instanceof Error ? err.message : String(err)}`);
      finish();
    });
  });
}
