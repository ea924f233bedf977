"use strict";
/**
 * The fast SOAP scanner (lib/vsphere/xml-scan) against saxes, a full XML parser, as the
 * independent second opinion: on thousands of random documents both must build the same tree,
 * and on malformed ones the scanner must refuse.
 */
const should = require("should");
const { execFileSync } = require("node:child_process");
const { scanXml } = require("../../../dist/lib/vsphere/xml-scan");
const { XSI_NS } = require("../../../dist/lib/vsphere/xml");
const { XmlStreamParser } = require("../../support/saxes-tree");

function saxesTree(xml) {
  const p = new XmlStreamParser(0, () => undefined);
  p.write(xml);
  return p.end();
}

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function randomDoc(r) {
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const texts = ["plain", "a & b", "x < y > z", 'quote " and \' apos', "tab\there", "Größe ✓ 日本", "back\\slash", "", "  spaced  ", "line\nbreak"];
  const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;").replace(/'/g, "&#39;").replace(/\t/g, "&#x9;");
  const prefixes = ["xsi", "XMLSchema-instance", "i"];
  function el(depth, declared) {
    const name = pick(["key", "vm", "returnval", "data", "value", "arguments", "ns1:thing"]);
    let attrs = "";
    let decl = declared;
    if (name.startsWith("ns1:") && !declared.includes("ns1")) {
      attrs += ' xmlns:ns1="urn:other"';
      decl = [...decl, "ns1"];
    }
    if (r() < 0.3) {
      const p = pick(prefixes);
      if (!decl.includes(p)) {
        attrs += ` xmlns:${p}="${XSI_NS}"`;
        decl = [...decl, p];
      }
      if (!decl.includes("xsd") && r() < 0.5) {
        attrs += ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"';
        decl = [...decl, "xsd"];
      }
      const tv = decl.includes("xsd") && r() < 0.5 ? pick(["xsd:int", "xsd:string", "xsd:boolean"]) : pick(["VmEvent", "ArrayOfString"]);
      attrs += ` ${p}:type=${r() < 0.5 ? `"${tv}"` : `'${tv}'`}`;
    }
    if (r() < 0.3) attrs += ` type="${esc(pick(["VirtualMachine", "Folder", 'a"b']))}"`;
    const children = depth < 4 ? Math.floor(r() * 4) : 0;
    if (children === 0) {
      if (r() < 0.15) return `<${name}${attrs}/>`;
      const t = pick(texts);
      const body = r() < 0.1 ? `<![CDATA[${t.replace(/]]>/g, "")}]]>` : esc(t);
      return `<${name}${attrs}>${body}${r() < 0.1 ? "<!-- c -->" : ""}</${name}>`;
    }
    let inner = "";
    for (let i = 0; i < children; i++) inner += el(depth + 1, decl) + (r() < 0.1 ? "\n  " : "");
    return `<${name}${attrs}>${inner}</${name} >`.replace(`</${name} >`, r() < 0.5 ? `</${name}>` : `</${name} >`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>${el(0, [])}</soapenv:Body></soapenv:Envelope>`;
}

describe("XML scanner", () => {
  it("builds the same trees as saxes on 3,000 random documents", () => {
    const r = rng(42);
    for (let i = 0; i < 3000; i++) {
      const doc = randomDoc(r);
      const a = JSON.stringify(scanXml(doc));
      const b = JSON.stringify(saxesTree(doc));
      if (a !== b) throw new Error(`document ${i} differs:\n${doc}\nscan:  ${a}\nsaxes: ${b}`);
    }
  });

  it("hands over elements at a depth without keeping them", () => {
    const seen = [];
    const root = scanXml("<r><e>1</e><e>2</e><f/></r>", 2, (n, parent) => seen.push([n.name, n.text, parent.name]));
    seen.should.eql([["e", "1", "r"], ["e", "2", "r"], ["f", "", "r"]]);
    root.children.should.eql([]);
  });

  it("resolves xsi:type by namespace URI, including govmomi's XMLSchema-instance prefix", () => {
    const n = scanXml(`<a xmlns:XMLSchema-instance="${XSI_NS}" XMLSchema-instance:type="VmEvent"><b xmlns:q="${XSI_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" q:type="xsd:int">5</b><c x:type="no" xmlns:x="urn:not-xsi"/></a>`);
    n.type.should.equal("VmEvent");
    n.children[0].should.containEql({ type: "int", typeNs: "http://www.w3.org/2001/XMLSchema" });
    should(n.children[1].type).be.undefined();
  });

  const malformed = {
    "mismatched end tag": "<a><b></a></b>",
    "unclosed element": "<a><b>",
    "text after the end": "<a/>junk",
    "two roots": "<a/><b/>",
    "unknown entity": "<a>&nbsp;</a>",
    "bad character reference": "<a>&#xZZ;</a>",
    "unterminated entity": "<a>a & b</a>",
    "unquoted attribute": "<a b=c/>",
    "attribute without value": "<a b/>",
    "lt in attribute": '<a b="<"/>',
    "unterminated comment": "<a><!-- x</a>",
    "unterminated CDATA": "<a><![CDATA[x</a>",
    "doctype (entity expansion)": '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
    "undeclared attribute prefix": '<a p:type="x"/>',
    "empty document": "",
    "unterminated start tag": "<a b='1'",
  };
  for (const [what, doc] of Object.entries(malformed)) {
    it(`refuses ${what}`, () => {
      (() => scanXml(doc)).should.throw(/at offset \d+/);
    });
  }
});

describe("XML scanner, fed in chunks", () => {
  const { XmlScanner } = require("../../../dist/lib/vsphere/xml-scan");
  it("builds the same tree whatever the chunk boundaries (every split of 300 random documents)", () => {
    const r = rng(7);
    for (let d = 0; d < 300; d++) {
      const doc = randomDoc(r);
      const whole = JSON.stringify(scanXml(doc));
      const step = 1 + Math.floor(r() * 40);
      for (let size = step; size < doc.length; size += 37) {
        const s = new XmlScanner();
        for (let i = 0; i < doc.length; i += size) s.write(doc.slice(i, i + size));
        const got = JSON.stringify(s.end());
        if (got !== whole) throw new Error(`chunk size ${size} differs on:\n${doc}`);
      }
      // one character at a time
      const s = new XmlScanner();
      for (const ch of doc) s.write(ch);
      JSON.stringify(s.end()).should.equal(whole);
    }
  });
  it("refuses a document cut short", () => {
    const s = new XmlScanner();
    s.write("<a><b>te");
    (() => s.end()).should.throw(/unclosed element <b>|at offset/);
    const t = new XmlScanner();
    t.write("<a attr='x");
    (() => t.end()).should.throw(/unterminated/);
  });
});

describe("XML scanner, linear in the input (issue 11: a huge token cost quadratic time)", () => {
  const { XmlScanner, MAX_XML_DEPTH } = require("../../../dist/lib/vsphere/xml-scan");
  const CHUNK = 64 * 1024;

  /**
   * CPU ms to scan a document whose one token is `mb` MB long, fed in 64 KB network chunks, best
   * of three, measured in a fresh Node.js process: CPU time, not wall time, so other work on the
   * machine does not count, and a clean heap, so the hundreds of MB that earlier specs of this
   * mocha process leave behind do not enter the major GCs that 16 MB strings bring (in CI that
   * made 16 MB cost 11× 4 MB while the scanner itself stayed linear)
   */
  function timeInChild(kind, sizes) {
    const script = `
      const { XmlScanner } = require(${JSON.stringify(require.resolve("../../../dist/lib/vsphere/xml-scan"))});
      const kind = ${JSON.stringify(kind)};
      function timeOne(mb) {
        // "attribute with >": a terminator character in every chunk must not bring back the rescans
        const big = kind === "attribute with >" ? "x>".repeat(mb * 512 * 1024) : "x".repeat(mb * 1024 * 1024);
        const doc =
          kind === "text" ? "<a><b>" + big + "</b></a>"
            : kind.startsWith("attribute") ? '<a><b v="' + big + '"/></a>'
              : kind === "comment" ? "<a><!--" + big + "--><b/></a>"
                : "<a><b><![CDATA[" + big + "]]></b></a>";
        const started = process.cpuUsage();
        const s = new XmlScanner();
        for (let i = 0; i < doc.length; i += ${CHUNK}) s.write(doc.slice(i, i + ${CHUNK}));
        const root = s.end();
        const used = process.cpuUsage(started);
        if (root.name !== "a") throw new Error("root " + root.name);
        const got = kind === "text" || kind === "cdata" ? root.children[0].text.length
          : kind.startsWith("attribute") ? root.children[0].attrs.v.length : big.length;
        if (got !== big.length) throw new Error("token of " + got + " characters, expected " + big.length);
        return (used.user + used.system) / 1000;
      }
      timeOne(1); // warm up
      const out = {};
      for (const mb of ${JSON.stringify(sizes)}) out[mb] = Math.min(timeOne(mb), timeOne(mb), timeOne(mb));
      process.stdout.write(JSON.stringify(out));`;
    return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60000 }));
  }

  for (const kind of ["text", "attribute", "attribute with >", "comment", "cdata"]) {
    it(`scans a 16 MB ${kind} token in 64 KB chunks in well under a second, and 16× the input costs < 48× the time`, function () {
      this.timeout(90000);
      const { 1: t1, 16: t16 } = timeInChild(kind, [1, 16]);
      t16.should.be.below(1000, `16 MB ${kind} took ${t16.toFixed(0)} ms`);
      // linear work makes this ratio about 16, quadratic work about 256; the margin of 3× is for
      // the garbage collector, whose cost for strings of many MB grows faster than their size (in
      // CI a 4× step once cost 6.05× with a linear scanner)
      (t16 / Math.max(t1, 1)).should.be.below(48, `1 MB: ${t1.toFixed(1)} ms, 16 MB: ${t16.toFixed(1)} ms`);
    });
  }

  it("delivers elements completed by a chunk before the document ends (streaming still works)", () => {
    const seen = [];
    const s = new XmlScanner(2, (n) => seen.push(n.name));
    s.write(`<a><b>${"y".repeat(200000)}</b>`);
    s.write("<c>1</c>");
    s.write("<d>2</d>");
    seen.should.containEql("b");
    s.write("</a>");
    s.end();
    seen.should.eql(["b", "c", "d"]);
  });

  it(`refuses elements nested deeper than ${MAX_XML_DEPTH} levels, and accepts that depth`, () => {
    const ok = "<a>".repeat(MAX_XML_DEPTH) + "</a>".repeat(MAX_XML_DEPTH);
    scanXml(ok).name.should.equal("a");
    const deep = "<a>".repeat(100000) + "</a>".repeat(100000);
    (() => scanXml(deep)).should.throw(new RegExp(`nested deeper than ${MAX_XML_DEPTH} levels`));
    (() => scanXml(ok, 0, undefined, 100)).should.throw(/nested deeper than 100 levels/);
  });
});
