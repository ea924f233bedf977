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
