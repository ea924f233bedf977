/** Types shared by the vsphere-config node and its users. */
import type { Node, NodeDef } from "node-red";
import type { VsphereConnection } from "../lib/vsphere/connection";

export interface VsphereConfigDef extends NodeDef {
  address: string;
  insecureSSL: boolean;
  /** MiB; blank = default (lib/vsphere/config-settings.ts) */
  maxResponseSize?: number | string;
  /** seconds; blank = default */
  timeout?: number | string;
}

export interface VsphereConfigCredentials {
  username?: string;
  password?: string;
}

export interface VsphereConfigNode extends Node<VsphereConfigCredentials> {
  /** the shared connection; undefined when the configuration is invalid (see configError) */
  connection?: VsphereConnection;
  /** why the configuration cannot be used */
  configError?: string;
}

