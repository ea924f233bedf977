/**
 * vSphere event -> CloudEvent `data`, byte-compatible with what VEBA / Knative VSphereSource
 * functions receive: Go's `encoding/json` and `encoding/xml` of the govmomi 0.24 struct that
 * govmomi's SOAP decoder would have produced from the same XML.
 *
 * Driven only by the type catalog (catalog.ts). Per class, the catalog is compiled once into a
 * plan (ordered fields, element-name index, precomputed JSON keys and XML tags); converting an
 * event is then one walk over its XmlNode tree, with no regular-expression parsing and no JSON
 * re-parse.
 *
 * Three outputs:
 * - eventToJson(event): a plain object for flows (`msg.payload.data.Vm.Name`). Identical to
 *   JSON.parse of eventToJsonString(event), including key order. JSON numbers in a JS object are
 *   doubles: an int64 beyond +-(2^53 - 1) is held as the nearest double (so JSON.stringify of the
 *   object prints that double, not Go's digits); eventToJsonString keeps it exact.
 * - eventToJsonString(event, options): the exact text of Go's json.Marshal (by default with Go's
 *   HTML-safe escaping of <, >, &, U+2028 and U+2029; `{ escapeHTML: false }` gives the
 *   JSON.stringify escaping of the same values instead).
 * - eventToXml(event): the exact text of Go's encoding/xml.Marshal of the struct (the
 *   VSphereSource `application/xml` form).
 *
 * Go semantics reproduced (govmomi's vim25/xml decoder + Go's encoders):
 * - absent value fields get their zero value (zero structs are complete objects), absent
 *   pointers / slices / interfaces are null in JSON and left out in XML;
 * - `[]byte` is NOT base64-decoded by govmomi: the bytes are the element's text, so JSON holds
 *   base64 of the UTF-8 text and XML holds the text itself;
 * - AnyType values follow xsi:type (xsd:int -> int32, ArrayOfString -> {"String": [...]}, ...);
 *   an AnyType without xsi:type, or with a type govmomi does not know, is nil (null);
 * - times: RFC 3339 with the offset the XML carried (+00:00 prints as Z), fractional seconds
 *   truncated to 9 digits with trailing zeros dropped;
 * - a repeated non-slice element: the last one wins (as in govmomi's decoder).
 *
 * Unknown classes (a vCenter newer than the catalog): see resolveUnknown().
 */
import { XSD_NS, type XmlNode } from "./xml";
import * as catalog from "./catalog";

// ---------------------------------------------------------------------------------------------
// compiled plans

const enum Kind {
  String,
  Int, // int8, int16, int32: fits a double
  Int64,
  Uint, // uint8 .. uint64 (bits in PField.bits)
  Bool,
  Float32,
  Float64,
  Time,
  Bytes,
  MoRef,
  Struct,
  Any,
}

const enum Shape {
  Value,
  Pointer,
  Slice,
  Iface,
  IfaceSlice,
  Any,
  AnySlice,
}

const enum Mode {
  Element,
  Attr,
  CharData,
}

interface PField {
  readonly go: string;
  readonly xml: string;
  /** `"Go":` */
  readonly jsonKey: string;
  /** `<xml>` (without attributes) and `</xml>` */
  readonly xmlOpen: string;
  readonly xmlClose: string;
  /** `<xml type="` for references */
  readonly xmlOpenRef: string;
  readonly shape: Shape;
  readonly kind: Kind;
  readonly bits: number;
  readonly omit: boolean;
  readonly mode: Mode;
  /** struct type, or the interface base class */
  readonly typeName: string;
  /** true for shapes that collect repeated elements */
  readonly many: boolean;
  plan: Plan | undefined;
}

interface Plan {
  readonly name: string;
  readonly fields: PField[];
  /** element name -> field index (element-mode fields only) */
  readonly index: Map<string, number>;
  readonly hasModes: boolean;
  zeroJsonGo: string | undefined;
  zeroJsonJs: string | undefined;
  zeroXmlInner: string | undefined;
}

const plans = new Map<string, Plan | null>();

function kindOf(f: catalog.FieldInfo): [Kind, number] {
  switch (f.kind) {
    case "string":
    case "enum":
      return [Kind.String, 0];
    case "int8":
      return [Kind.Int, 8];
    case "int16":
      return [Kind.Int, 16];
    case "int32":
      return [Kind.Int, 32];
    case "int64":
      return [Kind.Int64, 64];
    case "uint8":
      return [Kind.Uint, 8];
    case "bool":
      return [Kind.Bool, 0];
    case "float32":
      return [Kind.Float32, 32];
    case "float64":
      return [Kind.Float64, 64];
    case "time":
      return [Kind.Time, 0];
    case "bytes":
      return [Kind.Bytes, 0];
    case "any":
      return [Kind.Any, 0];
    case "struct":
      return [f.typeName === "ManagedObjectReference" ? Kind.MoRef : Kind.Struct, 0];
  }
}

function shapeOf(s: catalog.FieldShape): Shape {
  switch (s) {
    case "value":
      return Shape.Value;
    case "pointer":
      return Shape.Pointer;
    case "slice":
      return Shape.Slice;
    case "interface":
      return Shape.Iface;
    case "interfaceSlice":
      return Shape.IfaceSlice;
    case "any":
      return Shape.Any;
    case "anySlice":
      return Shape.AnySlice;
  }
}

function makeField(f: catalog.FieldInfo): PField {
  const [kind, bits] = kindOf(f);
  const shape = shapeOf(f.shape);
  return {
    go: f.goName,
    xml: f.xmlName,
    jsonKey: JSON.stringify(f.goName) + ":",
    xmlOpen: "<" + f.xmlName + ">",
    xmlClose: "</" + f.xmlName + ">",
    xmlOpenRef: "<" + f.xmlName + ' type="',
    shape,
    kind,
    bits,
    omit: f.omitEmpty,
    mode: f.mode === "attr" ? Mode.Attr : f.mode === "chardata" ? Mode.CharData : Mode.Element,
    typeName: f.typeName ?? "",
    many: shape === Shape.Slice || shape === Shape.IfaceSlice || shape === Shape.AnySlice,
    plan: undefined,
  };
}

function planFor(name: string): Plan | undefined {
  const cached = plans.get(name);
  if (cached !== undefined) return cached ?? undefined;
  const info = catalog.typeInfo(name);
  if (info === undefined) {
    plans.set(name, null);
    return undefined;
  }
  if (info.name !== name) {
    // a registered vim name decoded as another Go type (vslmInfrastructureObjectPolicy)
    const p = planFor(info.name);
    plans.set(name, p ?? null);
    return p;
  }
  const fields = info.fields.map(makeField);
  const index = new Map<string, number>();
  let hasModes = false;
  fields.forEach((f, i) => {
    if (f.mode !== Mode.Element) hasModes = true;
    else if (!index.has(f.xml)) index.set(f.xml, i);
  });
  const plan: Plan = {
    name,
    fields,
    index,
    hasModes,
    zeroJsonGo: undefined,
    zeroJsonJs: undefined,
    zeroXmlInner: undefined,
  };
  plans.set(name, plan);
  return plan;
}

function fieldPlan(f: PField): Plan {
  let p = f.plan;
  if (p === undefined) {
    p = planFor(f.typeName);
    if (p === undefined) throw new Error(`vim catalog: type ${f.typeName} is missing`);
    f.plan = p;
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// classes: known, unknown (nearest known base), and AnyType's xsi:type

let unknownClassLogger: ((message: string, info: { className: string; convertedAs: string | null }) => void) | undefined =
  (message) => console.warn(message);
const warnedClasses = new Set<string>();
const unknownResolved = new Map<string, Plan>();

/**
 * Where warnings about classes missing from the catalog go (once per class name). Pass
 * `undefined` to silence them. The default is console.warn.
 */
export function setUnknownClassLogger(
  fn: ((message: string, info: { className: string; convertedAs: string | null }) => void) | undefined,
): void {
  unknownClassLogger = fn;
}

function warnOnce(className: string, convertedAs: string | null, message?: string): void {
  if (warnedClasses.has(className)) return;
  warnedClasses.add(className);
  const fn = unknownClassLogger;
  if (fn === undefined) return;
  if (message === undefined) {
    const v = catalog.catalogSource().version;
    message =
      convertedAs === null
        ? `vSphere type ${className} is not in the type catalog (govmomi ${v}); its value is converted as null`
        : `vSphere class ${className} is not in the type catalog (govmomi ${v}); converting it as its nearest known base ${convertedAs}`;
  }
  try {
    fn(message, { className, convertedAs });
  } catch {
    /* a logger must not break the event path */
  }
}

/**
 * Length of the stem of `cand` (its name without a trailing "Event") when that stem is a
 * CamelCase word prefix of `className` (HostEvent -> "Host" for HostFooEvent), else -1.
 */
function stemPrefix(cand: string, className: string): number {
  const stem = cand.endsWith("Event") ? cand.slice(0, -5) : cand;
  if (!className.startsWith(stem)) return -1;
  if (stem.length === 0 || stem.length === className.length) return stem.length;
  const c = className.charCodeAt(stem.length);
  return c >= 65 && c <= 90 ? stem.length : -1;
}

/**
 * Choose the known class to convert an instance of an unknown class with.
 *
 * The XML names no base chain, so the candidates are `declaredBase` and all its known
 * subclasses (for an event: Event and everything deriving from it; for a nested polymorphic
 * value: the field's declared base and its subclasses). Each candidate scores
 *   (child elements it knows) - (its required elements that are missing),
 * where required = not omitempty and not a pointer (govmomi's minOccurs=1 fields). The highest
 * score wins. Ties (typically a base and its subclasses that add nothing present) go to the
 * class whose name stem is the longest CamelCase word prefix of the unknown name (HostFooEvent
 * -> HostEvent rather than Event; VmFooEvent -> VmEvent), then to the shallower class (the
 * more general base: there is no evidence for a subclass), then alphabetically. The choice is
 * made on the first instance and kept for the class name, so a class always converts to the
 * same shape; it is logged once.
 */
function resolveUnknown(className: string, declaredBase: string, node: XmlNode): Plan {
  const key = declaredBase + "\u0000" + className;
  const done = unknownResolved.get(key);
  if (done !== undefined) return done;
  const names = new Set<string>();
  for (const c of node.children) names.add(c.name);
  let best: Plan | undefined;
  let bestScore = 0;
  let bestStem = 0;
  let bestDepth = 0;
  for (const cand of catalog.subclassesOf(declaredBase)) {
    const p = planFor(cand);
    if (p === undefined) continue;
    let score = 0;
    for (const f of p.fields) {
      if (f.mode !== Mode.Element) continue;
      if (names.has(f.xml)) score++;
      else if (!f.omit && f.shape !== Shape.Pointer) score--;
    }
    const stem = stemPrefix(cand, className);
    const depth = catalog.baseChain(cand).length;
    const better =
      best === undefined ||
      score > bestScore ||
      (score === bestScore &&
        (stem > bestStem || (stem === bestStem && (depth < bestDepth || (depth === bestDepth && cand < best.name)))));
    if (better) {
      best = p;
      bestScore = score;
      bestStem = stem;
      bestDepth = depth;
    }
  }
  if (best === undefined) {
    // declaredBase itself is unknown: cannot happen with a consistent catalog
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- narrows `best` for the lines below
    best = planFor("DynamicData") as Plan;
  }
  unknownResolved.set(key, best);
  warnOnce(className, best.name);
  return best;
}

/** Plan for a polymorphic value declared as Base<declaredBase>. */
function classPlan(node: XmlNode, declaredBase: string): Plan {
  const t = node.type;
  if (t === undefined || t === "") {
    // govmomi: no xsi:type -> the interface's base class (types.TypeFunc()("Base<X>"))
    return planFor(declaredBase) ?? resolveUnknown(declaredBase, "DynamicData", node);
  }
  return planFor(t) ?? resolveUnknown(t, declaredBase, node);
}

interface AnyKind {
  kind: Kind;
  bits: number;
  plan: Plan | undefined;
}

const XSD_KINDS: Record<string, AnyKind> = {
  boolean: { kind: Kind.Bool, bits: 0, plan: undefined },
  byte: { kind: Kind.Int, bits: 8, plan: undefined },
  short: { kind: Kind.Int, bits: 16, plan: undefined },
  int: { kind: Kind.Int, bits: 32, plan: undefined },
  long: { kind: Kind.Int64, bits: 64, plan: undefined },
  unsignedByte: { kind: Kind.Uint, bits: 8, plan: undefined },
  unsignedShort: { kind: Kind.Uint, bits: 16, plan: undefined },
  unsignedInt: { kind: Kind.Uint, bits: 32, plan: undefined },
  unsignedLong: { kind: Kind.Uint, bits: 64, plan: undefined },
  float: { kind: Kind.Float32, bits: 32, plan: undefined },
  double: { kind: Kind.Float64, bits: 64, plan: undefined },
  string: { kind: Kind.String, bits: 0, plan: undefined },
  dateTime: { kind: Kind.Time, bits: 0, plan: undefined },
  base64Binary: { kind: Kind.Bytes, bits: 0, plan: undefined },
};
const MOREF_ANY: AnyKind = { kind: Kind.MoRef, bits: 0, plan: undefined };
const anyKinds = new Map<string, AnyKind | null>();

/** What an AnyType element holds, or undefined for nil. */
function anyKindOf(node: XmlNode): AnyKind | undefined {
  const t = node.type;
  if (t === undefined || t === "") return undefined; // govmomi: no type -> nil interface
  const ns = node.typeNs;
  if (ns === XSD_NS || ns === undefined) {
    const x = XSD_KINDS[t];
    if (x !== undefined && Object.prototype.hasOwnProperty.call(XSD_KINDS, t)) return x;
    if (ns === XSD_NS) {
      warnOnce("xsd:" + t, null);
      return undefined;
    }
  }
  if (t === "ManagedObjectReference") return MOREF_ANY;
  const cached = anyKinds.get(t);
  if (cached !== undefined) return cached ?? undefined;
  if (catalog.isEnum(t)) {
    // an enum value (xsi:type="VirtualMachinePowerState"): govmomi decodes the Go string type
    const k: AnyKind = { kind: Kind.String, bits: 0, plan: undefined };
    anyKinds.set(t, k);
    return k;
  }
  const p = planFor(t);
  if (p === undefined) {
    // govmomi leaves an AnyType of an unknown type nil; there is no declared base to fall back to
    anyKinds.set(t, null);
    warnOnce(t, null);
    return undefined;
  }
  const k: AnyKind = { kind: Kind.Struct, bits: 0, plan: p };
  anyKinds.set(t, k);
  return k;
}

// ---------------------------------------------------------------------------------------------
// collecting an element's children into field slots

type Slot = XmlNode | XmlNode[] | undefined;

function collect(node: XmlNode, plan: Plan): Slot[] {
  const fields = plan.fields;
  const slots: Slot[] = new Array<Slot>(fields.length);
  const index = plan.index;
  const children = node.children;
  for (let i = 0; i < children.length; i++) {
    const c = children[i];
    const fi = index.get(c.name);
    if (fi === undefined) continue; // unknown element: ignored, as govmomi does
    if (fields[fi].many) {
      const a = slots[fi] as XmlNode[] | undefined;
      if (a === undefined) slots[fi] = [c];
      else a.push(c);
    } else {
      slots[fi] = c; // last one wins
    }
  }
  if (plan.hasModes) {
    for (let fi = 0; fi < fields.length; fi++) {
      const f = fields[fi];
      if (f.mode === Mode.Attr) {
        const v = node.attrs?.[f.xml];
        slots[fi] = { name: f.xml, children: [], text: v ?? "" };
      } else if (f.mode === Mode.CharData) {
        slots[fi] = { name: f.xml, children: [], text: node.text };
      }
    }
  }
  return slots;
}

const EMPTY_NODE: XmlNode = { name: "", children: [], text: "" };

// ---------------------------------------------------------------------------------------------
// scalar parsing (Go strconv semantics, lenient: never throws)

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

function trimGo(s: string): string {
  const n = s.length;
  if (n === 0) return s;
  if (!isSpace(s.charCodeAt(0)) && !isSpace(s.charCodeAt(n - 1))) return s;
  return s.trim();
}

/** Canonical decimal text of an integer element (strconv.ParseInt / ParseUint). */
function intText(text: string, kind: Kind, bits: number): string {
  const t = trimGo(text);
  if (t.length === 0) return "0";
  if (t.length <= 15) {
    const n = +t;
    if (n === n && Math.floor(n) === n) {
      if (kind === Kind.Uint && n < 0) return BigInt.asUintN(bits, BigInt(n)).toString();
      return n === 0 ? "0" : String(n);
    }
    return "0";
  }
  try {
    const b = BigInt(t);
    return (kind === Kind.Uint && b < 0n ? BigInt.asUintN(bits, b) : b).toString();
  } catch {
    return "0";
  }
}

function intNumber(text: string, kind: Kind, bits: number): number {
  const t = trimGo(text);
  if (t.length === 0) return 0;
  if (t.length <= 15) {
    const n = +t;
    if (n === n && Math.floor(n) === n) {
      if (kind === Kind.Uint && n < 0) return Number(BigInt.asUintN(bits, BigInt(n)));
      return n === 0 ? 0 : n;
    }
    return 0;
  }
  return Number(intText(t, kind, bits));
}

function boolValue(text: string): boolean {
  if (text === "true") return true;
  if (text === "false" || text.length === 0) return false;
  switch (trimGo(text)) {
    case "1":
    case "t":
    case "T":
    case "TRUE":
    case "true":
    case "True":
      return true;
    default:
      return false;
  }
}

function floatValue(text: string, bits: number): number {
  const t = trimGo(text);
  if (t.length === 0) return 0;
  let n = +t;
  if (n !== n) {
    const l = t.toLowerCase();
    if (l === "inf" || l === "+inf" || l === "infinity" || l === "+infinity") n = Infinity;
    else if (l === "-inf" || l === "-infinity") n = -Infinity;
    else if (l === "nan") n = NaN;
    else n = 0;
  }
  return bits === 32 ? Math.fround(n) : n;
}

/**
 * Shortest decimal digits of a finite non-zero float: |value| = 0.DIGITS x 10^dp. For float64
 * this is ECMAScript's Number::toString digit choice, which is Go's. For float32 it is Go's
 * (Ryu) choice: the fewest digits that parse back to the same float32, the closest such to the
 * exact value, and on an exact tie the even last digit.
 */
function shortestDigits(f: number, bits: number): { digits: string; dp: number } {
  const a = Math.abs(f);
  let s: string | undefined;
  if (bits === 64) {
    s = a.toExponential();
  } else {
    const pow2 = isFloat32PowerOfTwo(a);
    for (let p = 1; p <= 9 && s === undefined; p++) {
      const c = a.toExponential(p - 1);
      if (Math.fround(+c) === a) {
        s = c;
        // toExponential rounds an exact tie away from zero; Go keeps the even digit
        const e = c.indexOf("e");
        if ((c.charCodeAt(e - 1) & 1) === 1 && isExactTie(a, p, +c.slice(e + 1))) {
          const down = bumpLastDigit(c, -1);
          if (Math.fround(+down) === a) s = down;
        }
      } else if (pow2) {
        // below a power of two the float32 spacing halves: the nearest p-digit decimal may
        // miss the (narrower) lower half-interval while the one above still round-trips
        const up = bumpLastDigit(c, 1);
        if (Math.fround(+up) === a) s = up;
      }
    }
    if (s === undefined) s = a.toExponential(8);
  }
  const e = s.indexOf("e");
  let digits = s.slice(0, e).replace(".", "");
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  digits = digits.slice(0, end);
  return { digits, dp: +s.slice(e + 1) + 1 };
}

const f32view = new DataView(new ArrayBuffer(4));

function isFloat32PowerOfTwo(a: number): boolean {
  f32view.setFloat32(0, a);
  return (f32view.getUint32(0) & 0x7fffff) === 0;
}

/**
 * True when the float32 `a` lies exactly halfway between two p-digit decimals at decimal
 * exponent `exp10` (i.e. 2 * a * 10^(p-1-exp10) is an odd integer). Exact, with BigInt.
 */
function isExactTie(a: number, p: number, exp10: number): boolean {
  f32view.setFloat32(0, a);
  const bitsV = f32view.getUint32(0);
  const be = (bitsV >>> 23) & 0xff;
  let m = bitsV & 0x7fffff;
  let e: number;
  if (be === 0) e = -149;
  else {
    m |= 0x800000;
    e = be - 150;
  }
  const sc = p - 1 - exp10;
  let num = 2n * BigInt(m);
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (sc >= 0) num *= 10n ** BigInt(sc);
  else den *= 10n ** BigInt(-sc);
  if (num % den !== 0n) return false;
  return ((num / den) & 1n) === 1n;
}

/** "1.234e+5" -> "1.235e+5" (delta +1) or "1.233e+5" (delta -1) in the last mantissa digit. */
function bumpLastDigit(c: string, delta: 1 | -1): string {
  const e = c.indexOf("e");
  const mant = c.slice(0, e).replace(".", "");
  let exp = +c.slice(e + 1);
  let d = (BigInt(mant) + BigInt(delta)).toString();
  if (d.length > mant.length) {
    exp += 1;
    d = d.slice(0, mant.length);
  } else if (d.length < mant.length) {
    return c; // 1.000e+5 - 1: not needed (only odd last digits go down)
  }
  return d.charAt(0) + (d.length > 1 ? "." + d.slice(1) : "") + "e" + (exp < 0 ? "-" : "+") + Math.abs(exp);
}

function fixedFromDigits(digits: string, dp: number): string {
  const nd = digits.length;
  if (dp <= 0) return "0." + "0".repeat(-dp) + digits;
  if (dp >= nd) return digits + "0".repeat(dp - nd);
  return digits.slice(0, dp) + "." + digits.slice(dp);
}

// Go compares float32 values with float32 constants: float32(abs) < 1e-6
const F32_1E_6 = Math.fround(1e-6);
const F32_1E21 = Math.fround(1e21);

/** Go's encoding/json float formatting ('f' for 1e-6 <= |f| < 1e21, else 'e' with e-7 style). */
function floatJsonText(f: number, bits: number): string {
  if (f !== f || f === Infinity || f === -Infinity) return "null"; // Go's json.Marshal would fail
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  if (bits === 64) return String(f); // ECMAScript Number::toString == Go's format for float64
  const { digits, dp } = shortestDigits(f, 32);
  const neg = f < 0 ? "-" : "";
  const a = Math.abs(f);
  if (a < F32_1E_6 || a >= F32_1E21) {
    const exp = dp - 1;
    return neg + digits.charAt(0) + (digits.length > 1 ? "." + digits.slice(1) : "") + "e" + (exp < 0 ? "-" : "+") + Math.abs(exp);
  }
  return neg + fixedFromDigits(digits, dp);
}

/** The object form of a float: float32 values as the double nearest to their shortest decimal. */
function floatObjValue(f: number, bits: number): number | null {
  if (f !== f || f === Infinity || f === -Infinity) return null;
  if (bits === 64 || f === 0) return f;
  return +floatJsonText(f, 32);
}

/** strconv.FormatFloat(f, 'g', -1, bits) */
function floatXmlText(f: number, bits: number): string {
  if (f !== f) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const { digits, dp } = shortestDigits(f, bits);
  const neg = f < 0 ? "-" : "";
  const exp = dp - 1;
  if (exp < -4 || exp >= 6 /* shortest: eprec = 6 */) {
    const ae = Math.abs(exp);
    return (
      neg +
      digits.charAt(0) +
      (digits.length > 1 ? "." + digits.slice(1) : "") +
      "e" +
      (exp < 0 ? "-" : "+") +
      (ae < 10 ? "0" : "") +
      ae
    );
  }
  return neg + fixedFromDigits(digits, dp);
}

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

export const GO_ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * time.Time decoded by govmomi (time.Parse(RFC3339)) and printed by MarshalJSON/MarshalText
 * (RFC3339Nano): same wall clock and offset, +00:00 -> Z, fraction truncated to 9 digits,
 * trailing zeros dropped. Text Go could not parse is passed through unchanged.
 */
function goTime(s: string): string {
  // Go's RFC 3339 layout reads the hour as 1 or 2 digits ("15"); the printed form has 2
  if (s.length > 12 && s.charCodeAt(12) === 58 && s.charCodeAt(10) === 84) s = s.slice(0, 11) + "0" + s.slice(11);
  const n = s.length;
  if (
    n < 20 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) {
    return s;
  }
  let i = 19;
  let frac = "";
  const c19 = s.charCodeAt(19);
  if ((c19 === 46 || c19 === 44) && isDigitAt(s, 20)) {
    let j = 20;
    while (j < n && isDigitAt(s, j)) j++;
    let end = Math.min(j, 29);
    while (end > 20 && s.charCodeAt(end - 1) === 48) end--;
    frac = end > 20 ? "." + s.slice(20, end) : "";
    i = j;
  }
  const zlen = n - i;
  let zone: string;
  if (zlen === 1 && s.charCodeAt(i) === 90) {
    zone = "Z";
  } else if (zlen === 6 && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45) && s.charCodeAt(i + 3) === 58) {
    zone = s.slice(i);
    if (zone.charCodeAt(1) === 48 && zone.charCodeAt(2) === 48 && zone.charCodeAt(4) === 48 && zone.charCodeAt(5) === 48) {
      zone = "Z";
    }
  } else {
    return s;
  }
  if (frac === "" && i === 19 && zone === "Z" && zlen === 1) return s;
  return s.slice(0, 19) + frac + zone;
}

// ---------------------------------------------------------------------------------------------
// escaping

// eslint-disable-next-line no-control-regex
const GO_JSON_SPECIAL = /[<>&\u2028\u2029\u0008\u000c]/;
const HEX = "0123456789abcdef";

/** A JSON string literal: JSON.stringify's escaping, or Go's (HTML-safe) when goEscape. */
function jsonStr(s: string, goEscape: boolean): string {
  if (!goEscape || !GO_JSON_SPECIAL.test(s)) return JSON.stringify(s);
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20) {
      if (c === 10) esc = "\\n";
      else if (c === 13) esc = "\\r";
      else if (c === 9) esc = "\\t";
      else esc = "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
    } else if (c === 34) esc = '\\"';
    else if (c === 92) esc = "\\\\";
    else if (c === 60) esc = "\\u003c";
    else if (c === 62) esc = "\\u003e";
    else if (c === 38) esc = "\\u0026";
    else if (c === 0x2028) esc = "\\u2028";
    else if (c === 0x2029) esc = "\\u2029";
    else if (c >= 0xd800 && c <= 0xdfff) {
      // a lone surrogate is invalid UTF-8 for Go: \ufffd; a pair passes through
      const hi = c <= 0xdbff;
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (hi && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      esc = "\\ufffd";
    }
    if (esc !== undefined) {
      out += s.slice(last, i) + esc;
      last = i + 1;
    }
  }
  return out + s.slice(last) + '"';
}

// characters Go's xml EscapeString rewrites; chars outside XML's Char production become U+FFFD
// eslint-disable-next-line no-control-regex
const XML_SPECIAL = /["'&<>\t\n\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/;

/** Go's encoding/xml EscapeString / EscapeText. */
function xmlEsc(s: string): string {
  if (!XML_SPECIAL.test(s)) return s;
  let out = "";
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    switch (c) {
      case 34:
        esc = "&#34;";
        break;
      case 39:
        esc = "&#39;";
        break;
      case 38:
        esc = "&amp;";
        break;
      case 60:
        esc = "&lt;";
        break;
      case 62:
        esc = "&gt;";
        break;
      case 9:
        esc = "&#x9;";
        break;
      case 10:
        esc = "&#xA;";
        break;
      case 13:
        esc = "&#xD;";
        break;
      default:
        if (c < 0x20 || c === 0xfffe || c === 0xffff) {
          esc = "\uFFFD";
        } else if (c >= 0xd800 && c <= 0xdfff) {
          const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            i++;
            continue;
          }
          esc = "\uFFFD";
        }
    }
    if (esc !== undefined) {
      out += s.slice(last, i) + esc;
      last = i + 1;
    }
  }
  return out + s.slice(last);
}

function base64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

// ---------------------------------------------------------------------------------------------
// object output

function objScalar(kind: Kind, bits: number, node: XmlNode): unknown {
  const text = node.text;
  switch (kind) {
    case Kind.String:
      return text;
    case Kind.Int:
    case Kind.Int64:
    case Kind.Uint:
      return intNumber(text, kind, bits);
    case Kind.Bool:
      return boolValue(text);
    case Kind.Float32:
    case Kind.Float64:
      return floatObjValue(floatValue(text, bits), bits);
    case Kind.Time:
      return goTime(text);
    case Kind.Bytes:
      return base64(text);
    case Kind.MoRef:
      return { Type: node.attrs?.type ?? "", Value: text };
    default:
      return null;
  }
}

function objZero(f: PField): unknown {
  switch (f.kind) {
    case Kind.String:
      return "";
    case Kind.Int:
    case Kind.Int64:
    case Kind.Uint:
    case Kind.Float32:
    case Kind.Float64:
      return 0;
    case Kind.Bool:
      return false;
    case Kind.Time:
      return GO_ZERO_TIME;
    case Kind.MoRef:
      return { Type: "", Value: "" };
    case Kind.Struct:
      return objStruct(EMPTY_NODE, fieldPlan(f));
    default:
      return null; // bytes (nil slice), any
  }
}

function objAny(node: XmlNode): unknown {
  const k = anyKindOf(node);
  if (k === undefined) return null;
  if (k.kind === Kind.Struct) return objStruct(node, k.plan as Plan);
  return objScalar(k.kind, k.bits, node);
}

function objOne(f: PField, node: XmlNode): unknown {
  switch (f.shape) {
    case Shape.Iface:
    case Shape.IfaceSlice:
      return objStruct(node, classPlan(node, f.typeName));
    case Shape.Any:
    case Shape.AnySlice:
      return objAny(node);
    default:
      return f.kind === Kind.Struct ? objStruct(node, fieldPlan(f)) : objScalar(f.kind, f.bits, node);
  }
}

function objStruct(node: XmlNode, plan: Plan): Record<string, unknown> {
  const fields = plan.fields;
  const out: Record<string, unknown> = {};
  if (fields.length === 0) return out;
  if (depth >= MAX_DEPTH) return tooDeep() as unknown as Record<string, unknown>;
  depth++;
  const slots = collect(node, plan);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const s = slots[i];
    if (s === undefined) {
      out[f.go] = f.shape === Shape.Value ? objZero(f) : null;
    } else if (f.many) {
      const a = s as XmlNode[];
      const arr = new Array<unknown>(a.length);
      for (let j = 0; j < a.length; j++) arr[j] = objOne(f, a[j]);
      out[f.go] = arr;
    } else {
      out[f.go] = objOne(f, s as XmlNode);
    }
  }
  depth--;
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON text output

function jsonScalar(kind: Kind, bits: number, node: XmlNode, goEsc: boolean): string {
  const text = node.text;
  switch (kind) {
    case Kind.String:
      return jsonStr(text, goEsc);
    case Kind.Int:
    case Kind.Int64:
    case Kind.Uint:
      return intText(text, kind, bits);
    case Kind.Bool:
      return boolValue(text) ? "true" : "false";
    case Kind.Float32:
    case Kind.Float64:
      return floatJsonText(floatValue(text, bits), bits);
    case Kind.Time:
      return jsonStr(goTime(text), goEsc);
    case Kind.Bytes:
      return '"' + base64(text) + '"';
    case Kind.MoRef:
      return '{"Type":' + jsonStr(node.attrs?.type ?? "", goEsc) + ',"Value":' + jsonStr(text, goEsc) + "}";
    default:
      return "null";
  }
}

function jsonZero(f: PField, goEsc: boolean): string {
  switch (f.kind) {
    case Kind.String:
      return '""';
    case Kind.Int:
    case Kind.Int64:
    case Kind.Uint:
    case Kind.Float32:
    case Kind.Float64:
      return "0";
    case Kind.Bool:
      return "false";
    case Kind.Time:
      return '"' + GO_ZERO_TIME + '"';
    case Kind.MoRef:
      return '{"Type":"","Value":""}';
    case Kind.Struct: {
      const p = fieldPlan(f);
      const cached = goEsc ? p.zeroJsonGo : p.zeroJsonJs;
      if (cached !== undefined) return cached;
      const saved = depth; // a zero struct is shallow (Go has no recursive value types)
      depth = 0;
      const z = jsonStruct(EMPTY_NODE, p, goEsc);
      depth = saved;
      if (goEsc) p.zeroJsonGo = z;
      else p.zeroJsonJs = z;
      return z;
    }
    default:
      return "null";
  }
}

function jsonAny(node: XmlNode, goEsc: boolean): string {
  const k = anyKindOf(node);
  if (k === undefined) return "null";
  if (k.kind === Kind.Struct) return jsonStruct(node, k.plan as Plan, goEsc);
  return jsonScalar(k.kind, k.bits, node, goEsc);
}

function jsonOne(f: PField, node: XmlNode, goEsc: boolean): string {
  switch (f.shape) {
    case Shape.Iface:
    case Shape.IfaceSlice:
      return jsonStruct(node, classPlan(node, f.typeName), goEsc);
    case Shape.Any:
    case Shape.AnySlice:
      return jsonAny(node, goEsc);
    default:
      return f.kind === Kind.Struct ? jsonStruct(node, fieldPlan(f), goEsc) : jsonScalar(f.kind, f.bits, node, goEsc);
  }
}

function jsonStruct(node: XmlNode, plan: Plan, goEsc: boolean): string {
  const fields = plan.fields;
  if (fields.length === 0) return "{}";
  if (depth >= MAX_DEPTH) return tooDeep() ?? "null";
  depth++;
  const slots = collect(node, plan);
  let out = "{";
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const s = slots[i];
    if (i > 0) out += ",";
    out += f.jsonKey;
    if (s === undefined) {
      out += f.shape === Shape.Value ? jsonZero(f, goEsc) : "null";
    } else if (f.many) {
      const a = s as XmlNode[];
      out += "[";
      for (let j = 0; j < a.length; j++) {
        if (j > 0) out += ",";
        out += jsonOne(f, a[j], goEsc);
      }
      out += "]";
    } else {
      out += jsonOne(f, s as XmlNode, goEsc);
    }
  }
  depth--;
  return out + "}";
}

// ---------------------------------------------------------------------------------------------
// XML output (Go's encoding/xml: omitempty on decoded values, nil pointers/interfaces left out,
// slices repeat the element, MoRef as text with a type attribute)

/** Escaped text of a scalar, or undefined when the value is empty for `omitempty`. */
function xmlScalarText(kind: Kind, bits: number, text: string, omit: boolean): string | undefined {
  switch (kind) {
    case Kind.String:
    case Kind.Bytes:
      return omit && text.length === 0 ? undefined : xmlEsc(text);
    case Kind.Int:
    case Kind.Int64:
    case Kind.Uint: {
      const t = intText(text, kind, bits);
      return omit && t === "0" ? undefined : t;
    }
    case Kind.Bool: {
      const b = boolValue(text);
      return omit && !b ? undefined : b ? "true" : "false";
    }
    case Kind.Float32:
    case Kind.Float64: {
      const v = floatValue(text, bits);
      return omit && v === 0 ? undefined : floatXmlText(v, bits);
    }
    case Kind.Time:
      return xmlEsc(goTime(text));
    default:
      return "";
  }
}

function xmlMoRef(open: string, close: string, node: XmlNode): string {
  return open + xmlEsc(node.attrs?.type ?? "") + '">' + xmlEsc(node.text) + close;
}

function xmlZero(f: PField): string {
  switch (f.kind) {
    case Kind.String:
    case Kind.Bytes:
      return f.omit ? "" : f.xmlOpen + f.xmlClose;
    case Kind.Int:
    case Kind.Int64:
    case Kind.Uint:
    case Kind.Float32:
    case Kind.Float64:
      return f.omit ? "" : f.xmlOpen + "0" + f.xmlClose;
    case Kind.Bool:
      return f.omit ? "" : f.xmlOpen + "false" + f.xmlClose;
    case Kind.Time:
      return f.xmlOpen + GO_ZERO_TIME + f.xmlClose;
    case Kind.MoRef:
      return f.xmlOpenRef + '">' + f.xmlClose;
    case Kind.Struct: {
      const p = fieldPlan(f);
      if (p.zeroXmlInner === undefined) {
        const saved = depth;
        depth = 0;
        p.zeroXmlInner = xmlInner(EMPTY_NODE, p);
        depth = saved;
      }
      return f.xmlOpen + p.zeroXmlInner + f.xmlClose;
    }
    default:
      return "";
  }
}

function xmlAny(f: PField, node: XmlNode): string {
  const k = anyKindOf(node);
  if (k === undefined) return "";
  if (k.kind === Kind.Struct) return xmlStructElem(f.xml, f.xmlOpen, f.xmlClose, node, k.plan as Plan);
  if (k.kind === Kind.MoRef) return xmlMoRef(f.xmlOpenRef, f.xmlClose, node);
  // inside an interface the value is never "empty" for omitempty
  return f.xmlOpen + xmlScalarText(k.kind, k.bits, node.text, false) + f.xmlClose;
}

function xmlOne(f: PField, node: XmlNode): string {
  switch (f.shape) {
    case Shape.Iface:
    case Shape.IfaceSlice:
      return xmlStructElem(f.xml, f.xmlOpen, f.xmlClose, node, classPlan(node, f.typeName));
    case Shape.Any:
    case Shape.AnySlice:
      return xmlAny(f, node);
    default:
      break;
  }
  switch (f.kind) {
    case Kind.Struct:
      return xmlStructElem(f.xml, f.xmlOpen, f.xmlClose, node, fieldPlan(f));
    case Kind.MoRef:
      return xmlMoRef(f.xmlOpenRef, f.xmlClose, node);
    default: {
      // omitempty applies to a value field and, element by element, to a slice (Go's
      // marshalValue checks each element with the field's flags: "" in []string is left
      // out); a non-nil pointer is never empty
      const t = xmlScalarText(f.kind, f.bits, node.text, f.omit && f.shape !== Shape.Pointer);
      return t === undefined ? "" : f.xmlOpen + t + f.xmlClose;
    }
  }
}

function xmlInner(node: XmlNode, plan: Plan): string {
  const fields = plan.fields;
  if (fields.length === 0) return "";
  if (depth >= MAX_DEPTH) return tooDeep() ?? "";
  depth++;
  const slots = collect(node, plan);
  let out = "";
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.mode !== Mode.Element) continue;
    const s = slots[i];
    if (s === undefined) {
      if (f.shape === Shape.Value) out += xmlZero(f);
    } else if (f.many) {
      const a = s as XmlNode[];
      for (let j = 0; j < a.length; j++) out += xmlOne(f, a[j]);
    } else {
      out += xmlOne(f, s as XmlNode);
    }
  }
  depth--;
  return out;
}

function xmlStructElem(name: string, open: string, close: string, node: XmlNode, plan: Plan): string {
  if (!plan.hasModes) return open + xmlInner(node, plan) + close;
  // generic attr / chardata fields (only ManagedObjectReference has them in vim25)
  const slots = collect(node, plan);
  let attrs = "";
  let chardata = "";
  plan.fields.forEach((f, i) => {
    const s = slots[i] as XmlNode;
    if (f.mode === Mode.Attr) {
      const t = xmlScalarText(f.kind, f.bits, s.text, f.omit);
      if (t !== undefined) attrs += " " + f.xml + '="' + t + '"';
    } else if (f.mode === Mode.CharData) {
      chardata += xmlScalarText(f.kind, f.bits, s.text, false) ?? "";
    }
  });
  return "<" + name + attrs + ">" + chardata + xmlInner(node, plan) + close;
}

// ---------------------------------------------------------------------------------------------
// safety: nesting depth and unexpected errors

/**
 * Nesting deeper than this (real events stay below 20 levels; recursive types such as
 * LocalizedMethodFault.fault.faultCause allow any depth) is cut: the deeper value becomes null
 * in JSON and is left empty in XML, with one warning. Keeps a hostile page from overflowing
 * the stack.
 */
const MAX_DEPTH = 200;
let depth = 0;

function tooDeep(): null {
  warnOnce(
    "(nesting deeper than " + MAX_DEPTH + " levels)",
    null,
    `a vSphere event nests deeper than ${MAX_DEPTH} levels; the deeper values are converted as null`,
  );
  return null;
}

/** Run a conversion; an unexpected internal error is logged once and gives `fallback`. */
function guarded<T>(event: XmlNode, fn: () => T, fallback: () => T): T {
  depth = 0;
  try {
    return fn();
  } catch (err) {
    const cls = event.type ?? "Event";
    warnOnce("\u0000error " + cls, null, `converting a vSphere ${cls} failed (${(err as Error)?.message ?? String(err)}); its data is left empty`);
    return fallback();
  } finally {
    depth = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// public API

function eventPlan(event: XmlNode): Plan {
  const t = event.type;
  if (t === undefined || t === "") return planFor("Event") as Plan; // govmomi: BaseEvent -> Event
  return planFor(t) ?? resolveUnknown(t, "Event", event);
}

/**
 * The event as the object Go's encoding/json would describe (key order as Go writes it).
 * An int64 beyond +-(2^53 - 1) is held as the nearest double; use eventToJsonString for the
 * exact text.
 */
export function eventToJson(event: XmlNode): Record<string, unknown> {
  return guarded(
    event,
    () => objStruct(event, eventPlan(event)),
    () => ({}),
  );
}

export interface JsonStringOptions {
  /**
   * Escape <, >, & (and U+2028, U+2029) as \u003c... the way Go's json.Marshal does (default
   * true: the bytes are then identical to Go's). With false, strings are escaped as
   * JSON.stringify does, so the text equals JSON.stringify(eventToJson(event)) whenever the event
   * has no int64 beyond 2^53.
   */
  escapeHTML?: boolean;
}

/** The exact text of Go's json.Marshal of the govmomi event struct. */
export function eventToJsonString(event: XmlNode, options?: JsonStringOptions): string {
  const goEsc = options?.escapeHTML !== false;
  return guarded(
    event,
    () => jsonStruct(event, eventPlan(event), goEsc),
    () => "{}",
  );
}

/**
 * The exact text of Go's encoding/xml.Marshal of the govmomi event struct: root element = the
 * Go type name (the class, or the Go type govmomi's registry maps a vim name to), no
 * namespace, no xsi:type (the VSphereSource `application/xml` data).
 * For a class unknown to the catalog the root element keeps the class name from the XML and the
 * children are those of the nearest known base.
 */
export function eventToXml(event: XmlNode): string {
  const t = event.type !== undefined && event.type !== "" ? event.type : "Event";
  return guarded(
    event,
    () => {
      const plan = eventPlan(event);
      const name = planFor(t) === undefined ? t : plan.name;
      return xmlStructElem(name, "<" + name + ">", "</" + name + ">", event, plan);
    },
    () => "<" + t + "></" + t + ">",
  );
}

/**
 * The class (Go type) the converter uses for this event: the xsi:type when the catalog knows
 * it (for a name govmomi's registry maps to another Go type, that type), otherwise the nearest
 * known base (see resolveUnknown).
 */
export function convertedClassOf(event: XmlNode): string {
  return eventPlan(event).name;
}

/** @internal helpers exposed for unit tests */
export const _internal = {
  goTime,
  floatJsonText,
  floatXmlText,
  jsonStr,
  xmlEsc,
  intText,
  resetUnknownClassWarnings(): void {
    warnedClasses.clear();
    unknownResolved.clear();
    anyKinds.clear();
  },
};
