/**
 * The layers of src/, top to bottom: a module may import from its own layer's
 * folder and from the layers below it, never from above. `npm run lint` (in
 * `npm test`) enforces it with import-x/no-restricted-paths, and
 * import-x/no-cycle forbids circles. ARCHITECTURE.md, "Layers", says why.
 */
export const LAYERS = [
  { name: 'entry', paths: ['src/index.ts'] },
  // The surface: every route and its middleware, with GraphQL's engine and
  // plugins (src/http/graphql) behind the /graphql route.
  { name: 'http', paths: ['src/http'] },
  { name: 'schema', paths: ['src/schema'] },
  // What operations do, whatever the surface: memory reads and writes, and
  // built on them chat (src/resolvers/chat) and migrations (src/resolvers/migration).
  { name: 'operations', paths: ['src/resolvers'] },
  // The Durable Objects, the AI providers, Stripe.
  { name: 'services', paths: ['src/durable', 'src/providers', 'src/billing'] },
  // Plain data and pure rules: vault addresses and JSONL, KRONOS windows, embedders, words, key formats.
  { name: 'model', paths: ['src/auth', 'src/embed', 'src/kronos', 'src/text', 'src/vaults'] },
  // Shared by every layer: settings, errors, encodings, input limits, vector checks, the tokenizer.
  { name: 'core', paths: ['src/core'] },
];

const MODEL = ['src/auth', 'src/embed', 'src/kronos', 'src/text', 'src/vaults'];

/**
 * The one arrow inside the model layer: a memory's rules (src/vaults/memory-rules.ts)
 * count its chunks (text/chunks.ts) to know the rows it takes, and a memory's
 * vectors (src/embed/memory-vectors.ts) are embedded chunk by chunk.
 */
const MODEL_USES = { 'src/vaults': ['src/text'], 'src/embed': ['src/text'] };

/**
 * Folders that must not import each other although the layers alone would
 * allow it: within a layer the arrow runs only as listed in ARCHITECTURE.md
 * (routes → GraphQL engine, chat → memory operations, migration → memory
 * operations, durable → billing), and the Durable Objects stay away from
 * credentials.
 */
const PEERS_NEVER = [
  [
    'src/http/graphql',
    ['src/http/*.ts'],
    'GraphQL knows nothing of routes: the /graphql route (src/http/graphql-route.ts) calls Yoga',
  ],
  [
    'src/resolvers/*.ts',
    ['src/resolvers/chat', 'src/resolvers/migration'],
    'memory operations are below chat and migrations, which use them',
  ],
  ['src/resolvers/chat', ['src/resolvers/migration'], 'chat and migrations are independent'],
  ['src/resolvers/migration', ['src/resolvers/chat'], 'chat and migrations are independent'],
  [
    'src/durable',
    ['src/providers'],
    'Durable Objects never call AI providers: the Worker does, with the caller’s key',
  ],
  [
    'src/durable',
    ['src/auth'],
    'Durable Objects know nothing of credentials: the edge authenticates (src/http/authenticate.ts)',
  ],
  ['src/providers', ['src/durable', 'src/billing'], 'providers speak wire formats, nothing else'],
  ['src/billing', ['src/durable', 'src/providers'], 'billing is Stripe and usage shapes only'],
  ...MODEL.map((folder) => [
    folder,
    MODEL.filter((other) => other !== folder && !(MODEL_USES[folder] ?? []).includes(other)),
    'plain-data modules stand side by side',
  ]),
];

/**
 * The sub-folders of src/durable and the sub-folders each may import: they
 * stand in layers of their own (ARCHITECTURE.md, "Folders"), so that the
 * imports between them run one way. A sub-folder not listed here imports none.
 */
const DURABLE_USES = {
  vault: [
    'indexes',
    'metering',
    'cold-tier',
    'queries',
    'warm-tier',
    'rpc',
    'full-text',
    'hot-tier',
    'sqlite',
  ],
  account: ['rpc', 'sqlite'],
  'cold-tier': ['warm-tier', 'sqlite'],
  metering: ['warm-tier', 'rpc', 'sqlite'],
  indexes: ['warm-tier', 'full-text', 'hot-tier', 'sqlite'],
  'warm-tier': ['rpc', 'full-text', 'sqlite'],
  queries: ['rpc', 'full-text', 'hot-tier', 'sqlite'],
  rpc: ['full-text'],
  'full-text': ['hot-tier', 'sqlite'],
  'hot-tier': [],
  sqlite: [],
};

/** Zones that keep each sub-folder of src/durable to the sub-folders it may import. */
function durableZones() {
  const rooms = Object.keys(DURABLE_USES);
  return rooms.map((room) => ({
    target: `src/durable/${room}`,
    from: rooms
      .filter((other) => other !== room && !DURABLE_USES[room].includes(other))
      .map((other) => `src/durable/${other}`),
    message: `src/durable/${room} imports ${DURABLE_USES[room].length > 0 ? `only ${DURABLE_USES[room].join(', ')}` : 'no other sub-folder'} of src/durable (ARCHITECTURE.md, "Folders")`,
  }));
}

/** import-x/no-restricted-paths zones: each layer may not import any layer above it. */
export function layerZones() {
  const zones = [];
  LAYERS.forEach((layer, index) => {
    const above = LAYERS.slice(0, index).flatMap((upper) => upper.paths);
    if (above.length === 0) return;
    for (const target of layer.paths) {
      zones.push({
        target,
        from: above,
        message: `the ${layer.name} layer imports only from itself and the layers below (ARCHITECTURE.md, "Layers")`,
      });
    }
  });
  for (const [target, from, why] of PEERS_NEVER) zones.push({ target, from, message: why });
  zones.push(...durableZones().filter((zone) => zone.from.length > 0));
  return zones;
}
