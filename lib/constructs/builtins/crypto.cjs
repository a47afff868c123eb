// node:crypto for the bundles: see BUILTIN_ALIASES in ../service-function.ts.
module.exports = process.getBuiltinModule('node:crypto');
