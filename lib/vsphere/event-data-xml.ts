/**
 * XML output of the converter (lib/vsphere/event-data.ts): Go's encoding/xml of the govmomi
 * struct (omitempty on decoded values, nil pointers/interfaces left out, slices repeat the
 * element, MoRef as text with a type attribute).
 */
import { anyKindOf, classPlan, type Conversion } from "./event-data-classes";
import { collect, EMPTY_NODE, fieldPlan, Kind, Mode, Shape, type PField, type Plan } from "./event-data-plan";
import { tooDeep, MAX_DEPTH } from "./event-data-depth";
import { xmlEsc } from "./go-escape";
import { boolValue, floatValue, floatXmlText, GO_ZERO_TIME, goTime, intText } from "./go-text";
import type { XmlNode } from "./xml";

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

function xmlZero(f: PField, ctx: Conversion): string {
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
        const saved = ctx.depth;
        ctx.depth = 0;
        p.zeroXmlInner = xmlInner(EMPTY_NODE, p, ctx);
        ctx.depth = saved;
      }
      return f.xmlOpen + p.zeroXmlInner + f.xmlClose;
    }
    default:
      return "";
  }
}

function xmlAny(f: PField, node: XmlNode, ctx: Conversion): string {
  const k = anyKindOf(node, ctx);
  if (k === undefined) return "";
  if (k.kind === Kind.Struct) return xmlStructElem(f.xml, f.xmlOpen, f.xmlClose, node, k.plan as Plan, ctx);
  if (k.kind === Kind.MoRef) return xmlMoRef(f.xmlOpenRef, f.xmlClose, node);
  // inside an interface the value is never "empty" for omitempty
  return f.xmlOpen + xmlScalarText(k.kind, k.bits, node.text, false) + f.xmlClose;
}

function xmlOne(f: PField, node: XmlNode, ctx: Conversion): string {
  switch (f.shape) {
    case Shape.Iface:
    case Shape.IfaceSlice:
      return xmlStructElem(f.xml, f.xmlOpen, f.xmlClose, node, classPlan(node, f.typeName, ctx), ctx);
    case Shape.Any:
    case Shape.AnySlice:
      return xmlAny(f, node, ctx);
    default:
      break;
  }
  switch (f.kind) {
    case Kind.Struct:
      return xmlStructElem(f.xml, f.xmlOpen, f.xmlClose, node, fieldPlan(f), ctx);
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

function xmlInner(node: XmlNode, plan: Plan, ctx: Conversion): string {
  const fields = plan.fields;
  if (fields.length === 0) return "";
  if (ctx.depth >= MAX_DEPTH) return tooDeep(ctx) ?? "";
  ctx.depth++;
  const slots = collect(node, plan);
  let out = "";
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.mode !== Mode.Element) continue;
    const s = slots[i];
    if (s === undefined) {
      if (f.shape === Shape.Value) out += xmlZero(f, ctx);
    } else if (f.many) {
      const a = s as XmlNode[];
      for (let j = 0; j < a.length; j++) out += xmlOne(f, a[j], ctx);
    } else {
      out += xmlOne(f, s as XmlNode, ctx);
    }
  }
  ctx.depth--;
  return out;
}

export function xmlStructElem(name: string, open: string, close: string, node: XmlNode, plan: Plan, ctx: Conversion): string {
  if (!plan.hasModes) return open + xmlInner(node, plan, ctx) + close;
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
  return "<" + name + attrs + ">" + chardata + xmlInner(node, plan, ctx) + close;
}
