/**
 * A small, namespace-aware XML tree for SOAP responses (built by the scanner in xml-scan.ts).
 *
 * vCenter writes the polymorphic type as `xsi:type`, govmomi's simulator as
 * `XMLSchema-instance:type`: both are resolved here by namespace URI, so the rest of the
 * code only sees `node.type`. Element names are local names (prefixes dropped).
 */
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

/** Parse a whole XML document into a tree (with the fast scanner of xml-scan.ts). */
export function parseXml(xml: string): XmlNode {
  return scanXml(xml);
}
