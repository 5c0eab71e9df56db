/**
 * Module boundaries (STYLE.md): a module is imported by others only through its `index.ts`;
 * the core never depends on a module. `npm run lint` fails on any violation.
 */
module.exports = {
  forbidden: [
    {
      name: 'module-internals',
      comment: 'Import another module only through its index.ts (its one public door).',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/.+', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'outside-into-module-internals',
      comment: 'The composition root and CLI also use modules only through their index.ts.',
      severity: 'error',
      from: { path: '^src/(app|main)\\.ts$' },
      to: { path: '^src/modules/[^/]+/.+', pathNot: '^src/modules/[^/]+/index\\.ts$' },
    },
    {
      name: 'core-independent',
      comment: 'The core is shared by every module and must not depend on any of them.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
