/**
 * Object output of the converter (lib/vsphere/event-data.ts): the event as the plain object Go's
 * encoding/json would describe, key order as Go writes it.
 */
import { anyKindOf, classPlan, type Conversion } from "./event-data-classes";
import { collect, EMPTY_NODE, fieldPlan, Kind, Shape, type PField, type Plan } from "./event-data-plan";
import { tooDeep, MAX_DEPTH } from "./event-data-depth";
import { base64 } from "./go-escape";
import { boolValue, floatObjValue, floatValue, GO_ZERO_TIME, goTime, intNumber } from "./go-text";
import type { XmlNode } from "./xml";

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
      return moRef(node.attrs?.type ?? "", text);
    default:
      return null;
  }
}

/**
 * A ManagedObjectReference of the payload ({Type, Value}, in that order). Built from an empty
 * object, not a literal with properties: the payload lives as long as its event is in flight, and
 * V8 may allocate a literal site's objects straight into the old generation (see Element in
 * xml-scan.ts; test/unit/vsphere/pretenuring_spec.js).
 */
function moRef(type: string, value: string): Record<string, string> {
  const ref: Record<string, string> = {};
  ref.Type = type;
  ref.Value = value;
  return ref;
}

function objZero(f: PField, ctx: Conversion): unknown {
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
      return moRef("", "");
    case Kind.Struct:
      return objStruct(EMPTY_NODE, fieldPlan(f), ctx);
    default:
      return null; // bytes (nil slice), any
  }
}

function objAny(node: XmlNode, ctx: Conversion): unknown {
  const k = anyKindOf(node, ctx);
  if (k === undefined) return null;
  if (k.kind === Kind.Struct) return objStruct(node, k.plan as Plan, ctx);
  return objScalar(k.kind, k.bits, node);
}

function objOne(f: PField, node: XmlNode, ctx: Conversion): unknown {
  switch (f.shape) {
    case Shape.Iface:
    case Shape.IfaceSlice:
      return objStruct(node, classPlan(node, f.typeName, ctx), ctx);
    case Shape.Any:
    case Shape.AnySlice:
      return objAny(node, ctx);
    default:
      return f.kind === Kind.Struct ? objStruct(node, fieldPlan(f), ctx) : objScalar(f.kind, f.bits, node);
  }
}

export function objStruct(node: XmlNode, plan: Plan, ctx: Conversion): Record<string, unknown> {
  const fields = plan.fields;
  const out: Record<string, unknown> = {};
  if (fields.length === 0) return out;
  if (ctx.depth >= MAX_DEPTH) return tooDeep(ctx) as unknown as Record<string, unknown>;
  ctx.depth++;
  const slots = collect(node, plan);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const s = slots[i];
    if (s === undefined) {
      out[f.go] = f.shape === Shape.Value ? objZero(f, ctx) : null;
    } else if (f.many) {
      // map, not `new Array(n)`: a builtin's array has no allocation site V8 could pretenure
      // (decision 0018); the array lives as long as the event is in flight
      out[f.go] = (s as XmlNode[]).map((n) => objOne(f, n, ctx));
    } else {
      out[f.go] = objOne(f, s as XmlNode, ctx);
    }
  }
  ctx.depth--;
  return out;
}
