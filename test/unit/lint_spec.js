"use strict";
/**
 * The layering rule of eslint.config.mjs: a file in lib/ that imports node-red (or @node-red/*),
 * in any form, fails lint; the same import in nodes/ (the adapters) is fine. Runs the project's
 * real ESLint configuration through ESLint's Node API on text that is never written to disk
 * (the one override lets TypeScript's project service type-check such a file with tsconfig.json's
 * options although it is not on disk).
 */
require("should");
const path = require("node:path");
const { ESLint } = require("eslint");

const root = path.join(__dirname, "..", "..");
const LAYERING = /lib\/ must not depend on Node-RED/;
const PROBES = ["lib/common/lint-probe-*.ts", "nodes/lint-probe-*.ts"];

describe("lint: lib/ never imports node-red", function () {
  this.timeout(180000); // type-aware linting loads the whole TypeScript project once
  let eslint;

  before(() => {
    eslint = new ESLint({
      cwd: root,
      overrideConfig: {
        files: PROBES,
        languageOptions: {
          parserOptions: { projectService: { allowDefaultProject: PROBES, defaultProject: "tsconfig.json" } },
        },
      },
    });
  });

  async function lint(relPath, code) {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, relPath) });
    const fatal = result.messages.filter((m) => m.fatal);
    fatal.should.eql([], `${relPath} could not be parsed: ${JSON.stringify(fatal)}`);
    return result.messages;
  }

  it("fails a lib/ file that imports node-red as a type, a value, a sub-package, by require or import()", async () => {
    const code = [
      'import type { NodeAPI } from "node-red";', // 1
      'import { util } from "@node-red/util";', // 2
      'import * as registry from "node-red/lib/red";', // 3
      '// eslint-disable-next-line @typescript-eslint/no-require-imports', // 4
      'const RED: unknown = require("node-red");', // 5
      'export const later = (): Promise<unknown> => import("@node-red/runtime");', // 6
      "export type Api = NodeAPI;",
      "export const used = [util, registry, RED];",
      "",
    ].join("\n");
    const messages = await lint("lib/common/lint-probe-node-red.ts", code);
    const layering = messages.filter((m) => LAYERING.test(m.message));
    layering.map((m) => m.line).sort((a, b) => a - b).should.eql([1, 2, 3, 5, 6], JSON.stringify(messages, null, 1));
    layering.every((m) => m.severity === 2).should.be.true(); // errors, not warnings
  });

  it("lets nodes/ (the Node-RED adapters) and lib/ modules that are not node-red through", async () => {
    const inNodes = await lint(
      "nodes/lint-probe-node-red.ts",
      'import type { NodeAPI } from "node-red";\nexport type Api = NodeAPI;\n',
    );
    inNodes.filter((m) => LAYERING.test(m.message)).should.eql([]);
    const lookalike = await lint(
      "lib/common/lint-probe-lookalike.ts",
      'import { EventEmitter } from "node:events";\nexport const node_red_like = new EventEmitter();\n',
    );
    lookalike.filter((m) => LAYERING.test(m.message)).should.eql([]);
  });

  it("keeps the promise rules on for lib/: a floating promise fails lint", async () => {
    const messages = await lint(
      "lib/common/lint-probe-promise.ts",
      "export function fire(p: () => Promise<void>): void {\n  p();\n}\n",
    );
    messages.map((m) => m.ruleId).should.containEql("@typescript-eslint/no-floating-promises");
  });
});
