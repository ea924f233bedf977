"use strict";
/**
 * Test peers that run as child processes (the test vCenter, Node-RED processes) register here.
 * A peer that exits without being asked to is recorded as dead with its exit code/signal and
 * the last lines it wrote to stderr; every wait of test/support/nodered.js and every call to
 * that peer then fails with that text instead of timing out or reporting ECONNREFUSED.
 */

const live = new Set();

/** The last `n` non-empty lines of a text, plus the first panic/fatal headline if it was cut off. */
function lastLines(text, n = 15) {
  const lines = String(text).split("\n").filter((l) => l.trim() !== "");
  const tail = lines.slice(-n);
  const headline = lines.find((l) => /^(panic:|fatal error:|WARNING: DATA RACE|vcsim:)/.test(l));
  if (headline && !tail.includes(headline)) tail.unshift(headline, "...");
  return tail.join("\n");
}

/**
 * Registers a peer named `name` (e.g. "test vCenter (vcsim pid 123)"). Returns a handle:
 * died(code, signal, stderr) records an unrequested exit and returns the Error; stopping()
 * marks the next exit as requested; forget() drops the peer (after a requested stop);
 * error() is the recorded death, or undefined.
 */
function register(name) {
  const peer = { name, death: undefined, stopping: false };
  live.add(peer);
  return {
    died(code, signal, stderr) {
      if (peer.stopping) return undefined;
      const how = signal ? `killed by signal ${signal}` : `exit code ${code}`;
      const tail = lastLines(stderr);
      peer.death = new Error(`${name} died during the test: ${how}${tail ? `; last stderr lines:\n${tail}` : " (no stderr output)"}`);
      return peer.death;
    },
    stopping() {
      peer.stopping = true;
    },
    forget() {
      live.delete(peer);
    },
    error() {
      return peer.death;
    },
  };
}

/** The death of the first registered peer that died unasked, or undefined. */
function deadPeerError() {
  for (const peer of live) if (peer.death) return peer.death;
  return undefined;
}

module.exports = { register, deadPeerError, lastLines };
