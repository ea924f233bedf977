// ESLint (flat config): type-aware typescript-eslint rules for lib/ and nodes/, the recommended
// JavaScript rules for test/, bench/ and scripts/, and the layering rule "lib/ never imports
// node-red" (docs/decisions and README.md: lib/ is the runtime-independent core).
// `npm run lint`; test/unit/lint_spec.js proves the layering rule fails a lib/ file importing node-red.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

const NODE_RED_IN_LIB = "lib/ must not depend on Node-RED: only nodes/*.ts adapt lib/ to the runtime.";
const nodeRedModules = ["node-red", "node-red/*", "@node-red/*"];
// for esquery selectors, which end a regular expression at the first "/": \x2F is the slash
const nodeRedPattern = "^(node-red($|\\x2F)|@node-red\\x2F)";

export default defineConfig(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "test/support/.bin/**",
      "test-artifacts/**",
      ".dev-userdir/**",
      "coverage/**",
      "**/*.d.ts",
    ],
  },

  // JavaScript: tests, benchmarks, scripts (CommonJS, Node)
  {
    files: ["**/*.js", "**/*.cjs"],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "commonjs",
      globals: { ...globals.node },
    },
    rules: {
      // `catch (err) {}` and unused callback parameters are common and harmless in test code
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none", ignoreRestSiblings: true }],
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
  {
    files: ["test/**/*.js"],
    languageOptions: { globals: { ...globals.mocha } },
  },
  {
    // code that runs in the editor or in a browser page
    files: ["nodes/**/*.js", "resources/**/*.js", "test/e2e/**/*.js"],
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.mocha, RED: "readonly", $: "readonly" } },
  },
  {
    files: ["**/*.mjs"],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: "latest", sourceType: "module", globals: { ...globals.node } },
  },

  // TypeScript: lib/ and nodes/, with type information from tsconfig.json
  {
    files: ["lib/**/*.ts", "nodes/**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // kept on explicitly: the runtime must never see an unhandled rejection or an async
      // callback where a sync one is expected (see README.md, "nothing may throw into Node-RED")
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { args: "none", caughtErrors: "none", ignoreRestSiblings: true }],
      // Node-RED node constructors keep `const node = this` for the callbacks they register
      "@typescript-eslint/no-this-alias": ["error", { allowedNames: ["node"] }],
      // rejecting with the caught value (typed unknown) passes the original error on unchanged
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
      // async methods that implement Promise-returning interfaces (stores, sinks) without awaiting:
      // `async` turns a throw into a rejection, which is the point
      "@typescript-eslint/require-await": "off",
      // String(value) of parsed SOAP/JSON/form values is deliberate; objects are rejected before
      "@typescript-eslint/no-base-to-string": "off",
    },
  },

  // Layering: lib/ never imports node-red (nor @node-red/*), in any form.
  {
    files: ["lib/**/*.ts", "lib/**/*.js"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: nodeRedModules, message: NODE_RED_IN_LIB }] }],
      "no-restricted-syntax": [
        "error",
        {
          selector: `CallExpression[callee.name='require'] > Literal.arguments[value=/${nodeRedPattern}/]`,
          message: NODE_RED_IN_LIB,
        },
        {
          selector: `ImportExpression > Literal.source[value=/${nodeRedPattern}/]`,
          message: NODE_RED_IN_LIB,
        },
        {
          selector: `TSImportEqualsDeclaration > TSExternalModuleReference > Literal[value=/${nodeRedPattern}/]`,
          message: NODE_RED_IN_LIB,
        },
        {
          selector: `TSImportType Literal[value=/${nodeRedPattern}/]`,
          message: NODE_RED_IN_LIB,
        },
      ],
    },
  },
);
