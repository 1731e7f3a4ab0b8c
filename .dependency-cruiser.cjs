/**
 * The allowed import directions between Corral's packages (see docs/architecture.md).
 * Only product code (packages/x/src) is checked against the layer rules; tests may use
 * any package, including @corral/testing.
 */
const allowed = {
  'agent-sandbox': [],
  testing: ['agent-sandbox', 'sdk', 'runner'],
  runner: [],
  sdk: ['agent-sandbox', 'runner'],
  orchestrator: ['sdk'],
  cli: ['sdk', 'agent-sandbox', 'orchestrator', 'runner', 'mcp', 'server', 'console', 'agents'],
  mcp: ['sdk'],
  ai: ['sdk'],
  agents: ['sdk', 'orchestrator'],
  server: ['sdk', 'orchestrator', 'agents', 'agent-sandbox'],
  console: [],
};

const layerRules = Object.entries(allowed).map(([pkg, deps]) => ({
  name: `layer-${pkg}`,
  comment: `packages/${pkg} may import only: ${deps.length ? deps.join(', ') : 'no other Corral package'}`,
  severity: 'error',
  from: { path: `^packages/${pkg}/src/` },
  to: { path: `^packages/(?!(${[pkg, ...deps].join('|')})/)[^/]+/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'runner-has-no-runtime-dependencies',
      comment: 'The runner is one file that runs wherever Node runs: node builtins only.',
      severity: 'error',
      from: { path: '^packages/runner/src/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg'] },
    },
    {
      name: 'console-ui-imports-no-corral-package',
      comment:
        'The console UI (packages/console/ui, bundled for the browser) declares the API types itself: no Corral package, not even for types.',
      severity: 'error',
      from: { path: '^packages/console/ui/' },
      to: { path: '^packages/(?!console/)[^/]+/' },
    },
    {
      name: 'server-uses-agent-sandbox-model-only',
      comment:
        'The server may use @corral/agent-sandbox/model, never its root entry (client-node at load).',
      severity: 'error',
      from: { path: '^packages/server/src/' },
      to: { path: '^packages/agent-sandbox/src/(?!model\\.ts$)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^packages/[^/]+/(src|ui)/' },
      to: { circular: true },
    },
    {
      name: 'product-code-does-not-import-tests',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { path: '^packages/[^/]+/(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@corral/source', 'import', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.json'],
    },
  },
};
