/** What the three sink nodes share on the Node-RED side. */

export type DoneFn = (err?: Error) => void;

/** Is output `index` wired to anything? (Output 2 unwired: failures become done(err).) */
export function outputWired(wires: unknown, index: number): boolean {
  if (!Array.isArray(wires)) return false;
  const w: unknown = wires[index];
  return Array.isArray(w) && w.length > 0;
}

/** done, at most once: the acknowledgement of an event must not be counted twice. */
export function once(done: DoneFn): DoneFn {
  let called = false;
  return (err?: Error) => {
    if (called) return;
    called = true;
    if (err === undefined) done();
    else done(err);
  };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Finish an input message once its work settles: `complete` gets the result; a throw in it or a
 * rejection of the work becomes done(err), so the message is never left uncompleted.
 */
export function completeWhen<R>(work: Promise<R>, complete: (result: R) => void, finish: DoneFn): void {
  work.then(
    (result) => {
      try {
        complete(result);
      } catch (err) {
        finish(asError(err));
      }
    },
    (err: unknown) => finish(asError(err)),
  );
}
