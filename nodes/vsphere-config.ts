/**
 * `vsphere-config`: one vCenter (address, TLS, credentials). Owns the shared SOAP session
 * (lib/vsphere/connection.ts); `vcenter-in` nodes register with it and deregister on close.
 */
import type { NodeAPI } from "node-red";
import { normaliseSdkUrl } from "../lib/vsphere/address";
import { parseConfigSettings } from "../lib/vsphere/config-settings";
import type { VsphereError } from "../lib/vsphere/faults";
import { VsphereConnection } from "../lib/vsphere/connection";
import { guardedClose } from "./close";
import type { VsphereConfigCredentials, VsphereConfigDef, VsphereConfigNode } from "./vsphere-config-types";

export = function (RED: NodeAPI): void {
  function VsphereConfig(this: VsphereConfigNode, config: VsphereConfigDef): void {
    RED.nodes.createNode(this, config);
    const creds = this.credentials ?? {};
    try {
      const sdkUrl = normaliseSdkUrl(config.address);
      if ((creds.username ?? "") === "") throw new Error(RED._("vsphere-config.errors.no-username"));
      let settings;
      try {
        settings = parseConfigSettings(config);
      } catch (err) {
        throw new Error(RED._("vsphere-config.errors.invalid-settings", { reason: err instanceof Error ? err.message : String(err) }), { cause: err });
      }
      // failures with a text of their own (a response cut off at the cap or the deadline)
      const explain = (e: VsphereError): string | undefined =>
        e.code === undefined ? undefined : RED._(`vsphere-config.errors.${e.code}`, { ...e.params });
      this.connection = new VsphereConnection({
        sdkUrl,
        insecureSSL: config.insecureSSL === true,
        username: creds.username ?? "",
        password: creds.password ?? "",
        maxResponseBytes: settings.maxResponseBytes,
        requestTimeoutMs: settings.requestTimeoutMs,
        explain,
      });
      // failures are reported through the users' status; keep an error listener so an
      // 'error'-named event could never crash the runtime
      this.connection.on("error", () => undefined);
    } catch (err) {
      this.configError = err instanceof Error ? err.message : String(err);
    }
    guardedClose(this, 1900, async () => {
      const conn = this.connection;
      this.connection = undefined;
      await conn?.close();
    });
  }

  RED.nodes.registerType<VsphereConfigNode, VsphereConfigDef, object, VsphereConfigCredentials>("vsphere-config", VsphereConfig, {
    credentials: {
      username: { type: "text" },
      password: { type: "password" },
    },
  });
};
