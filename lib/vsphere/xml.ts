/**
 * A small, namespace-aware XML tree for SOAP responses.
 *
 * vCenter writes the polymorphic type as `xsi:type`, govmomi's simulator as
 * `XMLSchema-instance:type`: both are resolved here by namespace URI, so the rest of the
 * code only sees `node.type`. Element names are local names (prefixes dropped).
 */
import { SaxesParser, type SaxesTagNS } from "saxes";
// xml-scan uses this module's constants only when called, so the import cycle is harmless
import { scanXml } from "./xml-scan";

export const XSI_NS = "http://www.w3.org/2001/XMLSchema-instance";
export const XSD_NS = "http://www.w3.org/2001/XMLSchema";

export interface XmlNode {
  /** local element name */
  name: string;
  /** local name of the xsi:type value, when the element carries one */
  type?: string;
  /** namespace URI of the xsi:type value (XSD_NS for xsd:int, xsd:string, ...) */
  typeNs?: string;
  /** other attributes by local name (e.g. the `type` of a ManagedObjectReference) */
  attrs?: Record<string, string>;
  children: XmlNode[];
  /** concatenated character data directly inside this element */
  text: string;
}

/** Find the first child element with this local name. */
export function child(node: XmlNode, name: string): XmlNode | undefined {
  for (const c of node.children) if (c.name === name) return c;
  return undefined;
}

/** All child elements with this local name. */
export function childrenNamed(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((c) => c.name === name);
}

/** Text of the first child with this name, or undefined. */
export function childText(node: XmlNode, name: string): string | undefined {
  const c = child(node, name);
  return c === undefined ? undefined : c.text;
}

/**
 * Streaming tree builder over saxes. Every element that closes at `emitDepth` (1 = the
 * document element) is handed to `onElement` and not kept, so a page of 1,000 events never
 * exists as one tree. Elements above that depth are kept (for the SOAP envelope checks).
 */
export class XmlStreamParser {
  private readonly parser: SaxesParser<{ xmlns: true; position: false }>;
  private readonly stack: XmlNode[] = [];
  private root: XmlNode | undefined;
  private error: Error | undefined;

  constructor(
    private readonly emitDepth: number,
    private readonly onElement: (node: XmlNode, parent: XmlNode | undefined) => void,
  ) {
    this.parser = new SaxesParser({ xmlns: true, position: false });
    this.parser.on("opentag", (tag) => this.open(tag));
    this.parser.on("text", (t) => this.text(t));
    this.parser.on("cdata", (t) => this.text(t));
    this.parser.on("closetag", () => this.close());
    this.parser.on("error", (e) => {
      if (this.error === undefined) this.error = e;
    });
  }

  private open(tag: SaxesTagNS): void {
    const node: XmlNode = { name: tag.local, children: [], text: "" };
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

  private text(t: string): void {
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined) top.text += t;
  }

  private close(): void {
    const node = this.stack.pop();
    if (node === undefined) return;
    const depth = this.stack.length + 1;
    const parent = this.stack[this.stack.length - 1];
    if (depth === this.emitDepth) {
      this.onElement(node, parent);
    } else if (parent !== undefined) {
      parent.children.push(node);
    } else {
      this.root = node;
    }
  }

  write(chunk: string): void {
    if (this.error !== undefined) throw this.error;
    this.parser.write(chunk);
    if (this.error !== undefined) throw this.error;
  }

  /** Finish the document; returns the root with everything not emitted. */
  end(): XmlNode {
    if (this.error === undefined) this.parser.close();
    if (this.error !== undefined) throw this.error;
    if (this.root === undefined) throw new Error("XML document has no root element");
    return this.root;
  }
}

/** Parse a whole XML document into a tree (with the fast scanner of xml-scan.ts). */
export function parseXml(xml: string): XmlNode {
  return scanXml(xml);
}
