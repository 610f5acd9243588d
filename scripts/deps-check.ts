// Checks that src/ keeps the shape its folders promise (npm run deps:check, in CI): no import
// cycle, type imports included (madge, configured by .madgerc), and each folder importing only
// the layers below it (README's source tree lists them in order) — domain/ nothing of the app,
// the broker never the /ws side or delivery. app.ts and server.ts, which wire it all, may import
// anything.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import madge from 'madge'

const root = fileURLToPath(new URL('..', import.meta.url))

/** The files at the top of src/ that the layers share. */
const SHARED = ['config.ts', 'errors.ts', 'metrics.ts', 'observe/']
const below = ['domain/', 'lib/', 'protocol/', 'store/']
/** What each folder of src/ may import besides itself (paths inside src/; a trailing / is a folder). */
const MAY_IMPORT: Record<string, string[]> = {
  'domain/': [],
  'lib/': [],
  'protocol/': ['domain/', 'lib/', 'errors.ts'],
  'store/': ['domain/', 'lib/', 'protocol/', 'errors.ts', 'generated/'],
  'broker/': [...below, 'errors.ts'],
  'delivery/': [...below, 'errors.ts'],
  'chat/': [...below, 'broker/', 'errors.ts'],
  // The operator's signals: metrics beside src/metrics.ts, and the live events the console shows.
  'observe/': ['domain/', 'lib/', 'protocol/', 'errors.ts'],
  // The operator's console: its live stream, on the signals.
  'console/': [...below, 'observe/'],
  'auth/': [...below, ...SHARED],
  // The /ws route documents its refusals with the REST routes' response helpers.
  'transport/': [...below, 'broker/', 'delivery/', 'chat/', 'auth/', 'routes/common.ts', ...SHARED],
  // The wiring: plugins and routes share their schemas both ways.
  'plugins/': [...below, 'broker/', 'delivery/', 'chat/', 'auth/', 'transport/', 'routes/', 'console/', ...SHARED],
  'routes/': [...below, 'broker/', 'delivery/', 'chat/', 'auth/', 'transport/', 'plugins/', ...SHARED],
  // claw-chat-hub/client only re-exports the client package, which lives outside src/.
  'client/': ['../packages/client/'],
  // The command sits on top: it runs the hub (server.ts) and talks to one with the client.
  'cli/': [...below, ...SHARED, 'server.ts', '../packages/client/'],
}

const within = (path: string, place: string) => (place.endsWith('/') ? path.startsWith(place) : path === place)

const config = JSON.parse(readFileSync(`${root}.madgerc`, 'utf8')) as madge.MadgeConfig
const graph = await madge(`${root}src`, { ...config, tsConfig: `${root}tsconfig.json` })

const problems: string[] = []
for (const cycle of graph.circular()) problems.push(`import cycle: ${cycle.join(' → ')} → ${cycle[0]}`)
for (const [file, imports] of Object.entries(graph.obj())) {
  const folder = Object.keys(MAY_IMPORT).find((place) => within(file, place))
  if (folder === undefined) continue
  const allowed = [folder, ...(MAY_IMPORT[folder] ?? [])]
  for (const imported of imports) {
    if (!allowed.some((place) => within(imported, place))) problems.push(`${file} imports ${imported}: ${folder} may import only ${allowed.join(', ')}`)
  }
}

if (problems.length > 0) {
  console.error(problems.join('\n'))
  process.exit(1)
}
console.log(`src/: ${Object.keys(graph.obj()).length} modules, no import cycle, every folder importing only what lies below it`)
