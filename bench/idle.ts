// Idle connections: how fast agents connect, and what each open, idle connection costs the hub.
import { performance } from 'node:perf_hooks'
import type WebSocket from 'ws'
import { clientAddress } from './addresses.js'
import { open } from './load.js'
import { memory } from './servers.js'

const CONCURRENCY = 64

export interface IdleResult {
  connections: number
  connectsPerSecond: number
  kibPerConnection: number
}

export async function measureIdle(wsUrl: string, pid: number, count: number): Promise<{ result: IdleResult; close: () => void }> {
  const sockets: WebSocket[] = []
  const before = memory(pid).rss
  const started = performance.now()
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      sockets.push(await open(wsUrl, `idle-${i}`, clientAddress(i)))
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const seconds = (performance.now() - started) / 1000
  // Let the hub settle (last-seen writes, replay queries) before reading its memory.
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const after = memory(pid).rss
  return {
    result: { connections: count, connectsPerSecond: count / seconds, kibPerConnection: ((after - before) * 1024) / count },
    close: () => sockets.forEach((socket) => socket.terminate()),
  }
}
