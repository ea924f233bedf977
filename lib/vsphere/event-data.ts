/**
 * PROVISIONAL payload conversion (replaced by the catalog-driven converter of issue 3).
 * Every vCenter event's `data` goes through these two functions and nothing else.
 */
import type { XmlNode } from "./xml";

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function value(node: XmlNode): unknown {
  if (node.attrs?.type !== undefined && node.children.length === 0) return { Type: node.attrs.type, Value: node.text };
  if (node.children.length === 0) return node.text;
  const out: Record<string, unknown> = {};
  for (const c of node.children) {
    const k = pascal(c.name);
    const v = value(c);
    if (k in out) {
      const prev = out[k];
      out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
    } else out[k] = v;
  }
  return out;
}

export function eventToJson(event: XmlNode): Record<string, unknown> {
  const v = value(event);
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function xml(node: XmlNode, name: string): string {
  const attr = node.attrs?.type !== undefined ? ` type="${esc(node.attrs.type)}"` : "";
  const inner = node.children.length > 0 ? node.children.map((c) => xml(c, c.name)).join("") : esc(node.text);
  return `<${name}${attr}>${inner}</${name}>`;
}

export function eventToXml(event: XmlNode): string {
  return xml(event, event.type ?? event.name);
}
