#!/usr/bin/env node
/*
 * Generates lib/vsphere/vim-catalog.json, the vSphere data-object type catalog, from govmomi's
 * generated Go bindings (vim25/types/types.go, enum.go, and the type registrations of the
 * package's other files).
 *
 *   node scripts/gen-vim-catalog.js [--govmomi <dir>] [--version <v>] [--out <file>]
 *
 * <dir> defaults to Debian's golang-github-vmware-govmomi-dev install
 * (/usr/share/gocode/src/github.com/vmware/govmomi). The version is read from the Debian package
 * changelog when present; pass --version when generating from another checkout.
 *
 * The catalog keeps, for every struct type that is not a SOAP request/response wrapper, its
 * embedded base type and its own fields in declaration order, as
 *   [GoName, xmlName, shape, kind, omitempty(0|1), mode?]
 * xmlName "" means the usual lower-camel form of GoName (first letter lower-cased).
 * shape: "v" value, "p" pointer, "s" slice, "i" interface Base<kind> (polymorphic, xsi:type),
 *        "si" slice of Base<kind>, "a" AnyType, "sa" []AnyType
 * kind:  string int8 int16 int32 int64 uint8 bool float32 float64 time bytes,
 *        "enum:<Name>" (a Go named string type), or a struct type name
 *        (ManagedObjectReference included). For shapes "a"/"sa" kind is "any".
 * Go-level peculiarities kept: [][]byte is shape "s" kind "bytes"; []byte is shape "v" kind "bytes".
 *
 * `aliases` lists Go defined types over a data-object struct (`type InvalidArgumentFault
 * InvalidArgument`): govmomi registers them and they marshal exactly like their struct.
 *
 * `registered` lists vim names govmomi's type registry (types.TypeFunc) maps to a Go type of
 * another name (e.g. vslmInfrastructureObjectPolicy -> VslmInfrastructureObjectPolicy):
 * govmomi decodes them as that Go type. (helpers.go also maps HostSubSpecificationUpdateEvent
 * to HostEvent, but in 0.24 types.go registers the real class after it, and that wins.)
 *
 * Only Node built-ins are used. The output is deterministic (types sorted by name).
 */
"use strict";

const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const crypto = require("crypto");

const DEFAULT_GOVMOMI = "/usr/share/gocode/src/github.com/vmware/govmomi";

function parseArgs(argv) {
  const o = {
    govmomi: DEFAULT_GOVMOMI,
    version: "",
    out: path.join(__dirname, "..", "lib", "vsphere", "vim-catalog.json"),
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === "--govmomi") (o.govmomi = v), i++;
    else if (a === "--version") (o.version = v), i++;
    else if (a === "--out") (o.out = v), i++;
    else if (a === "-h" || a === "--help") {
      console.log("usage: node scripts/gen-vim-catalog.js [--govmomi <dir>] [--version <v>] [--out <file>]");
      process.exit(0);
    } else throw new Error("unknown argument " + a);
  }
  return o;
}

function debianVersion() {
  const f = "/usr/share/doc/golang-github-vmware-govmomi-dev/changelog.Debian.gz";
  try {
    const text = zlib.gunzipSync(fs.readFileSync(f)).toString("utf8");
    const m = /^golang-github-vmware-govmomi \(([^)]+)\)/.exec(text);
    if (m) return { version: m[1].replace(/-[^-]*$/, ""), package: "golang-github-vmware-govmomi-dev " + m[1] };
  } catch {
    /* not a Debian install */
  }
  return undefined;
}

const PRIMS = new Set(["string", "int8", "int16", "int32", "int64", "uint8", "byte", "bool", "float32", "float64"]);

function main() {
  const opts = parseArgs(process.argv);
  if (!opts.version && opts.govmomi !== DEFAULT_GOVMOMI) {
    throw new Error("pass --version with --govmomi (the Debian changelog describes the default install only)");
  }
  const dir = path.join(opts.govmomi, "vim25", "types");
  const typesSrc = fs.readFileSync(path.join(dir, "types.go"), "utf8");
  const enumSrc = fs.readFileSync(path.join(dir, "enum.go"), "utf8");
  const ifSrc = fs.existsSync(path.join(dir, "if.go")) ? fs.readFileSync(path.join(dir, "if.go"), "utf8") : "";

  let version = opts.version;
  let pkg = "";
  if (!version) {
    const d = debianVersion();
    if (!d) throw new Error("cannot determine the govmomi version: pass --version");
    version = d.version;
    pkg = d.package;
  }

  // enum types: `type X string` in enum.go
  const enums = new Set();
  for (const m of enumSrc.matchAll(/^type (\w+) string$/gm)) enums.add(m[1]);

  // interfaces: `type BaseX interface {` in if.go (and types.go, to be safe)
  const ifaces = new Set();
  for (const src of [ifSrc, typesSrc]) {
    for (const m of src.matchAll(/^type (Base\w+) interface \{/gm)) ifaces.add(m[1]);
  }

  // structs
  const structs = new Map(); // name -> { base, fields }
  const lines = typesSrc.split("\n");
  let cur = null;
  let curName = "";
  for (const line of lines) {
    if (cur === null) {
      const m = /^type (\w+) struct \{\s*$/.exec(line);
      if (m) {
        curName = m[1];
        cur = { base: "", fields: [] };
      } else if (/^type (\w+) struct \{\s*\}\s*$/.test(line)) {
        structs.set(/^type (\w+)/.exec(line)[1], { base: "", fields: [] });
      }
      continue;
    }
    if (line === "}") {
      structs.set(curName, cur);
      cur = null;
      continue;
    }
    const t = line.trim();
    if (t === "" || t.startsWith("//")) continue;
    let m = /^([A-Z]\w*)$/.exec(t);
    if (m) {
      if (cur.base !== "" || cur.fields.length > 0) {
        throw new Error(`${curName}: embedded ${m[1]} is not the first and only embedded field`);
      }
      cur.base = m[1];
      continue;
    }
    m = /^([A-Z]\w*)\s+(\S+)\s+`xml:"([^"]*)"`$/.exec(t);
    if (!m) throw new Error(`${curName}: cannot parse field line: ${line}`);
    const [, goName, goType, tag] = m;
    const parts = tag.split(",");
    cur.fields.push({ goName, goType, xmlName: parts[0], flags: parts.slice(1) });
  }

  // SOAP method wrappers are not data objects: XRequestType, and XResponse holding only Returnval
  const isWrapper = (name) =>
    /RequestType$/.test(name) ||
    (/Response$/.test(name) && structs.get(name).fields.every((f) => f.goName === "Returnval") && !structs.get(name).base);

  function shapeKind(owner, f) {
    let t = f.goType;
    if (t === "[]byte") return ["v", "bytes"];
    if (t === "[][]byte") return ["s", "bytes"];
    if (t === "AnyType") return ["a", "any"];
    if (t === "[]AnyType") return ["sa", "any"];
    let shape = "v";
    if (t.startsWith("[]")) (shape = "s"), (t = t.slice(2));
    else if (t.startsWith("*")) (shape = "p"), (t = t.slice(1));
    if (t === "time.Time") return [shape, "time"];
    if (PRIMS.has(t)) return [shape, t === "byte" ? "uint8" : t];
    if (ifaces.has(t)) {
      const base = t.slice(4);
      if (shape === "p") throw new Error(`${owner}.${f.goName}: pointer to interface`);
      if (!structs.has(base)) throw new Error(`${owner}.${f.goName}: unknown interface base ${base}`);
      return [shape === "s" ? "si" : "i", base];
    }
    if (enums.has(t)) return [shape, "enum:" + t];
    if (structs.has(t)) return [shape, t];
    throw new Error(`${owner}.${f.goName}: unknown Go type ${f.goType}`);
  }

  const names = [...structs.keys()].filter((n) => !isWrapper(n)).sort();

  // defined types over a data-object struct, `type InvalidArgumentFault InvalidArgument`: the
  // SOAP fault-detail names. govmomi registers them, its encoder writes them as xsi:type when a
  // value has that Go type, and they marshal exactly like their struct.
  const aliases = {};
  for (const m of typesSrc.matchAll(/^type (\w+) (\w+)$/gm)) {
    const [, name, target] = m;
    if (structs.has(target) && !isWrapper(target) && !structs.has(name)) aliases[name] = target;
  }
  const types = {};
  let fieldCount = 0;
  for (const name of names) {
    const s = structs.get(name);
    const fields = [];
    for (const f of s.fields) {
      const [shape, kind] = shapeKind(name, f);
      const mode = f.flags.includes("attr") ? "attr" : f.flags.includes("chardata") ? "chardata" : "";
      const defaultXml = f.goName[0].toLowerCase() + f.goName.slice(1);
      const row = [f.goName, f.xmlName === defaultXml ? "" : f.xmlName, shape, kind, f.flags.includes("omitempty") ? 1 : 0];
      if (mode) row.push(mode);
      fields.push(row);
      fieldCount++;
    }
    types[name] = [s.base, fields];
  }
  // every base and every named field type must be in the catalog
  for (const name of names) {
    const [base, fields] = types[name];
    if (base && !types[base]) throw new Error(`${name}: base ${base} not in catalog`);
    for (const f of fields) {
      const k = f[3];
      if (!PRIMS.has(k) && k !== "time" && k !== "bytes" && k !== "any" && !k.startsWith("enum:") && !types[k]) {
        throw new Error(`${name}.${f[0]}: type ${k} not in catalog`);
      }
    }
  }

  // names govmomi's type registry maps to a Go type of another name
  // (types.TypeFunc: t["vslmInfrastructureObjectPolicy"] = VslmInfrastructureObjectPolicy)
  const registered = {};
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith(".go") || f.endsWith("_test.go")) continue;
    const src = fs.readFileSync(path.join(dir, f), "utf8");
    for (const m of src.matchAll(/t\["(\w+)"\] = reflect\.TypeOf\(\(\*(\w+)\)\(nil\)\)\.Elem\(\)/g)) {
      const [, name, goType] = m;
      if (name === goType || name === "Base" + goType) continue; // "BaseX": the no-xsi:type fallback of interface BaseX
      if ((types[goType] || enums.has(goType)) && !types[name] && !aliases[name] && !enums.has(name)) registered[name] = goType;
    }
  }

  const out = {
    govmomi: {
      version,
      package: pkg,
      source: "vim25/types/types.go",
      sha256: crypto.createHash("sha256").update(typesSrc).digest("hex"),
      license: "Apache-2.0; " + ((/Copyright \(c\) [^\n]*?VMware, Inc\./.exec(typesSrc) || ["Copyright VMware, Inc."])[0]) + " (see NOTICE)",
    },
    format:
      "types: name -> [embedded base type ('' = none), fields]; field = [GoName, xmlName ('' = GoName with its first letter lower-cased), shape, kind, omitempty(0|1), mode?]; " +
      "shape: v value, p pointer, s slice, i interface Base<kind>, si []Base<kind>, a AnyType, sa []AnyType; " +
      "kind: string int8 int16 int32 int64 uint8 bool float32 float64 time bytes any enum:<Name> or a type name; mode: attr | chardata. " +
      "aliases: Go defined types over a struct (type XFault X), same fields as X. " +
      "registered: vim names govmomi's type registry maps to a Go type of another name (the Go type is used). " +
      "Generated by scripts/gen-vim-catalog.js; do not edit.",
    enums: [...enums].sort(),
    aliases,
    registered,
    types,
  };

  // one type per line keeps diffs readable
  const body = Object.keys(types)
    .map((n) => "    " + JSON.stringify(n) + ": " + JSON.stringify(types[n]))
    .join(",\n");
  const text =
    "{\n" +
    '  "govmomi": ' + JSON.stringify(out.govmomi) + ",\n" +
    '  "format": ' + JSON.stringify(out.format) + ",\n" +
    '  "enums": ' + JSON.stringify(out.enums) + ",\n" +
    '  "aliases": ' + JSON.stringify(Object.fromEntries(Object.keys(aliases).sort().map((k) => [k, aliases[k]]))) + ",\n" +
    '  "registered": ' + JSON.stringify(Object.fromEntries(Object.keys(registered).sort().map((k) => [k, registered[k]]))) + ",\n" +
    '  "types": {\n' + body + "\n  }\n}\n";
  JSON.parse(text); // sanity
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  fs.writeFileSync(opts.out, text);
  console.log(
    `wrote ${opts.out}: govmomi ${version}, ${names.length} types, ${fieldCount} fields, ` +
      `${Object.keys(aliases).length} aliases, ${enums.size} enums, ${text.length} bytes`,
  );
}

main();
