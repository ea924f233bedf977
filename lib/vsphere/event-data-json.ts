/**
 * JSON text output of the converter (lib/vsphere/event-data.ts): the exact bytes of Go's
 * json.Marshal of the govmomi struct.
 */
import { anyKindOf, classPlan, type Conversion } from "./event-data-classes";
import { collect, EMPTY_NODE, fieldPlan, Kind, Shape, type PField, type Plan } from "./event-data-plan";
import { tooDeep, MAX_DEPTH } from "./event-data-depth";
import { base64, jsonStr } from "./go-escape";
import { boolValue, floatJsonText, floatValue, GO_ZERO_TIME, goTime, intText } from "./go-text";
import type { XmlNode } from "./xml";

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

function jsonZero(f: PField, goEsc: boolean, ctx: Conversion): string {
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
      const saved = ctx.depth; // a zero struct is shallow (Go has no recursive value types)
      ctx.depth = 0;
      const z = jsonStruct(EMPTY_NODE, p, goEsc, ctx);
      ctx.depth = saved;
      if (goEsc) p.zeroJsonGo = z;
      else p.zeroJsonJs = z;
      return z;
    }
    default:
      return "null";
  }
}

function jsonAny(node: XmlNode, goEsc: boolean, ctx: Conversion): string {
  const k = anyKindOf(node, ctx);
  if (k === undefined) return "null";
  if (k.kind === Kind.Struct) return jsonStruct(node, k.plan as Plan, goEsc, ctx);
  return jsonScalar(k.kind, k.bits, node, goEsc);
}

function jsonOne(f: PField, node: XmlNode, goEsc: boolean, ctx: Conversion): string {
  switch (f.shape) {
    case Shape.Iface:
    case Shape.IfaceSlice:
      return jsonStruct(node, classPlan(node, f.typeName, ctx), goEsc, ctx);
    case Shape.Any:
    case Shape.AnySlice:
      return jsonAny(node, goEsc, ctx);
    default:
      return f.kind === Kind.Struct ? jsonStruct(node, fieldPlan(f), goEsc, ctx) : jsonScalar(f.kind, f.bits, node, goEsc);
  }
}

export function jsonStruct(node: XmlNode, plan: Plan, goEsc: boolean, ctx: Conversion): string {
  const fields = plan.fields;
  if (fields.length === 0) return "{}";
  if (ctx.depth >= MAX_DEPTH) return tooDeep(ctx) ?? "null";
  ctx.depth++;
  const slots = collect(node, plan);
  let out = "{";
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const s = slots[i];
    if (i > 0) out += ",";
    out += f.jsonKey;
    if (s === undefined) {
      out += f.shape === Shape.Value ? jsonZero(f, goEsc, ctx) : "null";
    } else if (f.many) {
      const a = s as XmlNode[];
      out += "[";
      for (let j = 0; j < a.length; j++) {
        if (j > 0) out += ",";
        out += jsonOne(f, a[j], goEsc, ctx);
      }
      out += "]";
    } else {
      out += jsonOne(f, s as XmlNode, goEsc, ctx);
    }
  }
  ctx.depth--;
  return out + "}";
}
