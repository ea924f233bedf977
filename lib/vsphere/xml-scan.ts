/**
 * A fast, strict scanner for the XML a SOAP server sends, building the same XmlNode trees as
 * the saxes-based builder it replaced (test/support/saxes-tree.js) at several times its speed: event pages are the hot
 * path (see docs/decisions/0006-xml-scanner.md). It handles elements, attributes, character and
 * the five predefined entity references, CDATA, comments and processing instructions; it
 * refuses DOCTYPE (no entity expansion, ever) and anything not well formed, with the offset.
 */
import { detach } from "../common/detach";
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

/**
 * The children of an element that has none (yet): one shared, frozen array, replaced by the
 * element's own array with its first child. Most elements of an event page are leaves.
 */
const NO_CHILDREN: XmlNode[] = Object.freeze([]) as unknown as XmlNode[];

/**
 * An element as the scanner builds it. A class and `Array.of`, not object and array literals:
 * V8 tracks the survival of literal sites and may decide early in a run (while the first events
 * wait for a cold connection) to allocate a site's objects straight into the old generation;
 * an element tree in old space then keeps every string of the page alive through scavenges, and
 * old space grew ~8 KB per event until a full collection (peak RSS ~300 MB instead of ~200 MB in
 * about a quarter of the runs). Objects made by a constructor or a builtin carry no such site
 * (decision 0018; test/unit/vsphere/pretenuring_spec.js).
 */
class Element implements XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
  constructor(name: string) {
    this.name = name;
    this.children = NO_CHILDREN;
    this.text = "";
  }
}

/** Element names seen: qualified and local name, by a hash of the name's characters. */
interface KnownName {
  qname: string;
  local: string;
}
const NAME_SLOTS = 1024;

interface Frame {
  node: XmlNode;
  qname: string;
  /** prefix -> namespace URI declared on this element, when any */
  ns: Record<string, string> | undefined;
}

const PREDEFINED_NS: Record<string, string> = { xml: "http://www.w3.org/XML/1998/namespace" };

/** Thrown inside the scan loop when the buffer ends in the middle of a token. */
const INCOMPLETE = Symbol("incomplete");

/**
 * Deepest element nesting the scanner accepts. Building the tree is iterative, so this only
 * keeps a hostile document nested hundreds of thousands deep from reaching consumers at all
 * (event pages nest about 20 levels; the event converter cuts its own nesting at 200).
 */
export const MAX_XML_DEPTH = 4096;

/**
 * Deepest nesting accepted in a control response, checked before the `soap` package parses it
 * (lib/vsphere/transport.ts): service content, collectors and property values nest far less.
 */
export const MAX_CONTROL_XML_DEPTH = 256;

/** An unfinished tail shorter than this is scanned again on every write. */
const SMALL_TAIL = 4096;

/**
 * Resumable scanner: write() text as it arrives (a token cut at the end of a chunk is kept for
 * the next one), end() when the document is complete. A long unfinished token (a huge text or
 * attribute) is not scanned again from its start on every chunk: more text is collected until
 * the tail has doubled, so the work stays linear in the input whatever the chunking. Elements closing at `emitDepth`
 * (1 = document element) go to `onElement` and are not kept; end() returns the rest of the
 * tree. Working on chunks keeps every string small (a whole 1 MB page would be a
 * large-object-space string, freed only by full garbage collections).
 */
export class XmlScanner {
  private readonly stack: Frame[] = [];
  /** frames of closed elements, reused (an event page has tens of elements per event) */
  private readonly spareFrames: Frame[] = [];
  /** element names by hash: a page repeats the same hundred names (no string per tag) */
  private readonly names: (KnownName | undefined)[] = new Array<KnownName | undefined>(NAME_SLOTS).fill(undefined);
  private root: XmlNode | undefined;
  private buf = "";
  /** text written after buf and not scanned yet (joined once the tail is worth a new try) */
  private pending: string[] = [];
  private pendingLength = 0;
  /** buf plus pending must reach this length before the unfinished tail is scanned again */
  private retryAt = 0;
  /** the character the unfinished tail needs to complete, and whether pending text has it */
  private hint = "<";
  private hintSeen = false;
  /** set when the scan stopped inside an attribute value: its closing quote */
  private quoteHint: string | undefined;
  /** offset of buf[0] in the whole document, for error messages */
  private base = 0;
  private ended = false;

  constructor(
    private readonly emitDepth = 0,
    private readonly onElement?: (node: XmlNode, parent: XmlNode | undefined) => void,
    private readonly maxDepth = MAX_XML_DEPTH,
  ) {}

  write(chunk: string): void {
    if (this.ended) throw new XmlScanError("write after end", this.base);
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    // the unfinished tail cannot complete without its terminator character in the new text;
    // a long tail waits until it has doubled as well, so adversarial chunking stays linear
    if (this.buf.length > 0) {
      if (!this.hintSeen) this.hintSeen = chunk.indexOf(this.hint) !== -1;
      if (!this.hintSeen || this.buf.length + this.pendingLength < this.retryAt) return;
    }
    this.takePending();
    this.scan(false);
    const tail = this.buf;
    this.retryAt = tail.length < SMALL_TAIL ? 0 : 2 * tail.length;
    // a tag, comment, CDATA section or PI ends with '>' (an attribute value with its quote);
    // text ends at the next '<'
    this.hint = this.quoteHint ?? (tail.charCodeAt(0) === 60 /* < */ ? ">" : "<");
    this.hintSeen = false;
  }

  end(): XmlNode {
    if (!this.ended) {
      this.ended = true;
      this.takePending();
      this.scan(true);
    }
    if (this.stack.length > 0) {
      throw new XmlScanError(`unclosed element <${this.stack[this.stack.length - 1].qname}>`, this.base);
    }
    if (this.root === undefined) throw new XmlScanError("no document element", this.base);
    return this.root;
  }

  private takePending(): void {
    if (this.pending.length === 0) return;
    const more = this.pending.length === 1 ? this.pending[0] : this.pending.join("");
    this.buf = this.buf.length === 0 ? more : this.buf + more;
    this.pending = [];
    this.pendingLength = 0;
  }

  private resolve(prefix: string): string | undefined {
    const stack = this.stack;
    for (let i = stack.length - 1; i >= 0; i--) {
      const ns = stack[i].ns;
      if (ns !== undefined && prefix in ns) return ns[prefix];
    }
    return PREDEFINED_NS[prefix];
  }

  private addText(t: string, at: number): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      for (let i = 0; i < t.length; i++) {
        if (!isSpace(t.charCodeAt(i))) throw new XmlScanError("text outside the document element", at + i);
      }
      return;
    }
    top.node.text += t.indexOf("&") === -1 ? t : decode(t, at);
  }

  private close(frame: Frame): void {
    const stack = this.stack;
    const depth = stack.length + 1;
    const parent = stack[stack.length - 1]?.node;
    if (depth === this.emitDepth && this.onElement !== undefined) this.onElement(frame.node, parent);
    else if (parent !== undefined) {
      if (parent.children === NO_CHILDREN) parent.children = Array.of(frame.node); // no literal: see Element
      else parent.children.push(frame.node);
    } else this.root = frame.node;
    this.spareFrames.push(frame);
  }

  /** Consume complete tokens from buf; keep an incomplete tail unless `final`. */
  private scan(final: boolean): void {
    const xml = this.buf;
    const len = xml.length;
    const base = this.base;
    const stack = this.stack;
    let pos = 0;
    this.quoteHint = undefined;
    const need = (ok: boolean, what: string, at: number): void => {
      if (ok) return;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a sentinel caught in this file: wait for more input
      if (!final) throw INCOMPLETE;
      throw new XmlScanError(what, base + at);
    };
    try {
      while (pos < len) {
        const lt = xml.indexOf("<", pos);
        if (lt === -1) {
          if (!final) break; // the text may go on in the next chunk
          this.addText(xml.slice(pos), base + pos);
          pos = len;
          break;
        }
        if (lt > pos) this.addText(xml.slice(pos, lt), base + pos);
        pos = lt; // from here on, an incomplete token restarts at lt
        need(lt + 1 < len, "unterminated tag", lt);
        const c1 = xml.charCodeAt(lt + 1);
        if (c1 === 47 /* / */) {
          const gt = xml.indexOf(">", lt + 2);
          need(gt !== -1, "unterminated end tag", lt);
          let e = gt;
          while (e > lt + 2 && isSpace(xml.charCodeAt(e - 1))) e--;
          const frame = stack.pop();
          // compared in place: no string for the end tag's name
          if (frame === undefined || frame.qname.length !== e - lt - 2 || !xml.startsWith(frame.qname, lt + 2)) {
            throw new XmlScanError(`end tag </${xml.slice(lt + 2, e)}> does not match <${frame?.qname ?? ""}>`, base + lt);
          }
          this.close(frame);
          pos = gt + 1;
          continue;
        }
        if (c1 === 63 /* ? */) {
          const e = xml.indexOf("?>", lt + 2);
          need(e !== -1, "unterminated processing instruction", lt);
          pos = e + 2;
          continue;
        }
        if (c1 === 33 /* ! */) {
          need(lt + 9 <= len || final, "unterminated declaration", lt);
          if (xml.startsWith("<!--", lt)) {
            const e = xml.indexOf("-->", lt + 4);
            need(e !== -1, "unterminated comment", lt);
            pos = e + 3;
            continue;
          }
          if (xml.startsWith("<![CDATA[", lt)) {
            const e = xml.indexOf("]]>", lt + 9);
            need(e !== -1, "unterminated CDATA section", lt);
            const top = stack[stack.length - 1];
            if (top === undefined) throw new XmlScanError("CDATA outside the document element", base + lt);
            top.node.text += xml.slice(lt + 9, e);
            pos = e + 3;
            continue;
          }
          throw new XmlScanError("DOCTYPE and other declarations are not accepted", base + lt);
        }
        pos = this.startTag(xml, lt, final);
      }
    } catch (err) {
      if (err !== INCOMPLETE) throw err;
    }
    this.buf = pos >= len ? "" : xml.slice(pos);
    this.base = base + pos;
  }

  /** The buffer ends inside the token at `lt`: wait for more input, or (`final`) it is an error. */
  private incomplete(final: boolean, lt: number, what: string): never {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a sentinel caught in this file: wait for more input
    if (!final) throw INCOMPLETE;
    throw new XmlScanError(what, this.base + lt);
  }

  /** Scan the start tag at lt; returns the position after it. */
  private startTag(xml: string, lt: number, final: boolean): number {
    const len = xml.length;
    const base = this.base;
    const stack = this.stack;
    // (no closure for the "incomplete" exits: one per start tag was a tenth of all the
    // allocation of a drain)
    let i = lt + 1;
    let hash = 0;
    for (; i < len; i++) {
      const c = xml.charCodeAt(i);
      if (isNameEnd(c)) break;
      hash = (hash * 31 + c) | 0;
    }
    if (i >= len) this.incomplete(final, lt, "unterminated start tag");
    if (i === lt + 1) throw new XmlScanError("empty element name", base + lt);
    const slot = hash & (NAME_SLOTS - 1);
    let known = this.names[slot];
    if (known === undefined || known.qname.length !== i - lt - 1 || !xml.startsWith(known.qname, lt + 1)) {
      // a copy, not a view of the page text (the table outlives the page)
      const q = detach(xml.slice(lt + 1, i));
      known = { qname: q, local: localName(q) };
      this.names[slot] = known;
    }
    const qname = known.qname;
    /** name, value, name, value, ... (pairs would be one more array per attribute) */
    let attrs: string[] | undefined;
    let selfClosing = false;
    for (;;) {
      while (i < len && isSpace(xml.charCodeAt(i))) i++;
      if (i >= len) this.incomplete(final, lt, `unterminated start tag <${qname}>`);
      const c = xml.charCodeAt(i);
      if (c === 62 /* > */) {
        i++;
        break;
      }
      if (c === 47 /* / */) {
        if (i + 1 >= len) this.incomplete(final, lt, `unterminated start tag <${qname}>`);
        if (xml.charCodeAt(i + 1) !== 62) throw new XmlScanError(`bad '/' in <${qname}>`, base + i);
        selfClosing = true;
        i += 2;
        break;
      }
      const nameStart = i;
      while (i < len && !isNameEnd(xml.charCodeAt(i))) i++;
      const aname = xml.slice(nameStart, i);
      while (i < len && isSpace(xml.charCodeAt(i))) i++;
      if (i >= len) this.incomplete(final, lt, `unterminated start tag <${qname}>`);
      if (aname === "" || xml.charCodeAt(i) !== 61 /* = */) throw new XmlScanError(`bad attribute in <${qname}>`, base + nameStart);
      i++;
      while (i < len && isSpace(xml.charCodeAt(i))) i++;
      if (i >= len) this.incomplete(final, lt, `unterminated start tag <${qname}>`);
      const q = xml.charCodeAt(i);
      if (q !== 34 && q !== 39) throw new XmlScanError(`unquoted attribute value in <${qname}>`, base + i);
      const quote = q === 34 ? '"' : "'";
      const vEnd = xml.indexOf(quote, i + 1);
      if (vEnd === -1) this.quoteHint = quote;
      if (vEnd === -1) this.incomplete(final, lt, `unterminated attribute value in <${qname}>`);
      const raw = xml.slice(i + 1, vEnd);
      if (raw.indexOf("<") !== -1) throw new XmlScanError(`'<' in an attribute value of <${qname}>`, base + i);
      (attrs ??= []).push(aname, raw.indexOf("&") === -1 ? raw : decode(raw, base + i + 1));
      i = vEnd + 1;
    }
    const node: XmlNode = new Element(known.local);
    let frame = this.spareFrames.pop();
    if (frame === undefined) frame = { node, qname, ns: undefined };
    else {
      frame.node = node;
      frame.qname = qname;
      frame.ns = undefined;
    }
    if (attrs !== undefined) {
      for (let k = 0; k < attrs.length; k += 2) {
        const n = attrs[k];
        const v = attrs[k + 1];
        if (n === "xmlns") (frame.ns ??= {})[""] = v;
        else if (n.startsWith("xmlns:")) (frame.ns ??= {})[n.slice(6)] = v;
      }
      stack.push(frame); // so the element's own declarations resolve its attributes
      try {
        for (let k = 0; k < attrs.length; k += 2) {
          const n = attrs[k];
          const v = attrs[k + 1];
          if (n === "xmlns" || n.startsWith("xmlns:")) continue;
          const colon = n.indexOf(":");
          if (colon === -1) {
            (node.attrs ??= {})[n] = v;
            continue;
          }
          const uri = this.resolve(n.slice(0, colon));
          if (uri === undefined) throw new XmlScanError(`undeclared prefix in attribute ${n}`, base + lt);
          if (uri === XSI_NS && n.slice(colon + 1) === "type") {
            const vc = v.indexOf(":");
            if (vc === -1) node.type = v;
            else {
              node.type = v.slice(vc + 1);
              const tns = this.resolve(v.slice(0, vc));
              if (tns !== undefined) node.typeNs = tns;
            }
          }
        }
      } finally {
        stack.pop();
      }
    }
    if (stack.length === 0 && this.root !== undefined) throw new XmlScanError("more than one document element", base + lt);
    if (stack.length >= this.maxDepth) throw new XmlScanError(`elements nested deeper than ${this.maxDepth} levels`, base + lt);
    stack.push(frame);
    if (selfClosing) this.close(stack.pop()!);
    return i;
  }
}

/** Scan a whole document (see XmlScanner). */
export function scanXml(
  xml: string,
  emitDepth = 0,
  onElement?: (node: XmlNode, parent: XmlNode | undefined) => void,
  maxDepth = MAX_XML_DEPTH,
): XmlNode {
  const s = new XmlScanner(emitDepth, onElement, maxDepth);
  s.write(xml);
  return s.end();
}

function localName(qname: string): string {
  const c = qname.indexOf(":");
  return c === -1 ? qname : qname.slice(c + 1);
}
