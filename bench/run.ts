// The benchmark: the same workload against the hub and against a bare `ws` relay (the
// baseline) in one run, then history reads at scale and idle connections on the hub. Prints
// figures and hub/baseline ratios, and which targets are met; asserts nothing. With
// `--instances 2` the hub runs as two instances on one Postgres database and Redis, and every
// message crosses between them: each pair's provider is on the first, its consumer on the second.
//   npm run bench -- [--quick] [--db sqlite|postgres] [--instances 1|2] [--pairs 50] [--size 256]
//                    [--seconds 10] [--rate 2000] [--window 32] [--history 1000000] [--idle 10000]
//                    [--connects 2000]
import { tempDatabaseOf } from '../test/helpers/database.js'
import { redisCluster, type Cluster } from './cluster.js'
import { createChannel, measureHistory, seedMessages, type HistoryResult } from './history.js'
import { issueKeys, keyless, measureConnects, mintTokens, type ConnectResult } from './connects.js'
import { measureIdle, type IdleResult } from './idle.js'
import { closePairs, connectPairs, percentile, runLoad, type LoadResult, type Workload } from './load.js'
import { cpuSeconds, memory, startServer, type Server } from './servers.js'
import { args, connectCount, historyRows, idleConnections, instances, JWT_SECRET, pairs, quick, rate, seconds, size, window } from './settings.js'

interface Figures {
  throughput: LoadResult
  latency: LoadResult
  /** One per server process, in the order given to drive(). */
  cpuCores: number[]
  peakMib: number[]
  /** The Redis server's, while the hub instances route through it; NaN otherwise. */
  redisCores: number
}

/** Runs both loads; pair i's provider connects to the first server, its consumer to the last. */
async function drive(servers: Server[], channelIds: string[], cluster?: Cluster): Promise<Figures> {
  const wsUrl = (server: Server) => `ws://127.0.0.1:${server.port}`
  const [first, last] = [servers[0] as Server, servers.at(-1) as Server]
  const connected = await connectPairs({ provider: wsUrl(first), consumer: wsUrl(last) }, channelIds, `${first.name}-bench`)
  const pids = servers.map((server) => server.child.pid as number)
  const redisCpu = async () => (cluster ? cluster.redisCpuSeconds() : NaN)
  const workload: Workload = { pairs, size, seconds, rate: 0, window }
  const cpuBefore = pids.map(cpuSeconds)
  const redisBefore = await redisCpu()
  const throughput = await runLoad(connected, workload)
  const cpuCores = pids.map((pid, i) => (cpuSeconds(pid) - (cpuBefore[i] as number)) / throughput.seconds)
  const redisCores = ((await redisCpu()) - redisBefore) / throughput.seconds
  const latency = await runLoad(connected, { ...workload, rate })
  await closePairs(connected)
  return { throughput, latency, cpuCores, peakMib: pids.map((pid) => memory(pid).peak), redisCores }
}

/** Hub processes on one database, joined into a cluster when there are several. */
async function startHubs(ports: number[], env: Record<string, string>, cluster?: Cluster): Promise<Server[]> {
  const servers = await Promise.all(ports.map((port) => startServer('hub', port, env)))
  if (cluster) await Promise.all(servers.map((server) => cluster.joined(server.port)))
  return servers
}

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a')
const ratio = (hub: number, base: number) => (base > 0 ? `${fmt(hub / base, 2)}×` : 'n/a')
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0)

async function main(): Promise<void> {
  const db = await tempDatabaseOf(args.db === 'postgres' ? 'postgres' : 'sqlite')
  const cluster = instances > 1 ? await redisCluster() : undefined
  const port = 18_000 + (process.pid % 1000)
  const hubPort = port + 1
  const hubPorts = Array.from({ length: instances }, (_, i) => hubPort + i)
  const env = { DATABASE_URL: db.url, RATE_LIMIT_PER_MINUTE: '100000000', MAX_FRAMES_PER_SECOND: '1000000', ...cluster?.env }
  const topology = cluster ? `, ${instances} hub instances on Redis (every provider on the first, every consumer on the second)` : ''
  console.log(`claw-chat-hub benchmark — ${args.db}${topology}, ${pairs} pairs, ${size}-byte messages, ${seconds} s runs, window ${window}, open loop at ${rate} msg/s${quick ? ' (quick)' : ''}`)

  const baselineServer = await startServer('baseline', port)
  const baseline = await drive([baselineServer], Array.from({ length: pairs }, (_, i) => `ch_baseline_${i}`))
  await baselineServer.stop()

  const hubServers = await startHubs(hubPorts, env, cluster)
  const httpUrl = `http://127.0.0.1:${hubPort}`
  const channelIds: string[] = []
  for (let i = 0; i < pairs; i++) channelIds.push(await createChannel(httpUrl, `hub-bench-p${i}`, `hub-bench-c${i}`))
  const hub = await drive(hubServers, channelIds, cluster)

  let history: HistoryResult | undefined
  if (!cluster) {
    const historyChannel = await createChannel(httpUrl)
    await seedMessages(db.url, historyChannel, historyRows)
    history = await measureHistory(httpUrl, historyChannel, historyRows, quick ? 200 : 1000)
  }
  await Promise.all(hubServers.map((server) => server.stop()))
  // Idle memory on a fresh hub process: what the load runs left for the GC would blur it. In a
  // cluster, on one instance with Redis, where each connected agent is also a subscription.
  const [idleServer] = (await startHubs([hubPort], env, cluster)) as [Server]
  const idle = await measureIdle(`ws://127.0.0.1:${hubPort}`, idleServer.child.pid as number, idleConnections)
  idle.close()
  await idleServer.stop()
  const connects = await measureConnectRates(hubPort, env, cluster)
  await cluster?.close()
  await db.remove()

  report(hub, baseline, history, idle.result, connects)
}

/**
 * Connects per second by credential, on a hub that also accepts JWTs. Each mode runs twice over
 * its own agents and the second run counts: the agents exist then, as when a fleet reconnects.
 */
async function measureConnectRates(port: number, env: Record<string, string>, cluster?: Cluster): Promise<ConnectResult[]> {
  const [server] = (await startHubs([port], { ...env, HUB_JWT_SECRET: JWT_SECRET }, cluster)) as [Server]
  const ids = (mode: string) => Array.from({ length: connectCount }, (_, i) => `connect-${mode}-${i}`)
  const attempts = {
    keyless: keyless(ids('keyless')),
    keyed: await issueKeys(`http://127.0.0.1:${port}`, ids('keyed')),
    jwt: await mintTokens(JWT_SECRET, ids('jwt')),
  }
  const results: ConnectResult[] = []
  for (const mode of ['keyless', 'keyed', 'jwt'] as const) {
    await measureConnects(`ws://127.0.0.1:${port}`, mode, attempts[mode])
    results.push(await measureConnects(`ws://127.0.0.1:${port}`, mode, attempts[mode]))
  }
  await server.stop()
  return results
}

function report(hub: Figures, baseline: Figures, history: HistoryResult | undefined, idle: IdleResult, connects: ConnectResult[]): void {
  const summed = instances > 1 ? ` (sum of the ${instances} instances)` : ''
  const rows: [string, number, number][] = [
    ['delivered msg/s, stored and acked (closed loop)', hub.throughput.delivered / hub.throughput.seconds, baseline.throughput.delivered / baseline.throughput.seconds],
    [`end-to-end latency p50 ms at ${rate} msg/s`, percentile(hub.latency.latencyMs, 50), percentile(baseline.latency.latencyMs, 50)],
    [`end-to-end latency p95 ms at ${rate} msg/s`, percentile(hub.latency.latencyMs, 95), percentile(baseline.latency.latencyMs, 95)],
    [`end-to-end latency p99 ms at ${rate} msg/s`, percentile(hub.latency.latencyMs, 99), percentile(baseline.latency.latencyMs, 99)],
    [`ack latency p99 ms at ${rate} msg/s`, percentile(hub.latency.ackMs, 99), percentile(baseline.latency.ackMs, 99)],
    [`peak RSS MiB${summed}`, sum(hub.peakMib), sum(baseline.peakMib)],
    [`CPU cores used during the closed loop${summed}`, sum(hub.cpuCores), sum(baseline.cpuCores)],
  ]
  console.log(`\n| figure | ${instances > 1 ? `hub, ${instances} instances` : 'hub'} | baseline | hub/baseline |\n|---|---|---|---|`)
  for (const [name, h, b] of rows) console.log(`| ${name} | ${fmt(h)} | ${fmt(b)} | ${ratio(h, b)} |`)
  if (instances > 1) {
    const roles = ['providers: delivers what Redis brings', 'consumers: validates, stores, acks, publishes to Redis']
    console.log('\nper process (CPU cores during the closed loop):')
    hub.cpuCores.forEach((cores, i) => console.log(`  instance ${i + 1} (${roles[i]}): ${fmt(cores, 2)} CPU cores, peak RSS ${fmt(hub.peakMib[i] as number)} MiB`))
    console.log(`  Redis server (not in the sums above): ${fmt(hub.redisCores, 2)} CPU cores`)
  }
  if (history) {
    console.log(`\n| history, ${historyRows.toLocaleString('en')} messages in one channel | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|`)
    console.log(`| GET /channels/:id/messages?limit=50 (newest page) | ${fmt(history.tail.p50, 2)} | ${fmt(history.tail.p95, 2)} | ${fmt(history.tail.p99, 2)} |`)
    console.log(`| … &before_seq=${Math.floor(historyRows / 2)} (middle) | ${fmt(history.middle.p50, 2)} | ${fmt(history.middle.p95, 2)} | ${fmt(history.middle.p99, 2)} |`)
  } else {
    console.log('\nhistory reads: not measured here. A page is one query from the instance asked to the database, whatever the number of instances; run without --instances for them.')
  }
  console.log(`\n| idle connections${instances > 1 ? ' (one instance, with Redis)' : ''} | connects/s | KiB per idle connection |\n|---|---|---|`)
  console.log(`| ${idle.connections} | ${fmt(idle.connectsPerSecond, 0)} | ${fmt(idle.kibPerConnection)} |`)
  const credentials = { keyless: 'none (keyless, from this machine)', keyed: 'API key alone (Bearer)', jwt: 'HS256 JWT alone (Bearer)' }
  console.log(`\n| connects of existing agents (${connectCount} each, 64 at a time, until welcome) | connects/s | load generators' CPU (cores) |\n|---|---|---|`)
  for (const result of connects) console.log(`| ${credentials[result.mode]} | ${fmt(result.connectsPerSecond, 0)} | ${fmt(result.generatorCores, 2)} |`)

  const delivered = hub.throughput.delivered / hub.throughput.seconds
  const targets: [string, boolean][] = [
    ['≥ 20,000 messages/s delivered and stored', delivered >= 20_000],
    ['≥ 0.5× the baseline’s throughput', delivered >= 0.5 * (baseline.throughput.delivered / baseline.throughput.seconds)],
    [`p99 latency < 10 ms at ${rate} msg/s`, percentile(hub.latency.latencyMs, 99) < 10],
  ]
  if (history) targets.push([`history p99 < 5 ms at ${historyRows.toLocaleString('en')} rows`, history.tail.p99 < 5])
  targets.push(['< 50 KiB per idle connection', idle.kibPerConnection < 50])
  const named = { keyless: 'keyless', keyed: 'keyed', jwt: 'JWT' }
  for (const result of connects) targets.push([`≥ 2,000 ${named[result.mode]} connects/s`, result.connectsPerSecond >= 2_000])
  console.log('\ntargets:')
  for (const [target, met] of targets) console.log(`  ${met ? 'met   ' : 'MISSED'} ${target}`)
}

await main()
process.exit(0)
