/** Reporting a node's own problems the same way everywhere. */
import type { Node } from "node-red";

/** A configuration the node cannot run with: red status and a catchable error. */
export function fail(node: Node, text: string): void {
  node.status({ fill: "red", shape: "ring", text });
  node.error(text, {});
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
