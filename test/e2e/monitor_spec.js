"use strict";
/**
 * Browser end-to-end test of the editor's "VMware events" sidebar tab (issue 12; plugin
 * plugins/monitor.html), on Node-RED 4.1 / Node 20 and Node-RED 5.0 / Node 22 like
 * test/e2e/editor_spec.js (E2E_RUNTIMES or NR_RUNTIMES =4 or =5 picks one). A deployed
 * vcenter-in reads events from the test vCenter: the tab lists every node the stats endpoint
 * reports, its count and sparkline move while events flow, a click reveals the node, it polls
 * only while shown, and the page has no errors. Screenshots: test-artifacts/e2e/node-red-<version>/.
 * Skipped when /usr/bin/chromium (or the test vCenter's Go toolchain) is missing, unless CI is set.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const assert = require("node:assert/strict");

const { repoRoot } = require("../packaging/lib/package-info");
const { runtime, selectedRuntimes } = require("../packaging/lib/runtimes");
const { startNodeRed } = require("../packaging/lib/nodered-process");
const { chromiumAvailable, launch, newPage, takeProblems, CHROMIUM } = require("./lib/browser");
const vcsim = require("../support/vcsim");

const ARTIFACTS = path.join(repoRoot, "test-artifacts", "e2e");
const TAB = "vmware-events";

function assertNoPageProblems(page, what) {
  const bad = takeProblems(page).filter((p) => p.kind !== "console.warning");
  if (bad.length) assert.fail(`${what}: page problems:\n  ${bad.map((p) => `[${p.kind}] ${p.text}`).join("\n  ")}`);
}

describe("editor monitor sidebar end-to-end (playwright-core + Debian chromium)", function () {
  this.timeout(10 * 60 * 1000);

  before(function () {
    if (!chromiumAvailable() || !vcsim.goAvailable()) {
      if (process.env.CI) throw new Error(`${CHROMIUM} or the Go toolchain is missing; required when CI is set`);
      this.skip();
    }
  });

  for (const id of selectedRuntimes(process.env.E2E_RUNTIMES ? "E2E_RUNTIMES" : "NR_RUNTIMES")) {
    describe(`Node-RED ${id === "4" ? "4.1 on Node 20" : "5.0 on Node 22"}`, function () {
      let nr;
      let sim;
      let browser;
      let page;
      let userDir;
      let art;

      before(async function () {
        const rt = await runtime(id);
        console.log(`      [e2e] ${rt.label}, chromium ${CHROMIUM}`);
        sim = await vcsim.startVcsim({ username: "monitor", password: "e2e" });
        userDir = fs.mkdtempSync(path.join(os.tmpdir(), `nr-monitor-${id}-`));
        nr = await startNodeRed({ runtime: rt, userDir, settings: { nodesDir: [repoRoot] } });
        art = path.join(ARTIFACTS, `node-red-${rt.version}`);
        fs.mkdirSync(art, { recursive: true });
        const res = await fetch(`${nr.url}flows`, {
          method: "POST",
          headers: { "content-type": "application/json", "Node-RED-Deployment-Type": "full" },
          body: JSON.stringify([
            { id: "mt", type: "tab", label: "Monitor" },
            { id: "mvc", type: "vsphere-config", address: sim.address, insecureSSL: true, credentials: { username: sim.username, password: sim.password } },
            {
              id: "min", type: "vcenter-in", z: "mt", name: "vCenter events", server: "mvc", eventTypes: [], format: "vsphere", payloadEncoding: "json",
              checkpointStore: "", checkpointPeriod: 1, maxAge: 3600, delivery: "acknowledged", maxInFlight: 100, x: 200, y: 100, wires: [["mfn"]],
            },
            // far from the origin, so revealing it has to scroll the workspace
            { id: "mfn", type: "function", z: "mt", name: "consume", func: "return null;", outputs: 1, x: 2600, y: 1900, wires: [[]] },
          ]),
        });
        assert.ok(res.ok, `deploy: HTTP ${res.status}`);
        browser = await launch();
        page = await newPage(browser);
        page.statsRequests = 0;
        page.on("request", (r) => {
          if (r.url().includes("vmware-events/stats")) page.statsRequests++;
        });
        await page.goto(nr.url, { waitUntil: "domcontentloaded" });
        await page.waitForFunction(() => !!(window.RED && RED.sidebar && RED.nodes && RED.nodes.node("min") && document.querySelector("#red-ui-workspace-chart")), null, { timeout: 60000 });
        await page.waitForTimeout(500);
      });

      after(async function () {
        if (browser) await browser.close().catch(() => {});
        if (nr) {
          if (art) fs.writeFileSync(path.join(art, "node-red-monitor.log"), nr.lines.map((l) => l.line).join("\n"));
          await nr.stop();
        }
        if (sim) await sim.stop();
        if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
      });

      it("lists the deployed nodes; counts and sparkline move while events flow; a click reveals the node; polls only while shown", async function () {
        // the tab exists, labelled in English (no raw i18n keys)
        const tabLabel = await page.evaluate((t) => {
          RED.sidebar.show(t);
          const el = document.querySelector(`#red-ui-sidebar-tabs li#red-ui-tab-${t}, #red-ui-sidebar-tabs [id$="${t}"]`);
          return el ? el.getAttribute("title") || el.textContent : RED.menu && document.querySelector(`#menu-item-view-menu-${t}`)?.textContent;
        }, TAB);
        const row = page.locator('.vmware-events-row[data-node-id="min"]');
        await row.waitFor({ state: "visible", timeout: 30000 });
        const sidebarText = await page.locator(".vmware-events-monitor").innerText();
        assert.doesNotMatch(sidebarText, /monitor\.|vmware-events-monitor:/, "raw i18n keys in the sidebar");
        assert.match(sidebarText, /vCenter events/);
        assert.match(sidebarText, /connected/);
        if (tabLabel) assert.doesNotMatch(String(tabLabel), /monitor\./);

        // every node the stats endpoint reports is listed
        const stats = await (await page.request.get(`${nr.url}vmware-events/stats`)).json();
        for (const nodeId of Object.keys(stats.nodes)) {
          assert.equal(await page.locator(`.vmware-events-row[data-node-id="${nodeId}"]`).count(), 1, `row for ${nodeId}`);
        }

        const events = () => row.locator(".vmware-events-events .vmware-events-cell-value").innerText().then(Number);
        const points = () => row.locator("svg.vmware-events-spark").getAttribute("data-points");
        const before = await events();
        let posted = 0;
        const end = Date.now() + 14000;
        while (Date.now() < end) {
          await sim.postEvents({ count: 10, mode: "mixed" });
          posted += 10;
          await page.waitForTimeout(500);
        }
        await page.waitForFunction(
          ({ n }) => {
            const el = document.querySelector('.vmware-events-row[data-node-id="min"] .vmware-events-events .vmware-events-cell-value');
            return el && Number(el.textContent) >= n;
          },
          { n: before + posted },
          { timeout: 30000 },
        );
        assert.equal(await events(), before + posted, "the sidebar counts every event read");
        const pts = (await points()).split(",").filter(Boolean).map(Number);
        assert.ok(pts.some((p) => p > 0), `sparkline moved: ${pts}`);
        assert.match(await row.locator(".vmware-events-rate").innerText(), /[1-9]/);
        await page.screenshot({ path: path.join(art, "monitor-sidebar.png") });

        // a click reveals the node in the workspace
        await page.evaluate(() => {
          window.__revealed = [];
          const orig = RED.view.reveal;
          RED.view.reveal = function (nodeId) {
            window.__revealed.push(nodeId);
            return orig.apply(this, arguments);
          };
        });
        const fnRow = page.locator('.vmware-events-row[data-node-id="min"]');
        await fnRow.click();
        await page.waitForFunction(() => window.__revealed.includes("min"), null, { timeout: 5000 });
        await page.screenshot({ path: path.join(art, "monitor-revealed.png") });

        // polls while shown, not while another tab is shown
        let n0 = page.statsRequests;
        await page.waitForTimeout(5000);
        assert.ok(page.statsRequests - n0 >= 2, `polled ${page.statsRequests - n0} times in 5 s while shown`);
        await page.evaluate(() => RED.sidebar.show("info"));
        await page.waitForTimeout(2500); // a request under way may finish
        n0 = page.statsRequests;
        await page.waitForTimeout(6000);
        assert.equal(page.statsRequests - n0, 0, "no polling while the tab is hidden");
        await page.evaluate((t) => RED.sidebar.show(t), TAB);
        await page.waitForFunction((n) => true, null);
        await page.waitForTimeout(3000);
        assert.ok(page.statsRequests > n0, "polling starts again when the tab is shown");

        assertNoPageProblems(page, "monitor sidebar");
      });
    });
  }
});
