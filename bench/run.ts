// The benchmark: the same workload against the hub, on its default settings (no limit lifted),
// and against a bare `ws` relay (the baseline) in one run, driven by several load-generator
// processes whose CPU is printed; the hub on SQLite and on PostgreSQL; then history reads at
// scale, idle connections and connect rates on the hub. Every simulated client connects from an
// address of its own (bench/addresses.ts), as a fleet would. Prints figures, hub/baseline
// ratios and the targets; asserts nothing. With `--instances 2` the hub runs as two
// instances on one Postgres database and Redis, and every message crosses between them.
//   npm run bench -- [--quick] [--db sqlite|postgres|both] [--instances 1|2] [--generators 3]
//                    [--pairs 50] [--size 256] [--seconds 10] [--rate 2000] [--window 32]
//                    [--history 1000000] [--idle 10000] [--connects 2000] [--cpu-prof DIR]
import { tempDatabaseOf } from '../test/helpers/database.js'
import { redisCluster, type Cluster } from './cluster.js'
import { connectRates, type ConnectResult } from './connects.js'
import { startGenerator } from './generator.js'
import { createChannel, measureHistory, seedMessages, type HistoryResult } from './history.js'
import { measureIdle, type IdleResult } from './idle.js'
import type { Workload } from './load.js'
import { report, type Figures, type HubRun } from './report.js'
import { cpuSeconds, memory, startServer, type Server } from './servers.js'
import { connectCount, databases, generators, hubNodeArgs, historyRows, idleConnections, instances, JWT_SECRET, pairs, quick, rate, seconds, size, window } from './settings.js'

/** Runs both loads; pair i's provider connects to the first server, its consumer to the last. */
async function drive(servers: Server[], channelIds: string[], tag: string, cluster?: Cluster): Promise<Figures> {
  const wsUrl = (server: Server) => `ws://127.0.0.1:${server.port}`
  const [first, last] = [servers[0] as Server, servers.at(-1) as Server]
  const generator = await startGenerator({ provider: wsUrl(first), consumer: wsUrl(last) }, channelIds, tag, generators)
  const pids = servers.map((server) => server.child.pid as number)
  const redisCpu = async () => (cluster ? cluster.redisCpuSeconds() : NaN)
  const workload: Workload = { pairs, size, seconds, rate: 0, window }
  const cpuBefore = pids.map(cpuSeconds)
  const redisBefore = await redisCpu()
  const throughput = await generator.run(workload)
  const cpuCores = pids.map((pid, i) => (cpuSeconds(pid) - (cpuBefore[i] as number)) / throughput.result.seconds)
  const redisCores = ((await redisCpu()) - redisBefore) / throughput.result.seconds
  const openBefore = pids.map(cpuSeconds)
  const latency = await generator.run({ ...workload, rate })
  const openCpu = pids.reduce((total, pid, i) => total + cpuSeconds(pid) - (openBefore[i] as number), 0)
  await generator.close()
  return {
    throughput: throughput.result,
    latency: latency.result,
    cpuCores,
    cpuMsPer1000: (openCpu * 1000) / (latency.result.sent / 1000),
    generatorCores: { closed: throughput.cpuCores, open: latency.cpuCores },
    peakMib: pids.map((pid) => memory(pid).peak),
    redisCores,
  }
}

/** Hub processes on one database, on their defaults, joined into a cluster when there are several. */
async function startHubs(ports: number[], env: Record<string, string>, cluster?: Cluster): Promise<Server[]> {
  const servers = await Promise.all(ports.map((port) => startServer('hub', port, env, hubNodeArgs)))
  if (cluster) await Promise.all(servers.map((server) => cluster.joined(server.port)))
  return servers
}

async function main(): Promise<void> {
  const cluster = instances > 1 ? await redisCluster() : undefined
  const port = 18_000 + (process.pid % 1000)
  const hubPort = port + 1
  const hubPorts = Array.from({ length: instances }, (_, i) => hubPort + i)
  const topology = cluster ? `, ${instances} hub instances on Redis (every provider on the first, every consumer on the second)` : ''
  console.log(
    `claw-chat-hub benchmark — hub on its default settings, ${databases.join(' and ')}${topology}, ${pairs} pairs, ${size}-byte messages, ${seconds} s runs, window ${window}, open loop at ${rate} msg/s, ${generators} load-generator processes${quick ? ' (quick)' : ''}`,
  )

  const baselineServer = await startServer('baseline', port)
  const baseline = await drive([baselineServer], Array.from({ length: pairs }, (_, i) => `ch_baseline_${i}`), 'baseline-bench')
  await baselineServer.stop()

  const runs: HubRun[] = []
  let idle: IdleResult | undefined
  let connects: ConnectResult[] = []
  for (const kind of databases) {
    const db = await tempDatabaseOf(kind)
    const env = { DATABASE_URL: db.url, ...cluster?.env }
    const hubServers = await startHubs(hubPorts, env, cluster)
    const httpUrl = `http://127.0.0.1:${hubPort}`
    const channelIds: string[] = []
    for (let i = 0; i < pairs; i++) channelIds.push(await createChannel(httpUrl, `hub-bench-p${i}`, `hub-bench-c${i}`))
    const figures = await drive(hubServers, channelIds, 'hub-bench', cluster)
    let history: HistoryResult | undefined
    if (!cluster) {
      const historyChannel = await createChannel(httpUrl)
      await seedMessages(db.url, historyChannel, historyRows)
      history = await measureHistory(httpUrl, (hubServers[0] as Server).child.pid as number, historyChannel, historyRows, quick ? 200 : 1000)
    }
    await Promise.all(hubServers.map((server) => server.stop()))
    if (idle === undefined) {
      // Idle memory on a fresh hub process: what the load runs left for the GC would blur it. In a
      // cluster, on one instance with Redis, where each connected agent is also a subscription.
      const [idleServer] = (await startHubs([hubPort], env, cluster)) as [Server]
      const measured = await measureIdle(`ws://127.0.0.1:${hubPort}`, idleServer.child.pid as number, idleConnections)
      measured.close()
      idle = measured.result
      await idleServer.stop()
      connects = await measureConnectRates(hubPort, env, cluster)
    }
    await db.remove()
    runs.push({ kind, figures, history })
  }
  await cluster?.close()
  report(runs, baseline, idle as IdleResult, connects)
}

/** Connects per second by credential (bench/connects.ts), on a hub that also accepts JWTs. */
async function measureConnectRates(port: number, env: Record<string, string>, cluster?: Cluster): Promise<ConnectResult[]> {
  const [server] = (await startHubs([port], { ...env, HUB_JWT_SECRET: JWT_SECRET }, cluster)) as [Server]
  const results = await connectRates(port, connectCount)
  await server.stop()
  return results
}

await main()
process.exit(0)
