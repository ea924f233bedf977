/**
 * The package's editor endpoints on Node-RED's admin API, registered once per runtime by every
 * node type that uses them:
 *   POST <httpAdminRoot>/vmware-events/filter   {filter: "<event pattern>"} -> {ok} | {ok: false, error}
 *     the source dialogs validate a content filter as it is typed, with the runtime's compiler.
 *   GET  <httpAdminRoot>/vmware-events/filter-fields?classes=A,B  -> ["type", "data.Vm.Name", ...]
 *     the field paths a filter can test: the CloudEvent attributes and, for the given vSphere
 *     event classes, their data (from the type catalog), for the dialogs' suggestions.
 */
import type { NodeAPI } from "node-red";
import { compileFilter } from "../lib/source/filter";
import { fieldPaths } from "../lib/vsphere/field-paths";

const registered = new WeakSet<object>();

interface Req {
  body?: unknown;
  query?: Record<string, unknown>;
}
interface Res {
  json(v: unknown): void;
  status(code: number): Res;
}

export function registerAdminApi(RED: NodeAPI): void {
  const admin = RED.httpAdmin as unknown as object | undefined;
  if (admin === undefined || admin === null || registered.has(admin)) return;
  registered.add(admin);
  const needs = RED.auth.needsPermission("vmware-events.read");
  RED.httpAdmin.post("/vmware-events/filter", needs, (req: Req, res: Res) => {
    try {
      const body = req.body as { filter?: unknown } | undefined;
      const r = compileFilter(body?.filter ?? "");
      res.json(r.ok ? { ok: true } : { ok: false, error: r.error });
    } catch (err) {
      res.status(500).json({ ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  });
  RED.httpAdmin.get("/vmware-events/filter-fields", needs, (req: Req, res: Res) => {
    try {
      const q = req.query?.classes;
      const classes = (typeof q === "string" ? q : "").split(/[\s,]+/).filter((c) => /^[A-Za-z_][\w.-]{0,200}$/.test(c));
      res.json(fieldPaths(classes));
    } catch (err) {
      res.status(500).json({ error: err instanceof Error ? err.message : String(err) });
    }
  });
}
