/**
 * The vSphere data-object type catalog (class -> base class, ordered fields with their Go shape),
 * generated from govmomi's vim25/types by scripts/gen-vim-catalog.js into vim-catalog.json.
 *
 * Loaded lazily on first use; everything here is read-only after loading.
 */
import * as fs from "fs";
import * as path from "path";

/** How a field is held in the govmomi Go struct. */
export type FieldShape =
  | "value" //     T
  | "pointer" //   *T
  | "slice" //     []T
  | "interface" // BaseT (polymorphic, xsi:type selects the concrete class)
  | "interfaceSlice" // []BaseT
  | "any" //       AnyType
  | "anySlice"; // []AnyType

/** Element kind: a primitive, `time`, `bytes`, `any`, `enum` or a struct type (`struct`). */
export type FieldKind =
  | "string"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "bool"
  | "float32"
  | "float64"
  | "time"
  | "bytes"
  | "any"
  | "enum"
  | "struct";

export interface FieldInfo {
  /** Go field name (= JSON key of the govmomi 0.24 struct) */
  readonly goName: string;
  /** XML element (or attribute) name from the struct tag */
  readonly xmlName: string;
  readonly shape: FieldShape;
  readonly kind: FieldKind;
  /** for kind `struct`: the type name; for kind `enum`: the enum type name; for interfaces: the base class */
  readonly typeName: string | undefined;
  /** `omitempty` in the xml tag */
  readonly omitEmpty: boolean;
  /** `attr` or `chardata` tag mode (only ManagedObjectReference uses them); undefined for elements */
  readonly mode: "attr" | "chardata" | undefined;
  /** the class that declares the field */
  readonly declaredIn: string;
}

export interface TypeInfo {
  readonly name: string;
  /**
   * For a Go defined type over another struct (`type InvalidArgumentFault InvalidArgument`, the
   * SOAP fault-detail names), the struct it is defined over; its fields are that struct's.
   */
  readonly aliasOf?: string;
  /** embedded base struct, undefined for roots (DynamicData, MethodFault's own root, ArrayOf*, ...) */
  readonly base: string | undefined;
  /** fields declared by this type itself, in order */
  readonly ownFields: readonly FieldInfo[];
  /** all fields, base-class fields first (Go's flattening of embedded structs), in order */
  readonly fields: readonly FieldInfo[];
}

export interface CatalogSource {
  readonly version: string;
  readonly package: string;
  readonly source: string;
  readonly sha256: string;
}

type RawField = [string, string, string, string, number, string?];
interface RawCatalog {
  govmomi: CatalogSource;
  enums: string[];
  aliases: Record<string, string>;
  registered: Record<string, string>;
  types: Record<string, [string, RawField[]]>;
}

const SHAPES: Record<string, FieldShape> = {
  v: "value",
  p: "pointer",
  s: "slice",
  i: "interface",
  si: "interfaceSlice",
  a: "any",
  sa: "anySlice",
};

const PRIMITIVE_KINDS = new Set<string>([
  "string",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "bool",
  "float32",
  "float64",
  "time",
  "bytes",
  "any",
]);

interface Loaded {
  raw: RawCatalog;
  enums: Set<string>;
  infos: Map<string, TypeInfo>;
  subclasses: Map<string, string[]> | undefined;
  eventClasses: string[] | undefined;
}

let loaded: Loaded | undefined;
let catalogFile = path.join(__dirname, "vim-catalog.json");

/** For tests and tools: load the catalog from another file (resets everything loaded). */
export function setCatalogFile(file: string): void {
  catalogFile = file;
  loaded = undefined;
}

function load(): Loaded {
  if (loaded === undefined) {
    const raw = JSON.parse(fs.readFileSync(catalogFile, "utf8")) as RawCatalog;
    loaded = {
      raw,
      enums: new Set(raw.enums),
      infos: new Map(),
      subclasses: undefined,
      eventClasses: undefined,
    };
  }
  return loaded;
}

function decodeField(declaredIn: string, f: RawField): FieldInfo {
  const [goName, xml, shapeCode, kindRaw, omit, mode] = f;
  const shape = SHAPES[shapeCode];
  if (shape === undefined) throw new Error(`vim catalog: ${declaredIn}.${goName}: bad shape ${shapeCode}`);
  let kind: FieldKind;
  let typeName: string | undefined;
  if (shape === "interface" || shape === "interfaceSlice") {
    kind = "struct";
    typeName = kindRaw;
  } else if (kindRaw.startsWith("enum:")) {
    kind = "enum";
    typeName = kindRaw.slice(5);
  } else if (PRIMITIVE_KINDS.has(kindRaw)) {
    kind = kindRaw as FieldKind;
  } else {
    kind = "struct";
    typeName = kindRaw;
  }
  return {
    goName,
    xmlName: xml === "" ? goName.charAt(0).toLowerCase() + goName.slice(1) : xml,
    shape,
    kind,
    typeName,
    omitEmpty: omit === 1,
    mode: mode === "attr" || mode === "chardata" ? mode : undefined,
    declaredIn,
  };
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The type, or undefined when the catalog does not know it. */
export function typeInfo(name: string): TypeInfo | undefined {
  const l = load();
  const cached = l.infos.get(name);
  if (cached !== undefined) return cached;
  if (!own(l.raw.types, name)) {
    if (own(l.raw.registered, name)) {
      // govmomi decodes this vim name as another Go type (vslmInfrastructureObjectPolicy)
      const target = typeInfo(l.raw.registered[name]);
      if (target !== undefined) l.infos.set(name, target);
      return target;
    }
    if (!own(l.raw.aliases, name)) return undefined;
    const target = typeInfo(l.raw.aliases[name]);
    if (target === undefined) return undefined;
    const alias: TypeInfo = { ...target, name, aliasOf: target.name };
    l.infos.set(name, alias);
    return alias;
  }
  const [base, rawFields] = l.raw.types[name];
  const ownFields = rawFields.map((f) => decodeField(name, f));
  const baseInfo = base === "" ? undefined : typeInfo(base);
  const info: TypeInfo = {
    name,
    base: base === "" ? undefined : base,
    ownFields,
    fields: baseInfo === undefined ? ownFields : [...baseInfo.fields, ...ownFields],
  };
  l.infos.set(name, info);
  return info;
}

/**
 * True for catalog types, aliases (see TypeInfo.aliasOf) and registered names (vim names
 * govmomi decodes as a Go type of another name, e.g. vslmInfrastructureObjectPolicy:
 * typeInfo(name).name is that Go type).
 */
export function hasType(name: string): boolean {
  const raw = load().raw;
  return own(raw.types, name) || own(raw.aliases, name) || own(raw.registered, name);
}

/** True for enum types (Go named string types), including registered vim names of one. */
export function isEnum(name: string): boolean {
  const l = load();
  return l.enums.has(name) || (own(l.raw.registered, name) && l.enums.has(l.raw.registered[name]));
}

/** All type names in the catalog (not the aliases), sorted. */
export function typeNames(): string[] {
  return Object.keys(load().raw.types).sort();
}

/**
 * The class and its bases, most derived first: VmPoweredOnEvent, VmEvent, Event, DynamicData.
 * For an alias: the alias, then the bases of the struct it is defined over.
 */
export function baseChain(name: string): string[] {
  const out: string[] = [];
  let t: string | undefined = name;
  const raw = load().raw;
  const types = raw.types;
  if (own(raw.registered, name)) t = raw.registered[name];
  else if (own(raw.aliases, name)) {
    out.push(name);
    t = types[raw.aliases[name]]?.[0];
  }
  while (t !== undefined && t !== "" && own(types, t)) {
    out.push(t);
    t = types[t][0];
  }
  return out;
}

/** True when `name` is `base` or derives from it (an alias derives from its struct's bases). */
export function isSubclassOf(name: string, base: string): boolean {
  const raw = load().raw;
  const types = raw.types;
  let t: string | undefined = name;
  if (name === base) return true;
  if (own(raw.aliases, name)) t = raw.aliases[name];
  else if (own(raw.registered, name)) t = raw.registered[name];
  while (t !== undefined && t !== "") {
    if (t === base) return true;
    if (!own(types, t)) return false;
    t = types[t][0];
  }
  return false;
}

/** `base` and every catalog class deriving from it (directly or not; no aliases), sorted by name. */
export function subclassesOf(base: string): string[] {
  const l = load();
  if (l.subclasses === undefined) {
    const m = new Map<string, string[]>();
    for (const name of Object.keys(l.raw.types)) {
      for (const b of baseChain(name)) {
        let list = m.get(b);
        if (list === undefined) m.set(b, (list = []));
        list.push(name);
      }
    }
    for (const list of m.values()) list.sort();
    l.subclasses = m;
  }
  return (l.subclasses.get(base) ?? []).slice();
}

/**
 * `Event` and every class deriving from it, sorted (for the editor's autocomplete), with any
 * vim event name govmomi's registry maps to another event class (none in govmomi 0.24).
 */
export function eventClasses(): string[] {
  const l = load();
  if (l.eventClasses === undefined) {
    const reg = Object.keys(l.raw.registered).filter((n) => isSubclassOf(l.raw.registered[n], "Event"));
    l.eventClasses = [...subclassesOf("Event"), ...reg].sort();
  }
  return l.eventClasses.slice();
}

export function isEventClass(name: string): boolean {
  const raw = load().raw;
  return (own(raw.types, name) || own(raw.registered, name)) && isSubclassOf(name, "Event");
}

/** Where the catalog came from (govmomi version, source file and its SHA-256). */
export function catalogSource(): CatalogSource {
  return { ...load().raw.govmomi };
}
