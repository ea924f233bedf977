/**
 * Message shaping for every sink node, free of Node-RED: which output a target's result goes
 * to with which fields, and how the input message is finished once every target has ended.
 *
 * - delivered: output 1, with `msg.statusCode` and `msg.response` (and `msg.function` for a
 *   named target);
 * - dead letter: output 2 with `msg.error` when output 2 is wired; otherwise it is kept and the
 *   input message ends with an error (a Catch node gets it);
 * - filtered and closed: no output.
 */
import { combineDeadLetters, type CombinedDeadLetter, deadLetter, type DeadLetter } from "./dead-letter";
import { deliveredFields } from "./delivered-fields";
import type { DeliverySummary, TargetResult } from "./result";

export type ResultOutput =
  | { output: 1; fields: Record<string, unknown> }
  | { output: 2; fields: Record<string, unknown>; deadLetter: DeadLetter }
  | undefined;

/** Where one target's result goes, and the fields its message gets. */
export function resultOutput(r: TargetResult): ResultOutput {
  const result = r.result;
  const target = r.target !== undefined ? { function: r.target } : {};
  if (result.outcome === "delivered") return { output: 1, fields: { ...target, ...deliveredFields(result) } };
  if (result.outcome === "dead-letter") {
    const dl = deadLetter(result, r.target);
    return { output: 2, fields: { ...target, error: dl }, deadLetter: dl };
  }
  return undefined;
}

export type Completion =
  /** close ended a delivery: the message is not finished (the runtime drops it) */
  | { kind: "closed" }
  /** finished: delivered, filtered, or no target (OpenFaaS: no subscribed function) */
  | { kind: "done" }
  /** dead letters that went nowhere (output 2 unwired): `msg.error` and the error text */
  | { kind: "failed"; error: CombinedDeadLetter; text: string };

/** How the input message ends, given the dead letters not sent on output 2. */
export function completion(summary: DeliverySummary, unsent: readonly DeadLetter[]): Completion {
  if (summary.closed) return { kind: "closed" };
  if (unsent.length > 0) return { kind: "failed", ...combineDeadLetters(unsent) };
  return { kind: "done" };
}
