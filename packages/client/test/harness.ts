// Shared set-up for the client's end-to-end tests: one real hub per test file, clients that
// are disconnected after each test, ids unique within the file (its tests share the hub), and
// taps that record what the hub received on, and wrote to, each agent's sockets.
import type { IncomingMessage } from 'node:http'
import type { RawData, WebSocket, WebSocketServer } from 'ws'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { ChatClient, type ChatClientOptions } from '@claw-chat-hub/client'
import { startHub, type TestHub } from '../../../test/helpers/hub.js'

export type Frame = Record<string, unknown> & { type: string }

export interface Tap {
  /** The hub's end of the connection. */
  socket: WebSocket
  /** Frames the hub received on this socket. */
  received: Frame[]
  /** Frames the hub wrote to this socket (the write completed). */
  written: Frame[]
}

export interface Harness {
  readonly hub: TestHub
  unique(prefix: string): string
  connected(agentId: string, options?: Partial<ChatClientOptions>): Promise<ChatClient>
  /** A provider that accepts every request, a consumer, and an accepted channel between them. */
  openChat(consumerOptions?: Partial<ChatClientOptions>, providerOptions?: Partial<ChatClientOptions>): Promise<Chat>
  tapsOf(client: ChatClient): Tap[]
  latestTap(client: ChatClient): Tap
}

export interface Chat {
  provider: ChatClient
  consumer: ChatClient
  serviceId: string
  channelId: string
}

export const text = (data: RawData) => (data as Buffer).toString('utf8')

/** `env` configures the hub (e.g. HEARTBEAT_INTERVAL_MS) for every test of the file. */
export function useHub(env: Record<string, string> = {}): Harness {
  let hub: TestHub | undefined
  let counter = 0
  const taps = new Map<string, Tap[]>()
  const open: ChatClient[] = []

  beforeAll(async () => {
    hub = await startHub({ env })
    tapConnections((hub.app as unknown as { websocketServer: WebSocketServer }).websocketServer, taps)
  })
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.disconnect()))
  })
  afterAll(() => hub?.close())

  const harness: Harness = {
    get hub() {
      if (hub === undefined) throw new Error('the hub starts in beforeAll')
      return hub
    },
    unique: (prefix) => `${prefix}-${++counter}`,
    async connected(agentId, options = {}) {
      const client = new ChatClient({ hubUrl: harness.hub.wsUrl, agentId, ...options })
      open.push(client)
      await client.connect()
      return client
    },
    async openChat(consumerOptions = {}, providerOptions = {}) {
      const serviceId = harness.unique('svc')
      const provider = await harness.connected(harness.unique('provider'), providerOptions)
      const consumer = await harness.connected(harness.unique('consumer'), consumerOptions)
      await provider.registerService({ serviceId })
      provider.on('chat_request', (request) => void provider.acceptChat({ channelId: request.channel_id }))
      const chat = await consumer.requestChat({ serviceId })
      expect(chat.status).toBe('accepted')
      return { provider, consumer, serviceId, channelId: chat.channelId }
    },
    tapsOf: (client) => taps.get(client.agentId) ?? [],
    latestTap(client) {
      const all = harness.tapsOf(client)
      const last = all[all.length - 1]
      if (last === undefined) throw new Error(`${client.agentId} never connected`)
      return last
    },
  }
  return harness
}

/** A tap's frames as a readable trace: messages by seq, everything else by type. */
export const trace = (frames: Frame[]) => frames.map((f) => (f.type === 'chat_message' ? f.seq : f.type))

/** Reads `count` items from an iterator (fewer if it ends first). */
export async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const out: T[] = []
  while (out.length < count) {
    const next = await iterator.next()
    if (next.done === true) break
    out.push(next.value)
  }
  return out
}

// @fastify/websocket emits 'connection' before the hub's route handler runs, so these
// listeners see every frame the hub sees, and wrap send() before the hub's first write.
function tapConnections(server: WebSocketServer, taps: Map<string, Tap[]>): void {
  server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const agentId = new URL(request.url ?? '/', 'http://hub').searchParams.get('agent_id') ?? ''
    const tap: Tap = { socket, received: [], written: [] }
    socket.on('message', (data) => tap.received.push(JSON.parse(text(data)) as Frame))
    const send = socket.send.bind(socket) as (data: string, cb?: (error?: Error) => void) => void
    ;(socket as unknown as { send: typeof send }).send = (data, cb) =>
      send(data, (error) => {
        if (!error) tap.written.push(JSON.parse(data) as Frame)
        cb?.(error)
      })
    taps.set(agentId, [...(taps.get(agentId) ?? []), tap])
  })
}
