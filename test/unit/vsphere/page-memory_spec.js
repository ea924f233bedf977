"use strict";
/**
 * Memory of the event-page path (issue 16, drain memory): page bytes read ahead live in reused
 * slabs (lib/vsphere/page-slabs.ts) instead of the network's buffers, and what a reader keeps of
 * an event after the page is gone does not hold on to the page's text.
 */
require("should");

describe("detached strings: what outlives an event page does not keep its text", function () {
  this.timeout(20000);
  const { execFileSync } = require("node:child_process");
  const path = require("node:path");
  const dist = path.join(__dirname, "../../../dist");

  /**
   * Heap bytes still used once `cut` has taken two pieces from each of five distinct 8 MB texts
   * and the texts are dropped (V8 may hold on to the last big string it built for its own
   * reasons: hence five, and thresholds far from 40 MB).
   */
  function retained(cut) {
    const script = `
      const { detach } = require(${JSON.stringify(path.join(dist, "lib/common/detach"))});
      const { toVimEvent } = require(${JSON.stringify(path.join(dist, "lib/vsphere/event"))});
      const { scanXml } = require(${JSON.stringify(path.join(dist, "lib/vsphere/xml-scan"))});
      const cut = ${cut};
      gc(); gc();
      const before = process.memoryUsage().heapUsed;
      const kept = [];
      for (let j = 0; j < 5; j++) {
        const big = ["<r>", String(j).repeat(8 << 20), "<createdTime>2024-05-01T10:00:00.12345" + j + "Z</createdTime></r>"].join("");
        for (let i = 0; i < 2; i++) kept.push(cut(big, i));
      }
      gc(); gc();
      process.stdout.write(String(process.memoryUsage().heapUsed - before) + " " + kept.join("").length);
    `;
    const out = execFileSync(process.execPath, ["--expose-gc", "-e", script], { encoding: "utf8" });
    const [bytes, len] = out.split(" ").map(Number);
    len.should.be.above(0);
    return bytes;
  }

  it("a plain slice keeps its 8 MB parent (the V8 behaviour this guards against)", () => {
    retained("(s, i) => s.slice(100 + i, 130 + i)").should.be.above(35 << 20);
  });

  it("detach keeps only its own characters", () => {
    retained("(s, i) => detach(s.slice(100 + i, 130 + i))").should.be.below(12 << 20);
  });

  it("an event's createdTime and class, as positions and windows keep them, keep nothing of the page", () => {
    const cut = `(s) => {
      const root = scanXml('<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="VmPoweredOnEventWithALongName"><key>1</key>' + s.slice(3));
      const ev = toVimEvent(root);
      return ev.createdTime + ev.className;
    }`;
    retained(cut).should.be.below(12 << 20);
  });
});
