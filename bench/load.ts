// The benchmark's workload: N pairs over real WebSockets, each consumer sending to its provider.
// Closed loop (a window of unacked messages per sender) measures throughput; open loop (a fixed
// total rate, latency measured from each message's scheduled send time, so a stalled server is
// not excused) measures latency. The same frames go to the hub and to the baseline relay; with
// two hub instances each pair's provider is on one and its consumer on the other.
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { until } from '../test/helpers/poll.js'
import { clientAddress } from './addresses.js'

export interface Workload {
  pairs: number
  size: number
  seconds: number
  /** Messages per second in all (open loop); 0 runs closed loop. */
  rate: number
  /** Unacked messages per sender in closed loop. */
  window: number
}

export interface LoadResult {
  sent: number
  acked: number
  delivered: number
  /** Error frames the server sent (RATE_LIMITED or any other), and sockets it closed. */
  refused: number
  disconnects: number
  seconds: number
  latencyMs: number[]
  ackMs: number[]
}

interface Pair {
  channelId: string
  provider: string
  sender: WebSocket
  receiver: WebSocket
  sentAt: Map<number, number>
  inFlight: number
}

/** A raw socket for the agent, resolved at the hub's welcome (no client library in the way). */
export function open(url: string, agentId: string, localAddress?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/ws?agent_id=${agentId}`, localAddress ? { localAddress } : {})
    socket.once('message', () => resolve(socket)) // welcome
    socket.once('error', reject)
  })
}

/** Where the providers (receivers) and the consumers (senders) connect; one URL for both, or two. */
export interface PairUrls {
  provider: string
  consumer: string
}

/**
 * Connects the pairs; `channelIds[i]` is the channel of pair `numbers[i]` (the hub's, or any id for
 * the baseline), whose agents are `${tag}-p<number>` and `${tag}-c<number>`.
 */
export async function connectPairs(urls: PairUrls, channelIds: string[], tag: string, numbers: number[]): Promise<Pair[]> {
  return Promise.all(
    channelIds.map(async (channelId, i) => ({
      channelId,
      provider: `${tag}-p${numbers[i]}`,
      receiver: await open(urls.provider, `${tag}-p${numbers[i]}`, clientAddress(2 * (numbers[i] as number))),
      sender: await open(urls.consumer, `${tag}-c${numbers[i]}`, clientAddress(2 * (numbers[i] as number) + 1)),
      sentAt: new Map<number, number>(),
      inFlight: 0,
    })),
  )
}

export async function runLoad(pairs: Pair[], workload: Workload): Promise<LoadResult> {
  const result: LoadResult = { sent: 0, acked: 0, delivered: 0, refused: 0, disconnects: 0, seconds: 0, latencyMs: [], ackMs: [] }
  const padding = 'x'.repeat(Math.max(0, workload.size - 20))
  let nextId = 1
  let running = true

  const send = (pair: Pair, intended: number) => {
    const id = nextId++
    pair.sentAt.set(id, intended)
    pair.inFlight++
    result.sent++
    pair.sender.send(
      `{"type":"chat_message","channel_id":"${pair.channelId}","target_agent":"${pair.provider}","content":"${intended}|${padding}","request_id":${id}}`,
    )
  }
  for (const pair of pairs) {
    pair.receiver.removeAllListeners('message')
    pair.sender.removeAllListeners('message')
    for (const socket of [pair.receiver, pair.sender]) {
      socket.removeAllListeners('close')
      socket.on('close', () => running && result.disconnects++)
    }
    pair.receiver.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { type: string; content?: string }
      if (frame.type !== 'chat_message' || frame.content === undefined) return
      result.delivered++
      result.latencyMs.push(performance.now() - Number(frame.content.slice(0, frame.content.indexOf('|'))))
    })
    pair.sender.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { type: string; request_id?: number; code?: string }
      if (frame.type === 'error') result.refused++
      if (frame.type !== 'ack' || frame.request_id === undefined) return
      const sentAt = pair.sentAt.get(frame.request_id)
      pair.sentAt.delete(frame.request_id)
      pair.inFlight--
      result.acked++
      if (sentAt !== undefined) result.ackMs.push(performance.now() - sentAt)
      if (running && workload.rate === 0) send(pair, performance.now())
    })
  }

  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  if (workload.rate === 0) {
    for (const pair of pairs) for (let i = 0; i < workload.window; i++) send(pair, performance.now())
  } else {
    let scheduled = 0
    timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * workload.rate)
      for (; scheduled < due; scheduled++) {
        send(pairs[scheduled % pairs.length] as Pair, started + (scheduled / workload.rate) * 1000)
      }
    }, 1)
  }
  await new Promise((resolve) => setTimeout(resolve, workload.seconds * 1000))
  running = false
  clearInterval(timer)
  result.seconds = (performance.now() - started) / 1000
  // Let what is in flight land (its latency counts; the rate uses the measured window only).
  const deliveredInWindow = result.delivered
  await until(() => pairs.every((pair) => pair.inFlight === 0), 5000).catch(() => undefined)
  return { ...result, delivered: deliveredInWindow }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

export async function closePairs(pairs: Pair[]): Promise<void> {
  for (const pair of pairs) {
    pair.sender.terminate()
    pair.receiver.terminate()
  }
}
