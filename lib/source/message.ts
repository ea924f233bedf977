/**
 * The message of one event, `{ topic, payload }`, as every source node sends it. Filled from an
 * empty object, not written as a literal with properties: it lives as long as the event is in
 * flight, and V8 may allocate a literal site's objects straight into the old generation, where
 * they keep their payload alive through scavenges (decision 0018).
 */
export function eventMessage<P>(topic: string, payload: P): { topic: string; payload: P } {
  const msg = {} as { topic: string; payload: P };
  msg.topic = topic;
  msg.payload = payload;
  return msg;
}
