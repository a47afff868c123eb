// node:child_process for the bundles: see BUILTIN_ALIASES in ../service-function.ts.
module.exports = process.getBuiltinModule('node:child_process');
