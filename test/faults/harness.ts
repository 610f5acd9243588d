// The fault tests' hub: a real hub process (so that "it never exited" means something) on its
// own database, a watch (watch.ts) of /healthz and the process's RSS while an abuse runs, and a
// witness: a well-behaved pair of agents exchanging messages meanwhile, counted as sent,
// acked, stored, delivered, lost and duplicated. Each test prints one line of figures.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { tempDatabase, type TempDatabase } from '../helpers/database.js'
import { until } from '../helpers/poll.js'
import { freshPort, spawnEntry, waitReady, type HubProcess } from '../helpers/process.js'
import { WsAgent } from '../helpers/ws-agent.js'
import { watch, type Watched } from './watch.js'

export { watch } from './watch.js'

export interface FaultHub {
  process: HubProcess
  url: string
  wsUrl: string
  database: TempDatabase
  stop(): Promise<void>
}

// Each hub notes its own stalls and GC pauses (stall-probe.ts, read back by watch.ts); with
// FAULT_CPU_PROF=DIR (bench/faults.ts --cpu-prof DIR) it writes a V8 CPU profile there as it
// exits, and its stderr beside it.
const nodeArgs = [
  '--import',
  fileURLToPath(new URL('stall-probe.ts', import.meta.url)),
  ...(process.env.FAULT_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FAULT_CPU_PROF}`] : []),
]

export async function startFaultHub(env: Record<string, string> = {}): Promise<FaultHub> {
  const database = await tempDatabase()
  const port = freshPort()
  const hub = spawnEntry('src/server.ts', { PORT: port, DATABASE_URL: database.url, LOG_LEVEL: 'error', ...env }, nodeArgs)
  await waitReady(hub, 60_000)
  // Warm up: the first requests compile the route's code, which is no abuse's doing.
  for (let i = 0; i < 20; i++) await fetch(`${hub.url}/healthz`).then((r) => r.arrayBuffer())
  return {
    process: hub,
    url: hub.url,
    wsUrl: hub.url.replace('http', 'ws'),
    database,
    stop: async () => {
      await hub.stop()
      // Beside the profile, the hub's stall lines (their end_us is on the profile's clock).
      if (process.env.FAULT_CPU_PROF) writeFileSync(`${process.env.FAULT_CPU_PROF}/hub-${hub.child.pid}.stderr`, hub.stderr())
      await database.remove()
    },
  }
}

/** True while the hub process runs. */
export const isUp = (hub: FaultHub): boolean => hub.process.child.exitCode === null && hub.process.child.signalCode === null

export interface Figures {
  sent: number
  /** Sends refused as retryable and sent again. */
  retried: number
  acked: number
  stored: number
  delivered: number
  lost: number
  duplicates: number
}

let witnesses = 0

/**
 * A consumer sends `count` messages to a provider, one every 10 ms, while `abuse` runs; resolves
 * with the figures once everything acked has been delivered (or the wait timed out).
 */
export async function witness(hub: FaultHub, abuse: () => Promise<void>, count = 100): Promise<Figures> {
  const id = `${process.pid}-${++witnesses}`
  const provider = await WsAgent.connect(hub.wsUrl, `wprov-${id}`)
  const consumer = await WsAgent.connect(hub.wsUrl, `wcons-${id}`)
  const opened = await fetch(`${hub.url}/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      provider_id: provider.agentId,
      consumer_id: consumer.agentId,
    }),
  })
  const channelId = ((await opened.json()) as { channel_id: string }).channel_id
  // A retryable refusal (RATE_LIMITED, UNAVAILABLE) is sent again with the same client_msg_id, as the clients do.
  let retried = 0
  const send = (i: number) =>
    consumer.send({
      type: 'chat_message',
      channel_id: channelId,
      content: `w${i}`,
      client_msg_id: `w${i}`,
      request_id: i,
    })
  consumer.socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as {
      type: string
      code?: string
      request_id?: number
    }
    if (frame.type !== 'error' || (frame.code !== 'RATE_LIMITED' && frame.code !== 'UNAVAILABLE')) return
    retried++
    setTimeout(() => send(frame.request_id as number), 100)
  })
  const sending = (async () => {
    for (let i = 1; i <= count; i++) {
      send(i)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  })()
  await Promise.all([sending, abuse()])
  const acks = () => consumer.frames.filter((f) => f.type === 'ack').length
  const delivered = () => provider.frames.filter((f) => f.type === 'chat_message').length
  await until(() => acks() >= count && delivered() >= acks(), 30_000, 'witness messages acked and delivered').catch(() => undefined)
  const stored = await storedContents(hub, channelId)
  const deliveredContents = provider.frames.flatMap((f) => (f.type === 'chat_message' ? [f.content] : []))
  const ackedIds = [...new Set(consumer.frames.flatMap((f) => (f.type === 'ack' ? [f.client_msg_id ?? ''] : [])))]
  await Promise.all([provider.close(), consumer.close()])
  const storedSet = new Set(stored)
  const deliveredSet = new Set(deliveredContents)
  return {
    sent: count,
    retried,
    acked: ackedIds.length,
    stored: stored.length,
    delivered: deliveredContents.length,
    lost: ackedIds.filter((key) => !storedSet.has(key) || !deliveredSet.has(key)).length,
    duplicates: stored.length - storedSet.size + (deliveredContents.length - deliveredSet.size),
  }
}

/** Every message stored on the channel, read back page by page over REST. */
export async function storedContents(hub: FaultHub, channelId: string): Promise<string[]> {
  const contents: string[] = []
  let after = 0
  for (;;) {
    const response = await fetch(`${hub.url}/channels/${channelId}/messages?limit=500&after_seq=${after}`)
    const page = (await response.json()) as {
      messages: { content: string; seq: number }[]
      has_more: boolean
    }
    contents.push(...page.messages.map((m) => m.content))
    const last = page.messages.at(-1)
    if (!page.has_more || !last) return contents
    after = last.seq
  }
}

/** The line of figures a fault test prints (bench/faults.ts collects them). */
export function report(fault: string, figures: Figures, watched: Watched, up: boolean): string {
  const line =
    `FAULT ${fault}: sent=${figures.sent} retried=${figures.retried} acked=${figures.acked} stored=${figures.stored} delivered=${figures.delivered} ` +
    `lost=${figures.lost} duplicates=${figures.duplicates} up=${up ? 'yes' : 'NO'} ` +
    `healthz_max_ms=${watched.healthzMaxMs} healthz_p99_ms=${watched.healthzP99Ms} healthz_p90_ms=${watched.healthzP90Ms} healthz_p50_ms=${watched.healthzP50Ms} probes=${watched.probes} ` +
    `loop_max_ms=${watched.loopMaxMs} stall_max_ms=${watched.stallMaxMs} stall_ran_ms=${watched.stallRanMs} ran_max_ms=${watched.stallRanMaxMs} gc_max_ms=${watched.gcMaxMs} rss_max_mb=${watched.rssMaxMb}`
  console.log(line)
  return line
}

export async function channelBetween(hub: FaultHub, provider: string, consumer: string): Promise<string> {
  const response = await fetch(`${hub.url}/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider_id: provider, consumer_id: consumer }),
  })
  return ((await response.json()) as { channel_id: string }).channel_id
}

/** Runs an abuse beside the witness, prints the figures, and checks that nothing was lost and the hub is up. */
export async function underAbuse(hub: FaultHub, fault: string, abuse: () => Promise<void>): Promise<void> {
  const watched = watch(hub)
  const figures = await witness(hub, abuse)
  report(fault, figures, await watched.stop(), isUp(hub))
  expect(figures).toMatchObject({ lost: 0, duplicates: 0, acked: figures.sent, stored: figures.sent, delivered: figures.sent })
  expect(isUp(hub)).toBe(true)
}
