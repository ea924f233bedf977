"use strict";
/** Import > Examples: every file is a valid export, and every node type of the package is shown. */
const fs = require("fs");
const path = require("path");
require("should");

const dir = path.join(__dirname, "..", "..", "examples");
const pkg = require("../../package.json");
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json"));

describe("examples", () => {
  for (const f of files) {
    it(`${f} is an export array with consistent wires, config references and no credentials`, () => {
      const flow = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
      flow.should.be.an.Array();
      const ids = new Set(flow.map((n) => n.id));
      ids.size.should.equal(flow.length, "ids are unique");
      const tabs = new Set(flow.filter((n) => n.type === "tab").map((n) => n.id));
      for (const n of flow) {
        n.should.have.properties("id", "type");
        (n.credentials === undefined).should.be.true(`${n.id} carries credentials`);
        if (n.z !== undefined) tabs.has(n.z).should.be.true(`${n.id} is on a tab of the file`);
        for (const w of (n.wires ?? []).flat()) ids.has(w).should.be.true(`${n.id} is wired to missing ${w}`);
        for (const ref of ["server"]) if (n[ref] !== undefined && n[ref] !== "") ids.has(n[ref]).should.be.true(`${n.id}.${ref}`);
      }
    });
  }

  it("show every node type of the package (config nodes included)", () => {
    const used = new Set();
    for (const f of files) for (const n of JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"))) used.add(n.type);
    const missing = Object.keys(pkg["node-red"].nodes).filter((t) => !used.has(t));
    missing.should.eql([], `types without an example: ${missing.join(", ")}`);
  });
});
