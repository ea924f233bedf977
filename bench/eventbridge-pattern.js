#!/usr/bin/env node
"use strict";
/**
 * EventBridge pattern matcher throughput: a realistic 20-condition rule (two $or groups, 9
 * combinations; prefix, suffix, numeric, anything-but, equals-ignore-case, exists) against
 * the envelopes eventbridge-out builds from vSphere CloudEvents, a mix of matching and
 * non-matching events. Runs against dist/ (build first: npx tsc -p .).
 *
 *   node bench/eventbridge-pattern.js [--seconds 3] [--events 10000]
 *
 * Prints one JSON object; `matchesPerSecond` is the figure to compare with the 200,000/s target.
 */
const path = require("node:path");
const { compilePattern } = require(path.join(__dirname, "..", "dist", "lib", "pattern", "index.js"));

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SECONDS = arg("seconds", 3);
const EVENTS = arg("events", 10000);

// 20 leaf conditions; detail.$or × detail.data.$or = 3 × 3 = 9 combinations
const RULE = {
  source: [{ prefix: "https://vc" }],
  "detail-type": [{ "anything-but": [
    "com.vmware.vsphere.UserLoginSessionEvent.v0",
    "com.vmware.vsphere.UserLogoutSessionEvent.v0",
    "com.vmware.vsphere.AlarmStatusChangedEvent.v0",
  ] }],
  account: ["123456789012"],
  region: ["us-east-1", "eu-west-1"],
  detail: {
    specversion: ["1.0"],
    datacontenttype: ["application/json"],
    time: [{ prefix: "20" }],
    vsphereapiversion: [{ prefix: "8." }, { prefix: "7." }],
    $or: [
      { type: [{ prefix: "com.vmware.vsphere.Vm" }], data: { Vm: { Name: [{ "anything-but": { prefix: "vCLS" } }] } } },
      { type: [{ suffix: "HostConnectionLostEvent.v0" }, { suffix: "HostShutdownEvent.v0" }] },
      { eventclass: ["eventex"], data: { Severity: ["warning", "error"] } },
    ],
    data: {
      Key: [{ numeric: [">", 0] }],
      ChainId: [{ numeric: [">=", 1, "<", 2147483648] }],
      CreatedTime: [{ exists: true }],
      Datacenter: { Name: [{ prefix: "DC" }] },
      $or: [
        { UserName: [{ prefix: "VSPHERE.LOCAL\\" }] },
        { UserName: [{ "equals-ignore-case": "administrator@vsphere.local" }] },
        { Host: { Name: [{ suffix: ".lab.local" }] } },
      ],
    },
  },
};

// deterministic pseudo-random numbers
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (a) => a[Math.floor(rnd() * a.length)];

const TYPES = [
  "VmPoweredOnEvent", "VmPoweredOffEvent", "VmReconfiguredEvent", "VmCreatedEvent", "VmMigratedEvent",
  "VmPoweredOnEvent", "VmPoweredOffEvent", "DrsVmPoweredOnEvent", "UserLoginSessionEvent", "UserLogoutSessionEvent",
  "AlarmStatusChangedEvent", "HostConnectionLostEvent", "TaskEvent", "com.vmware.vc.sdrs.DatastoreExitedMaintenanceModeEvent",
];
const USERS = ["VSPHERE.LOCAL\\Administrator", "VSPHERE.LOCAL\\ops", "administrator@vsphere.local", "Administrator@VSPHERE.LOCAL", "root", "vpxd-extension-5c1d"];
const VMS = ["VM0", "VM1", "web-01", "db-02", "app-03", "vCLS-4a1b"];
const DCS = ["DC0", "DC1", "DC2", "Lab"];
const HOSTS = ["esx-01.lab.local", "esx-02.lab.local", "esx-03.prod.example.com"];

function vcenterEvent(i, type) {
  const key = 1000 + i;
  const dc = pick(DCS);
  const host = pick(HOSTS);
  const vm = pick(VMS);
  const user = pick(USERS);
  const data = {
    Key: key,
    ChainId: key - (rnd() < 0.2 ? 3 : 0),
    CreatedTime: `2024-05-0${1 + (i % 9)}T10:${String(i % 60).padStart(2, "0")}:00.123456Z`,
    UserName: user,
    Datacenter: { Name: dc, Datacenter: { Type: "Datacenter", Value: "datacenter-2" } },
    ComputeResource: { Name: "Cluster0", ComputeResource: { Type: "ClusterComputeResource", Value: "domain-c7" } },
    Host: { Name: host, Host: { Type: "HostSystem", Value: `host-${10 + (i % 5)}` } },
    Vm: type.startsWith("Vm") || type.startsWith("Drs") ? { Name: vm, Vm: { Type: "VirtualMachine", Value: `vm-${50 + (i % 40)}` } } : null,
    Ds: null,
    Net: null,
    Dvs: null,
    FullFormattedMessage: `${vm} on ${host} in ${dc} is ${type}`,
    ChangeTag: "",
  };
  if (type.includes(".")) {
    data.EventTypeId = type;
    data.Severity = pick(["info", "warning", "error"]);
    data.Arguments = [{ Key: "dsName", Value: "datastore1" }];
  }
  return data;
}

function envelope(i) {
  const cls = pick(TYPES);
  const eventclass = cls.includes(".") ? "eventex" : "event";
  const type = `com.vmware.vsphere.${cls}.v0`;
  const source = rnd() < 0.95 ? "https://vcenter.lab.local/sdk" : "https://10.0.0.5/sdk";
  const time = `2024-05-01T10:${String(i % 60).padStart(2, "0")}:00Z`;
  const ce = {
    specversion: "1.0",
    id: String(1000 + i),
    source,
    type,
    time,
    datacontenttype: "application/json",
    data: vcenterEvent(i, cls),
    eventclass,
    vsphereapiversion: pick(["8.0.2.0", "8.0.3.0", "7.0.3.0", "6.7.3"]),
  };
  return {
    version: "0",
    id: `6a7e8feb-b491-4cf7-a9f1-${String(i).padStart(12, "0")}`,
    "detail-type": type,
    source,
    account: "123456789012",
    time,
    region: rnd() < 0.95 ? "us-east-1" : "ap-south-1",
    resources: [],
    detail: ce,
  };
}

const compiled = compilePattern(JSON.stringify(RULE));
const events = Array.from({ length: EVENTS }, (_, i) => envelope(i));
let matching = 0;
for (const e of events) if (compiled.matches(e)) matching++;

// warm-up, then measure whole passes over the event set
function measure(p) {
  for (let w = 0; w < 3; w++) for (const e of events) p.matches(e);
  let n = 0;
  let hits = 0;
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(Math.round(SECONDS * 1e9));
  let now = t0;
  while (now < deadline) {
    for (let i = 0; i < events.length; i++) if (p.matches(events[i])) hits++;
    n += events.length;
    now = process.hrtime.bigint();
  }
  return { n, hits, secs: Number(now - t0) / 1e9 };
}
const { n, hits, secs } = measure(compiled);
// the same rule always evaluated through its expanded $or sub-rules: the path taken when an
// event has arrays where the pattern has objects (array consistency), i.e. the worst case
const expanded = measure(compilePattern(JSON.stringify(RULE), { evaluation: "expanded" }));

const tc0 = process.hrtime.bigint();
const COMPILES = 200;
for (let i = 0; i < COMPILES; i++) compilePattern(JSON.stringify(RULE));
const compileMs = Number(process.hrtime.bigint() - tc0) / 1e6 / COMPILES;

console.log(JSON.stringify({
  benchmark: "eventbridge-pattern",
  node: process.version,
  conditions: 20,
  combinations: compiled.combinations,
  events: events.length,
  matchingFraction: Number((matching / events.length).toFixed(3)),
  matches: n,
  seconds: Number(secs.toFixed(3)),
  matchesPerSecond: Math.round(n / secs),
  nsPerMatch: Number(((secs * 1e9) / n).toFixed(1)),
  expandedMatchesPerSecond: Math.round(expanded.n / expanded.secs),
  compileMsPerPattern: Number(compileMs.toFixed(3)),
  target: 200000,
  ok: n / secs >= 200000,
  consistent: hits === (matching * n) / events.length && expanded.hits === (matching * expanded.n) / events.length,
}, null, 2));
