// node:process for the bundles: see BUILTIN_ALIASES in ../service-function.ts.
module.exports = process.getBuiltinModule('node:process');
