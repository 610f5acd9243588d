// The connect-rate benchmark alone (bench/run.ts runs it after the message loads): a hub on its
// defaults that also accepts JWTs, on a fresh database, and the connects per second by credential.
//   npx tsx bench/connect-rates.ts [--db sqlite|postgres|both] [--connects 2000] [--cpu-prof DIR]
import { tempDatabaseOf } from '../test/helpers/database.js'
import { connectRates } from './connects.js'
import { startServer } from './servers.js'
import { connectCount, databases, hubNodeArgs, JWT_SECRET } from './settings.js'

const port = 18_000 + (process.pid % 1000)
for (const kind of databases) {
  const db = await tempDatabaseOf(kind)
  const hub = await startServer('hub', port, { DATABASE_URL: db.url, HUB_JWT_SECRET: JWT_SECRET }, hubNodeArgs)
  const results = await connectRates(port, connectCount, hub.child.pid)
  await hub.stop()
  await db.remove()
  const figures = results.map((result) => `${result.mode} ${result.connectsPerSecond.toFixed(0)}/s (hub ${result.hubCpuMs?.toFixed(2)} ms CPU each, generators ${result.generatorCores.toFixed(2)} cores)`)
  console.log(`${kind}, ${connectCount} connects each: ${figures.join(', ')}`)
}
process.exit(0)
