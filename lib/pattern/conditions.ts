/**
 * The parsed form of a pattern (lib/pattern/parse.ts builds it): one condition per element of a
 * leaf array, leaves with their compiled value test, objects as lists of items.
 */

import type { StringTest } from "./case-fold";
import type { IpRange } from "./cidr";
import type { NumericRange } from "./numeric";

export type Cond =
  | { k: "str"; v: string } // exact string (also `exactly`)
  | { k: "ip"; hex: string } // exact string that is an IP address literal: compared as an address
  | { k: "num"; v: number }
  | { k: "lit"; v: boolean | null }
  | { k: "prefix"; v: string }
  | { k: "suffix"; v: string }
  | { k: "strTest"; test: StringTest; always?: boolean } // equals-ignore-case, prefix/suffix ignore case, wildcard
  | { k: "range"; r: NumericRange }
  | { k: "cidr"; r: IpRange }
  | { k: "exists"; v: boolean }
  | { k: "notStr"; set: Set<string> } // anything-but strings
  | { k: "notNum"; set: Set<number> } // anything-but numbers
  | { k: "notStrTest"; tests: StringTest[] }; // anything-but prefix/suffix/equals-ignore-case/wildcard

export interface LeafDef {
  segs: string[];
  key: string;
  order: number;
  hasPositive: boolean;
  hasAbsence: boolean;
  /** test of one leaf value (string, number, boolean, null) against the positive conditions */
  test: (v: unknown) => boolean;
}

/** `rel`: the key's own path segments (a dotted key is several) */
export type Item =
  | { kind: "leaf"; leaf: LeafDef; rel: string[] }
  | { kind: "object"; obj: PObject; rel: string[] }
  | { kind: "or"; branches: PObject[] };
export interface PObject {
  items: Item[];
}
