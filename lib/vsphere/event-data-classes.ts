/**
 * Classes in the event XML: known ones (a plan), unknown ones (a vCenter newer than the catalog:
 * converted as their nearest known base, see resolveUnknown), and AnyType's xsi:type.
 *
 * What a converter remembers about unknown classes (the choice made for each, the classes
 * already logged) is keyed by names the vCenter sends, so it is bounded: UnknownClasses keeps
 * the choices of the MAX_UNKNOWN_CLASSES most recently seen names and logs at most that many
 * classes, then one line saying it stops; conversion goes on either way.
 */
import { LruMap } from "../common/lru-map";
import * as catalog from "./catalog";
import { Kind, Mode, Shape, planFor, type Plan } from "./event-data-plan";
import { XSD_NS, type XmlNode } from "./xml";

/** Receives the once-per-class line about a class missing from the catalog. */
export type UnknownClassLogger = (message: string, info: { className: string; convertedAs: string | null }) => void;

/** Unknown class names a converter remembers (choices kept, lines logged). */
export const MAX_UNKNOWN_CLASSES = 1000;

/** A converter's memory of unknown classes and where their log lines go. */
export class UnknownClasses {
  /** declaredBase + NUL + class name -> the plan chosen for it */
  readonly resolved: LruMap<string, Plan>;
  private readonly warned = new Set<string>();
  private stopped = false;

  constructor(
    public logger: UnknownClassLogger | undefined,
    readonly capacity = MAX_UNKNOWN_CLASSES,
  ) {
    this.resolved = new LruMap(capacity);
  }

  /** number of class names remembered (choices and logged names) */
  get remembered(): number {
    return this.resolved.size + this.warned.size;
  }

  /** Log one line for `className`, once; past `capacity` classes, nothing more. */
  warnOnce(className: string, convertedAs: string | null, message?: string): void {
    if (this.stopped || this.warned.has(className)) return;
    if (this.warned.size >= this.capacity) {
      this.stopped = true;
      this.emit(
        `more than ${this.capacity} vSphere classes or conversion problems were reported; no more such lines are logged (conversion goes on)`,
        "(too many unknown classes)",
        null,
      );
      return;
    }
    this.warned.add(className);
    if (message === undefined) {
      const v = catalog.catalogSource().version;
      message =
        convertedAs === null
          ? `vSphere type ${className} is not in the type catalog (govmomi ${v}); its value is converted as null`
          : `vSphere class ${className} is not in the type catalog (govmomi ${v}); converting it as its nearest known base ${convertedAs}`;
    }
    this.emit(message, className, convertedAs);
  }

  clear(): void {
    this.resolved.clear();
    this.warned.clear();
    this.stopped = false;
  }

  private emit(message: string, className: string, convertedAs: string | null): void {
    const fn = this.logger;
    if (fn === undefined) return;
    try {
      fn(message, { className, convertedAs });
    } catch {
      /* a logger must not break the event path */
    }
  }
}

/** State of one conversion: its nesting depth and its converter's class memory. */
export interface Conversion {
  depth: number;
  readonly classes: UnknownClasses;
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

interface Candidate {
  readonly name: string;
  readonly plan: Plan;
  /** element names of its fields, and whether each is required (see resolveUnknown) */
  readonly elements: readonly string[];
  readonly required: readonly boolean[];
  readonly depth: number;
}

/** candidates per declared base: catalog names only, so bounded by the catalog */
const candidates = new Map<string, Candidate[]>();

function candidatesOf(declaredBase: string): Candidate[] {
  let list = candidates.get(declaredBase);
  if (list !== undefined) return list;
  list = [];
  for (const name of catalog.subclassesOf(declaredBase)) {
    const plan = planFor(name);
    if (plan === undefined) continue;
    const elements: string[] = [];
    const required: boolean[] = [];
    for (const f of plan.fields) {
      if (f.mode !== Mode.Element) continue;
      elements.push(f.xml);
      required.push(!f.omit && f.shape !== Shape.Pointer);
    }
    list.push({ name, plan, elements, required, depth: catalog.baseChain(name).length });
  }
  candidates.set(declaredBase, list);
  return list;
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
export function resolveUnknown(className: string, declaredBase: string, node: XmlNode, ctx: Conversion): Plan {
  const key = declaredBase + "\u0000" + className;
  const done = ctx.classes.resolved.get(key);
  if (done !== undefined) return done;
  const names = new Set<string>();
  for (const c of node.children) names.add(c.name);
  let best: Plan | undefined;
  let bestScore = 0;
  let bestStem = 0;
  let bestDepth = 0;
  for (const cand of candidatesOf(declaredBase)) {
    let score = 0;
    const fields = cand.elements;
    for (let i = 0; i < fields.length; i++) {
      if (names.has(fields[i])) score++;
      else if (cand.required[i]) score--;
    }
    const stem = stemPrefix(cand.name, className);
    const depth = cand.depth;
    const better =
      best === undefined ||
      score > bestScore ||
      (score === bestScore &&
        (stem > bestStem || (stem === bestStem && (depth < bestDepth || (depth === bestDepth && cand.name < best.name)))));
    if (better) {
      best = cand.plan;
      bestScore = score;
      bestStem = stem;
      bestDepth = depth;
    }
  }
  if (best === undefined) {
    // declaredBase itself is unknown: cannot happen with a consistent catalog
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- planFor is typed Plan, but best is narrowed to undefined here
    best = planFor("DynamicData") as Plan;
  }
  ctx.classes.resolved.set(key, best);
  ctx.classes.warnOnce(className, best.name);
  return best;
}

/** Plan for a polymorphic value declared as Base<declaredBase>. */
export function classPlan(node: XmlNode, declaredBase: string, ctx: Conversion): Plan {
  const t = node.type;
  if (t === undefined || t === "") {
    // govmomi: no xsi:type -> the interface's base class (types.TypeFunc()("Base<X>"))
    return planFor(declaredBase) ?? resolveUnknown(declaredBase, "DynamicData", node, ctx);
  }
  return planFor(t) ?? resolveUnknown(t, declaredBase, node, ctx);
}

export interface AnyKind {
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
/** AnyType kinds of catalog types (enums, classes): bounded by the catalog */
const anyKinds = new Map<string, AnyKind>();

/** What an AnyType element holds, or undefined for nil. */
export function anyKindOf(node: XmlNode, ctx: Conversion): AnyKind | undefined {
  const t = node.type;
  if (t === undefined || t === "") return undefined; // govmomi: no type -> nil interface
  const ns = node.typeNs;
  if (ns === XSD_NS || ns === undefined) {
    const x = XSD_KINDS[t];
    if (x !== undefined && Object.prototype.hasOwnProperty.call(XSD_KINDS, t)) return x;
    if (ns === XSD_NS) {
      ctx.classes.warnOnce("xsd:" + t, null);
      return undefined;
    }
  }
  if (t === "ManagedObjectReference") return MOREF_ANY;
  const cached = anyKinds.get(t);
  if (cached !== undefined) return cached;
  if (catalog.isEnum(t)) {
    // an enum value (xsi:type="VirtualMachinePowerState"): govmomi decodes the Go string type
    const k: AnyKind = { kind: Kind.String, bits: 0, plan: undefined };
    anyKinds.set(t, k);
    return k;
  }
  const p = planFor(t);
  if (p === undefined) {
    // govmomi leaves an AnyType of an unknown type nil; there is no declared base to fall back to
    ctx.classes.warnOnce(t, null);
    return undefined;
  }
  const k: AnyKind = { kind: Kind.Struct, bits: 0, plan: p };
  anyKinds.set(t, k);
  return k;
}

