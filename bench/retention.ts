// Retention under load: one channel filled with old messages, then the same closed-loop load
// twice — on a hub without MESSAGE_RETENTION (before), and on the same database restarted with
// MESSAGE_RETENTION=1d, whose first pass removes those messages while the load runs (during).
// Prints both throughputs and the rows removed while the load ran; asserts nothing.
//   npx tsx bench/retention.ts [--db sqlite|postgres] [--rows 300000] [--pairs 10] [--seconds 5]
import { parseArgs } from 'node:util'
import { tempDatabaseOf } from '../test/helpers/database.js'
import { until } from '../test/helpers/poll.js'
import { createChannel, seedMessages } from './history.js'
import { closePairs, connectPairs, runLoad, type LoadResult } from './load.js'
import { cpuSeconds, startServer } from './servers.js'

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    rows: { type: 'string', default: '300000' },
    pairs: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '5' },
  },
})
const db = values.db === 'postgres' ? 'postgres' : 'sqlite'
const rows = Number(values.rows)
const workload = { pairs: Number(values.pairs), size: 256, seconds: Number(values.seconds), rate: 0, window: 32 }
const PORT = 18_600 + (process.pid % 300)
const removedSoFar = async (httpUrl: string): Promise<number> => {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  return Number(/^hub_messages_removed_total\{by="retention"\} (\d+)$/m.exec(text)?.[1] ?? 0)
}

async function phase(databaseUrl: string, env: Record<string, string>, tag: string, during?: (httpUrl: string) => Promise<void>) {
  const hub = await startServer('hub', PORT, { DATABASE_URL: databaseUrl, ...env })
  const httpUrl = `http://127.0.0.1:${PORT}`
  try {
    const channelIds = await Promise.all(Array.from({ length: workload.pairs }, (_, i) => createChannel(httpUrl, `${tag}-p${i}`, `${tag}-c${i}`)))
    const pairs = await connectPairs({ provider: `ws://127.0.0.1:${PORT}`, consumer: `ws://127.0.0.1:${PORT}` }, channelIds, tag, channelIds.map((_, i) => i))
    await during?.(httpUrl)
    const removedBefore = await removedSoFar(httpUrl)
    const cpu = cpuSeconds(hub.child.pid ?? 0)
    const load = await runLoad(pairs, workload)
    const cores = (cpuSeconds(hub.child.pid ?? 0) - cpu) / load.seconds
    const removedDuring = (await removedSoFar(httpUrl)) - removedBefore
    await closePairs(pairs)
    if (env.MESSAGE_RETENTION) await until(async () => (await removedSoFar(httpUrl)) >= rows, 300_000, 'the purge to finish')
    return { load, cores, removedDuring }
  } finally {
    await hub.stop()
  }
}

const rate = (load: LoadResult) => Math.round(load.acked / load.seconds)

const database = await tempDatabaseOf(db)
try {
  // The hub migrates the database; the old messages go in once it has.
  const seeding = await startServer('hub', PORT, { DATABASE_URL: database.url })
  const oldChannel = await createChannel(`http://127.0.0.1:${PORT}`, 'history-p', 'history-c')
  await seeding.stop()
  await seedMessages(database.url, oldChannel, rows, 'msg_00')
  console.log(`retention bench on ${db}: ${rows} old messages in one channel; ${workload.pairs} pairs, closed loop (window ${workload.window}), ${workload.seconds} s each`)

  const before = await phase(database.url, {}, 'before')
  console.log(`before the purge: ${rate(before.load)} msg/s acked (hub CPU ${before.cores.toFixed(2)} cores)`)

  const during = await phase(database.url, { MESSAGE_RETENTION: '1d' }, 'during', async (httpUrl) => {
    // The first pass starts a second after the hub is ready: the load starts once it is under way.
    await until(async () => (await removedSoFar(httpUrl)) > 0, 30_000, 'the purge to start')
  })
  console.log(
    `during the purge: ${rate(during.load)} msg/s acked (hub CPU ${during.cores.toFixed(2)} cores); ${during.removedDuring} old messages removed while the load ran (${Math.round(during.removedDuring / during.load.seconds)} rows/s)`,
  )
  console.log(`ratio during/before: ${(rate(during.load) / rate(before.load)).toFixed(2)} (a loaded machine is noisy: compare within one run)`)
} finally {
  await database.remove()
}
