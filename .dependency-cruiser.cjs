// The layering of src/ (docs/architecture.md › Layers), checked by `npm run lint`.
// Bottom to top; a folder may import folders of any lower layer, and in the foundation and
// infrastructure layers the folders listed before it in its own layer; never a higher one. The
// delivery folders (paging, webhooks, realtime, reports) do not import each other; the app layer's parts
// may import each other; no folders import each other in a circle.
// `npm run lint:layers` prints every violation with its rule; `npm run lint:layers:count` counts.
/** @type {{ name: string, folders: string[], ordered?: boolean, rootFiles?: string[] }[]} */
const LAYERS = [
  {
    name: 'foundation',
    folders: ['common', 'logging', 'config', 'xassist-contract', 'openapi'],
    ordered: true,
  },
  {
    name: 'infrastructure',
    folders: [
      'database',
      'metrics',
      'cluster',
      'directory',
      'auth',
      'quotas',
      'xassist',
      'notifications',
      'outbox',
      'events',
    ],
    ordered: true,
  },
  { name: 'calls', folders: ['calls'] },
  { name: 'routing', folders: ['routing'] },
  { name: 'appointments', folders: ['appointments'] },
  { name: 'delivery', folders: ['paging', 'webhooks', 'realtime', 'reports'] },
  {
    name: 'app',
    folders: ['edge', 'health', 'api-docs', 'simulator'],
    rootFiles: ['app.module', 'bootstrap', 'main'],
  },
];
const DELIVERY = LAYERS.find((layer) => layer.name === 'delivery').folders;

/** A path pattern for the given folders of src/ and, for the app layer, its files in src/. */
function pathOf(layers) {
  const folders = layers.flatMap((layer) => layer.folders);
  const files = layers.flatMap((layer) => layer.rootFiles ?? []);
  const parts = [];
  if (folders.length > 0) parts.push(`^src/(${folders.join('|')})/`);
  if (files.length > 0) parts.push(`^src/(${files.join('|')})\\.ts$`);
  return parts.join('|');
}

const known = LAYERS.flatMap((layer) => layer.folders);
const knownRoot = LAYERS.flatMap((layer) => layer.rootFiles ?? []);

const upward = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `no-upward-from-${layer.name}`,
  comment: `${layer.name} (${layer.folders.join(', ')}) may import only its own and lower layers`,
  severity: 'error',
  from: { path: pathOf([layer]) },
  to: { path: pathOf(LAYERS.slice(index + 1)) },
}));

const within = LAYERS.filter((layer) => layer.ordered).flatMap((layer) =>
  layer.folders.slice(0, -1).map((folder, index) => ({
    name: `no-upward-within-${layer.name}-from-${folder}`,
    comment: `${folder} may import only the ${layer.name} folders listed before it`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: `^src/(${layer.folders.slice(index + 1).join('|')})/` },
  })),
);

const deliveryCrossing = DELIVERY.map((folder) => ({
  name: `no-delivery-crossing-from-${folder}`,
  comment: 'paging, webhooks and realtime each deliver on their own; they do not import each other',
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: `^src/(${DELIVERY.filter((other) => other !== folder).join('|')})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...upward,
    ...within,
    ...deliveryCrossing,
    {
      name: 'no-folder-cycles',
      comment: 'two folders that import each other are one layer in disguise',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'folder-has-a-layer',
      comment: 'every folder of src/ is in the layer table (add a new one there first)',
      severity: 'error',
      from: { path: '^src/' },
      to: {
        path: '^src/',
        pathNot: `^src/(${known.join('|')})/|^src/(${knownRoot.join('|')})\\.ts$`,
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.spec\\.ts$', '^src/realtime/dashboard/public/'] },
    includeOnly: '^src/',
    // Type-only imports are dependencies too: a type from a higher layer ties the layers.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
