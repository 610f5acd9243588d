// Checks that src/ keeps the shape its folders promise (npm run deps:check, in CI): no import
// cycle, type imports included (madge, configured by .madgerc), and each folder importing only
// the folders below it — domain/ nothing of the app, the broker never the /ws side or delivery.
// Folders not listed (app.ts, server.ts, plugins/, routes/: the wiring) may import anything.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import madge from 'madge'

const root = fileURLToPath(new URL('..', import.meta.url))

/** What each folder of src/ may import besides itself (paths inside src/; a trailing / is a folder). */
const MAY_IMPORT: Record<string, string[]> = {
  'domain/': [],
  'lib/': [],
  'protocol/': ['domain/', 'errors.ts'],
  'store/': ['domain/', 'protocol/', 'lib/', 'errors.ts', 'generated/'],
  'broker/': ['domain/', 'protocol/', 'lib/', 'errors.ts', 'store/'],
  'delivery/': ['domain/', 'protocol/', 'lib/', 'errors.ts', 'store/'],
  'chat/': ['domain/', 'protocol/', 'lib/', 'errors.ts', 'store/', 'broker/'],
  'auth/': ['domain/', 'protocol/', 'lib/', 'errors.ts', 'store/', 'config.ts'],
  'transport/': ['domain/', 'protocol/', 'lib/', 'errors.ts', 'store/', 'broker/', 'delivery/', 'chat/', 'auth/', 'config.ts', 'plugins/metrics.ts'],
  'client/': ['protocol/', 'domain/'],
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
