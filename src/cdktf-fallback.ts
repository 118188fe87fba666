/**
 * Type declarations for the CDK core the app does not have: an app installs either cdktf or its
 * continuation CDK Terrain (`cdktn`), never both, and the library's declarations must type-check in
 * either, without `skipLibCheck`.
 *
 * `src/cdktf.ts` takes its types from `cdktf/lib/index.js`. Wildcard module declarations are used only
 * when a module name does not resolve to a file, so with cdktf installed these are never used; without
 * it, `cdktf/lib/...` stands for cdktn's types (and, so that each declaration's body resolves in an app
 * that has only one of the two, `cdktn/lib/...` for cdktf's). The names are deep paths nobody imports by
 * hand, so an app's own `import ... from "cdktf"` still fails to type-check when cdktf is missing.
 *
 * This file is a script (no import, no export): its declarations are global, and `src/cdktf.ts`
 * imports it for that effect, which keeps the import in the published `cdktf.d.ts`.
 */
declare module "cdktf/lib/*" {
  export * from "cdktn/lib/index.js";
}
declare module "cdktn/lib/*" {
  export * from "cdktf/lib/index.js";
}
