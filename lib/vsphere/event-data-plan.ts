/**
 * Compiled conversion plans (lib/vsphere/event-data.ts): per catalog class, once, its ordered
 * fields with precomputed JSON keys and XML tags and an element-name index; and the collection
 * of an element's children into field slots.
 *
 * The plan cache holds catalog classes only (a name the catalog does not know is not
 * remembered), so it is bounded by the catalog whatever names a vCenter sends.
 */
import type { XmlNode } from "./xml";
import * as catalog from "./catalog";

export const enum Kind {
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

export const enum Shape {
  Value,
  Pointer,
  Slice,
  Iface,
  IfaceSlice,
  Any,
  AnySlice,
}

export const enum Mode {
  Element,
  Attr,
  CharData,
}

export interface PField {
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

export interface Plan {
  readonly name: string;
  readonly fields: PField[];
  /** element name -> field index (element-mode fields only) */
  readonly index: Map<string, number>;
  readonly hasModes: boolean;
  zeroJsonGo: string | undefined;
  zeroJsonJs: string | undefined;
  zeroXmlInner: string | undefined;
}


const plans = new Map<string, Plan>();

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

export function planFor(name: string): Plan | undefined {
  const cached = plans.get(name);
  if (cached !== undefined) return cached;
  const info = catalog.typeInfo(name);
  if (info === undefined) return undefined;
  if (info.name !== name) {
    // a registered vim name decoded as another Go type (vslmInfrastructureObjectPolicy)
    const p = planFor(info.name);
    if (p !== undefined) plans.set(name, p);
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

export function fieldPlan(f: PField): Plan {
  let p = f.plan;
  if (p === undefined) {
    p = planFor(f.typeName);
    if (p === undefined) throw new Error(`vim catalog: type ${f.typeName} is missing`);
    f.plan = p;
  }
  return p;
}


export type Slot = XmlNode | XmlNode[] | undefined;

export function collect(node: XmlNode, plan: Plan): Slot[] {
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

export const EMPTY_NODE: XmlNode = { name: "", children: [], text: "" };
