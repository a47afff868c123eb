/**
 * How the code may depend on itself (`npm run lint`). Dependencies point one way: entry points and
 * infrastructure above the runtime code, handlers above the core, and within the core the domain
 * above the adapters that speak to AWS. Type-only imports count: a cycle through types is still a
 * cycle for a reader.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that need each other are one module, or a third one is missing.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-below-entries',
      severity: 'error',
      comment:
        'The shared core knows nothing of the entries that use it, nor of the local runtime or the tests.',
      from: { path: '^lambdas/core/' },
      to: { path: '^(lambdas/(http|viewer|cleanup)|local|lib|bin|bench|scripts|test)/' },
    },
    {
      name: 'entries-apart',
      severity: 'error',
      comment:
        'A function entry never imports another function’s entry: what they share belongs in the core.',
      from: { path: '^lambdas/(http|viewer|cleanup)/' },
      to: { path: '^lambdas/(http|viewer|cleanup)/', pathNot: '^lambdas/$1/' },
    },
    {
      name: 'sdk-in-adapters',
      severity: 'error',
      comment:
        'Only adapters speak to AWS: repositories, the object store, the platform clients. Services and the domain see domain types.',
      from: {
        path: '^lambdas/',
        pathNot: '^lambdas/core/(store/|platform/|[a-z-]+/repository\\.ts$|uploads/intents\\.ts$)',
      },
      to: { path: '^node_modules/@aws-sdk/' },
    },
    {
      name: 'infrastructure-reads-contracts-only',
      severity: 'error',
      comment:
        'The CDK app reads the route table and what the edge functions bundle, never the runtime code behind them.',
      from: { path: '^lib/' },
      to: {
        path: '^lambdas/',
        pathNot:
          '^lambdas/(http/routes|core/http/edge-contract|core/http/cors-contract|core/store/keys|core/store/object-keys|viewer/canonical)\\.ts$',
      },
    },
    {
      name: 'no-test-code-in-product',
      severity: 'error',
      from: { path: '^(lambdas|lib|local|bin)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    // swc parses TypeScript here (the project's compiler, TypeScript 7, has no JavaScript API yet);
    // it keeps type-only imports, which is what this configuration wants.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
