/**
 * A fast, strict scanner for the XML a SOAP server sends, building the same XmlNode trees as
 * the saxes-based XmlStreamParser (xml.ts) at several times its speed: event pages are the hot
 * path (see docs/decisions/0006-xml-scanner.md). It handles elements, attributes, character and
 * the five predefined entity references, CDATA, comments and processing instructions; it
 * refuses DOCTYPE (no entity expansion, ever) and anything not well formed, with the offset.
 */
import { XSI_NS, type XmlNode } from "./xml";

export class XmlScanError extends Error {
  override name = "XmlScanError";
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
  }
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(s: string, at: number): string {
  let out = "";
  let last = 0;
  for (let i = s.indexOf("&"); i !== -1; i = s.indexOf("&", last)) {
    const semi = s.indexOf(";", i + 1);
    if (semi === -1 || semi - i > 12) throw new XmlScanError("unterminated entity reference", at + i);
    const ref = s.slice(i + 1, semi);
    let ch: string | undefined;
    if (ref.charCodeAt(0) === 35 /* # */) {
      const code = ref.charCodeAt(1) === 120 /* x */ ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code < 0 || code > 0x10ffff || !/^#(x[0-9a-fA-F]+|[0-9]+)$/.test(ref)) {
        throw new XmlScanError(`bad character reference &${ref};`, at + i);
      }
      ch = String.fromCodePoint(code);
    } else {
      ch = ENTITIES[ref];
      if (ch === undefined) throw new XmlScanError(`unknown entity &${ref};`, at + i);
    }
    out += s.slice(last, i) + ch;
    last = semi + 1;
  }
  return last === 0 ? s : out + s.slice(last);
}

function isNameEnd(c: number): boolean {
  // whitespace, '/', '>', '='
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 47 || c === 62 || c === 61;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

interface Frame {
  node: XmlNode;
  qname: string;
  /** prefix -> namespace URI declared on this element, when any */
  ns: Record<string, string> | undefined;
}

const PREDEFINED_NS: Record<string, string> = { xml: "http://www.w3.org/XML/1998/namespace" };

/**
 * Scan a whole document. Elements closing at `emitDepth` (1 = document element) go to
 * `onElement` and are not kept; the rest of the tree is returned.
 */
export function scanXml(
  xml: string,
  emitDepth = 0,
  onElement?: (node: XmlNode, parent: XmlNode | undefined) => void,
): XmlNode {
  const stack: Frame[] = [];
  let root: XmlNode | undefined;
  let pos = 0;
  const len = xml.length;

  const resolve = (prefix: string): string | undefined => {
    for (let i = stack.length - 1; i >= 0; i--) {
      const ns = stack[i]!.ns;
      if (ns !== undefined && prefix in ns) return ns[prefix];
    }
    return PREDEFINED_NS[prefix];
  };

  const addText = (t: string, at: number): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      for (let i = 0; i < t.length; i++) {
        if (!isSpace(t.charCodeAt(i))) throw new XmlScanError("text outside the document element", at + i);
      }
      return;
    }
    top.node.text += t.indexOf("&") === -1 ? t : decode(t, at);
  };

  while (pos < len) {
    const lt = xml.indexOf("<", pos);
    if (lt === -1) {
      addText(xml.slice(pos), pos);
      break;
    }
    if (lt > pos) addText(xml.slice(pos, lt), pos);
    const c1 = xml.charCodeAt(lt + 1);
    if (c1 === 47 /* / */) {
      const gt = xml.indexOf(">", lt + 2);
      if (gt === -1) throw new XmlScanError("unterminated end tag", lt);
      let end = gt;
      while (end > lt + 2 && isSpace(xml.charCodeAt(end - 1))) end--;
      const qname = xml.slice(lt + 2, end);
      const frame = stack.pop();
      if (frame === undefined || frame.qname !== qname) {
        throw new XmlScanError(`end tag </${qname}> does not match <${frame?.qname ?? ""}>`, lt);
      }
      close(frame);
      pos = gt + 1;
      continue;
    }
    if (c1 === 63 /* ? */) {
      const e = xml.indexOf("?>", lt + 2);
      if (e === -1) throw new XmlScanError("unterminated processing instruction", lt);
      pos = e + 2;
      continue;
    }
    if (c1 === 33 /* ! */) {
      if (xml.startsWith("<!--", lt)) {
        const e = xml.indexOf("-->", lt + 4);
        if (e === -1) throw new XmlScanError("unterminated comment", lt);
        pos = e + 3;
        continue;
      }
      if (xml.startsWith("<![CDATA[", lt)) {
        const e = xml.indexOf("]]>", lt + 9);
        if (e === -1) throw new XmlScanError("unterminated CDATA section", lt);
        const top = stack[stack.length - 1];
        if (top === undefined) throw new XmlScanError("CDATA outside the document element", lt);
        top.node.text += xml.slice(lt + 9, e);
        pos = e + 3;
        continue;
      }
      throw new XmlScanError("DOCTYPE and other declarations are not accepted", lt);
    }
    // start tag
    let i = lt + 1;
    while (i < len && !isNameEnd(xml.charCodeAt(i))) i++;
    if (i === lt + 1) throw new XmlScanError("empty element name", lt);
    const qname = xml.slice(lt + 1, i);
    let attrs: [string, string][] | undefined;
    let selfClosing = false;
    for (;;) {
      while (i < len && isSpace(xml.charCodeAt(i))) i++;
      if (i >= len) throw new XmlScanError(`unterminated start tag <${qname}>`, lt);
      const c = xml.charCodeAt(i);
      if (c === 62 /* > */) {
        i++;
        break;
      }
      if (c === 47 /* / */) {
        if (xml.charCodeAt(i + 1) !== 62) throw new XmlScanError(`bad '/' in <${qname}>`, i);
        selfClosing = true;
        i += 2;
        break;
      }
      const nameStart = i;
      while (i < len && !isNameEnd(xml.charCodeAt(i))) i++;
      const aname = xml.slice(nameStart, i);
      while (i < len && isSpace(xml.charCodeAt(i))) i++;
      if (aname === "" || xml.charCodeAt(i) !== 61 /* = */) throw new XmlScanError(`bad attribute in <${qname}>`, nameStart);
      i++;
      while (i < len && isSpace(xml.charCodeAt(i))) i++;
      const q = xml.charCodeAt(i);
      if (q !== 34 && q !== 39) throw new XmlScanError(`unquoted attribute value in <${qname}>`, i);
      const vEnd = xml.indexOf(q === 34 ? '"' : "'", i + 1);
      if (vEnd === -1) throw new XmlScanError(`unterminated attribute value in <${qname}>`, i);
      const raw = xml.slice(i + 1, vEnd);
      if (raw.indexOf("<") !== -1) throw new XmlScanError(`'<' in an attribute value of <${qname}>`, i);
      (attrs ??= []).push([aname, raw.indexOf("&") === -1 ? raw : decode(raw, i + 1)]);
      i = vEnd + 1;
    }
    const node: XmlNode = { name: localName(qname), children: [], text: "" };
    const frame: Frame = { node, qname, ns: undefined };
    if (attrs !== undefined) {
      for (const [n, v] of attrs) {
        if (n === "xmlns") (frame.ns ??= {})[""] = v;
        else if (n.startsWith("xmlns:")) (frame.ns ??= {})[n.slice(6)] = v;
      }
      stack.push(frame); // so the element's own declarations resolve its attributes
      for (const [n, v] of attrs) {
        if (n === "xmlns" || n.startsWith("xmlns:")) continue;
        const colon = n.indexOf(":");
        if (colon === -1) {
          (node.attrs ??= {})[n] = v;
          continue;
        }
        const uri = resolve(n.slice(0, colon));
        if (uri === undefined) throw new XmlScanError(`undeclared prefix in attribute ${n}`, lt);
        if (uri === XSI_NS && n.slice(colon + 1) === "type") {
          const vc = v.indexOf(":");
          if (vc === -1) node.type = v;
          else {
            node.type = v.slice(vc + 1);
            const tns = resolve(v.slice(0, vc));
            if (tns !== undefined) node.typeNs = tns;
          }
        }
      }
      stack.pop();
    }
    if (stack.length === 0 && root !== undefined) throw new XmlScanError("more than one document element", lt);
    stack.push(frame);
    pos = i;
    if (selfClosing) close(stack.pop()!);
  }
  if (stack.length > 0) throw new XmlScanError(`unclosed element <${stack[stack.length - 1]!.qname}>`, len);
  if (root === undefined) throw new XmlScanError("no document element", len);
  return root;

  function close(frame: Frame): void {
    const depth = stack.length + 1;
    const parent = stack[stack.length - 1]?.node;
    if (depth === emitDepth && onElement !== undefined) onElement(frame.node, parent);
    else if (parent !== undefined) parent.children.push(frame.node);
    else root = frame.node;
  }
}

function localName(qname: string): string {
  const c = qname.indexOf(":");
  return c === -1 ? qname : qname.slice(c + 1);
}
