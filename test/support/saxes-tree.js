"use strict";
/**
 * The saxes-based tree builder the package used before its own scanner (docs/decisions/0006):
 * kept for tests as the independent second opinion on lib/vsphere/xml-scan.
 */
const { SaxesParser } = require("saxes");
const { XSI_NS } = require("../../dist/lib/vsphere/xml");

class XmlStreamParser {
  constructor(emitDepth, onElement) {
    this.emitDepth = emitDepth;
    this.onElement = onElement;
    this.stack = [];
    this.root = undefined;
    this.error = undefined;
    this.parser = new SaxesParser({ xmlns: true, position: false });
    this.parser.on("opentag", (tag) => this.open(tag));
    this.parser.on("text", (t) => this.text(t));
    this.parser.on("cdata", (t) => this.text(t));
    this.parser.on("closetag", () => this.close());
    this.parser.on("error", (e) => {
      if (this.error === undefined) this.error = e;
    });
  }

  open(tag) {
    const node = { name: tag.local, children: [], text: "" };
    for (const key in tag.attributes) {
      const a = tag.attributes[key];
      if (a.uri === XSI_NS) {
        if (a.local === "type") {
          const v = a.value;
          const colon = v.indexOf(":");
          if (colon >= 0) {
            node.type = v.slice(colon + 1);
            const ns = this.parser.resolve(v.slice(0, colon));
            if (ns !== undefined) node.typeNs = ns;
          } else {
            node.type = v;
          }
        }
      } else if (a.prefix !== "xmlns" && a.local !== "xmlns" && a.uri === "") {
        (node.attrs ??= {})[a.local] = a.value;
      }
    }
    this.stack.push(node);
  }

  text(t) {
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined) top.text += t;
  }

  close() {
    const node = this.stack.pop();
    if (node === undefined) return;
    const depth = this.stack.length + 1;
    const parent = this.stack[this.stack.length - 1];
    if (depth === this.emitDepth) this.onElement(node, parent);
    else if (parent !== undefined) parent.children.push(node);
    else this.root = node;
  }

  write(chunk) {
    if (this.error !== undefined) throw this.error;
    this.parser.write(chunk);
    if (this.error !== undefined) throw this.error;
  }

  end() {
    if (this.error === undefined) this.parser.close();
    if (this.error !== undefined) throw this.error;
    if (this.root === undefined) throw new Error("XML document has no root element");
    return this.root;
  }
}

module.exports = { XmlStreamParser };
