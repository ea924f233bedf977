'use strict';
/*
 * The raw reference for delivery benchmarks: vSphere-like CloudEvents and a minimal
 * `undici.request` loop posting them in binary mode with hand-built headers. Used by
 * bench/delivery-knative.js and, as a child process, by bench/e2e-knative.js (the ordered
 * round-trip ceiling of the peer): `node bench/raw-post.js <url> <events> [concurrency]` prints
 * {rate, cpuUsPerEvent} as JSON.
 */
const undici = require('undici');

/** A vSphere CloudEvent as vcenter-in makes it (~1 KB of data), of class `cls` ("... is <doing>"). */
function vsphereEvent(key, cls = 'VmPoweredOnEvent', doing = 'powered on') {
  return {
    specversion: '1.0',
    id: String(key),
    source: 'https://vcenter.example.com/sdk',
    type: `com.vmware.vsphere.${cls}.v0`,
    time: '2026-11-24T10:00:00.123456Z',
    datacontenttype: 'application/json',
    eventclass: 'event',
    vsphereapiversion: '8.0.3.0',
    data: {
      Key: key, ChainId: key, CreatedTime: '2026-11-24T10:00:00.123456Z', UserName: 'VSPHERE.LOCAL\\Administrator',
      Datacenter: { Name: 'DC0', Datacenter: { Type: 'Datacenter', Value: 'datacenter-2' } },
      ComputeResource: { Name: 'DC0_C0', ComputeResource: { Type: 'ClusterComputeResource', Value: 'domain-c7' } },
      Host: { Name: 'DC0_C0_H0', Host: { Type: 'HostSystem', Value: 'host-21' } },
      Vm: { Name: 'DC0_C0_RP0_VM' + (key % 100), Vm: { Type: 'VirtualMachine', Value: 'vm-' + (key % 100) } },
      Ds: null, Net: null, Dvs: null,
      FullFormattedMessage: 'DC0_C0_RP0_VM' + (key % 100) + ' on DC0_C0_H0 in DC0 is ' + doing,
      ChangeTag: '', Template: false,
    },
  };
}

function makeEvents(n, offset) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(vsphereEvent(offset + i));
  return out;
}

async function runRaw(url, events, concurrency) {
  const dispatcher = new undici.Agent({ connections: Math.max(1, concurrency) });
  const t0 = performance.now();
  let next = 0;
  let ok = 0;
  async function worker() {
    while (next < events.length) {
      const ev = events[next++];
      const res = await undici.request(url, {
        method: 'POST',
        dispatcher,
        headers: {
          'ce-specversion': '1.0', 'ce-id': ev.id, 'ce-source': ev.source, 'ce-type': ev.type, 'ce-time': ev.time,
          'ce-eventclass': ev.eventclass, 'ce-vsphereapiversion': ev.vsphereapiversion, 'content-type': ev.datacontenttype,
        },
        body: JSON.stringify(ev.data),
      });
      await res.body.dump();
      if (res.statusCode === 202) ok++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const secs = (performance.now() - t0) / 1000;
  await dispatcher.close();
  if (ok !== events.length) throw new Error(`raw: ${events.length - ok} not delivered`);
  return events.length / secs;
}

if (require.main === module) {
  const [url, count, concurrency = '1'] = process.argv.slice(2);
  const events = makeEvents(Number(count), 1);
  const cpu0 = process.cpuUsage();
  runRaw(url, events, Number(concurrency))
    .then((rate) => {
      // CPU time (user + system) per event of this process while posting: what the loop costs
      const c = process.cpuUsage(cpu0);
      process.stdout.write(`${JSON.stringify({ rate, cpuUsPerEvent: (c.user + c.system) / events.length })}\n`);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}

module.exports = { vsphereEvent, makeEvents, runRaw };
