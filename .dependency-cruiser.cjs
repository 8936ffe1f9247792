// Import boundaries from DESIGN.md ("Layout" and "Boundaries"), checked by `npm run lint`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycles.', from: {}, to: { circular: true } },
    {
      name: 'app-imports-app',
      severity: 'error',
      comment: 'An app never imports another app; only apps/cli composes them.',
      from: { path: '^apps/([^/]+)/', pathNot: '^apps/cli/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'package-imports-app',
      severity: 'error',
      comment: 'Packages never import apps.',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'only-admin-imports-db',
      severity: 'error',
      comment: 'Only apps/admin imports packages/db; the other processes get state over the wire.',
      from: { path: '^(apps|packages|tests)/', pathNot: '^(apps/admin|packages/db)/' },
      to: { path: '^packages/db/' },
    },
    {
      name: 'leaf-packages-stay-leaves',
      severity: 'error',
      comment: 'contracts, errors and policy import no other workspace package.',
      from: { path: '^packages/(contracts|errors|policy)/' },
      to: { path: '^(apps|packages)/', pathNot: '^packages/$1/' },
    },
    {
      name: 'data-plane-stays-small',
      severity: 'error',
      comment: 'Gateway, tunnel hub and connector never load a database driver (memory target 64 MB).',
      from: { path: '^apps/(gateway|tunnel|connector)/' },
      to: { path: 'node_modules/(@electric-sql/pglite|pg|drizzle-orm)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'declared-dependencies-only',
      severity: 'error',
      comment:
        'A workspace imports only what its package.json declares (tests may use dev dependencies, and type-only imports, erased at build, may name them).',
      from: { pathNot: '\\.test\\.ts$|^tests/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown', 'npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.json'],
    },
  },
};
