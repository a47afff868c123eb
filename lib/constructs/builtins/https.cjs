// node:https for the bundles: see BUILTIN_ALIASES in ../service-function.ts.
module.exports = process.getBuiltinModule('node:https');
