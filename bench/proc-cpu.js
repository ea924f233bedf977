'use strict';
/*
 * CPU time from /proc for the benchmarks that report CPU per event: a whole process (all its
 * threads) or one thread of it (the main thread of a Node.js process has the process's id).
 */
const fs = require('node:fs');

/** user + system CPU time (µs) of /proc/<path>/stat; NaN where it cannot be read */
function cpuUs(path) {
  try {
    const stat = fs.readFileSync(`/proc/${path}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100; // clock ticks (USER_HZ 100) -> µs
  } catch {
    return NaN;
  }
}

/** a process's CPU time so far (all threads, µs); 0 where it is missing (the process has exited) */
function processCpuUs(pid) {
  const us = cpuUs(String(pid));
  return Number.isNaN(us) ? 0 : us;
}

/** this process's main (JavaScript) thread's CPU time so far (µs), garbage-collector helpers excluded; NaN off Linux */
function mainThreadCpuUs() {
  return cpuUs(`self/task/${process.pid}`);
}

module.exports = { processCpuUs, mainThreadCpuUs };
