// Per-connection and per-agent limits over real sockets: frames per second (a pace: frames over
// it are read later, not refused), refused frames, connections per agent and pending chat
// requests. Each other breach is refused with a named error (or closes with a documented code),
// counted in hub_limit_breaches_total, leaves stored data unchanged, and the hub goes on serving
// well-behaved clients.
import WebSocket from 'ws'
import { describe, expect, it } from 'vitest'
import type { App } from '../../src/app.js'
import { useHubAgents } from '../helpers/hub-agents.js'
import { breaches } from '../helpers/metrics.js'
import { until } from '../helpers/poll.js'
import { refusedUpgrade, type Frame, type FrameType, type WsAgent } from '../helpers/ws-agent.js'

const { start, connect } = useHubAgents()

/** What the channel holds once everything accepted has been committed. */
async function storedContents(app: App, channelId: string): Promise<string[]> {
  await app.store.writer.drain()
  const page = await app.store.messages.page(channelId, { limit: 500 })
  return page.messages.map((message) => message.content)
}

/** Replies (or errors) to the frames sent with these request_ids, by request_id. */
async function replies(agent: WsAgent, requestIds: string[], type: FrameType): Promise<Map<string, Frame>> {
  const got = await Promise.all(
    requestIds.map((requestId) =>
      Promise.race([agent.next(type, (f) => f.request_id === requestId), agent.next('error', (f) => f.request_id === requestId)]),
    ),
  )
  return new Map(got.map((frame) => [frame.request_id as string, frame]))
}

describe('frames per second (MAX_FRAMES_PER_SECOND=1: bursts of 2)', () => {
  async function openChannel(app: App): Promise<string> {
    const { channel } = await app.chat.lifecycle.open('provider', 'consumer', null)
    return channel.id
  }

  it('reads frames over the pace later instead of refusing them, and counts the breach', async () => {
    const { app } = await start({ MAX_FRAMES_PER_SECOND: '1' })
    const channelId = await openChannel(app)
    const consumer = await connect('consumer')
    const ids = ['m1', 'm2', 'm3', 'm4']
    for (const id of ids) consumer.send({ type: 'chat_message', channel_id: channelId, content: id, request_id: id })

    const answers = await replies(consumer, ids, 'ack')
    expect(ids.map((id) => answers.get(id)?.type)).toEqual(['ack', 'ack', 'ack', 'ack'])
    expect(await storedContents(app, channelId)).toEqual(ids)
    expect(await breaches(app, 'max_frames_per_second')).toBeGreaterThanOrEqual(1)
    expect(consumer.closed).toBeUndefined()
  })

  it('counts each connection on its own: another connection of the same agent is served meanwhile', async () => {
    await start({ MAX_FRAMES_PER_SECOND: '1' })
    const flooding = await connect('consumer')
    for (let i = 0; i < 6; i++) flooding.send({ type: 'ping' })
    const calm = await connect('consumer')
    expect(await calm.request({ type: 'ping' }, 'pong')).toMatchObject({ type: 'pong' })
    // The flooding one is slowed, not refused: every ping is answered in the end.
    await until(() => flooding.frames.filter((frame) => frame.type === 'pong').length === 6, 20_000)
    expect(flooding.frames.filter((frame) => frame.type === 'error')).toEqual([])
  })

  it('closes a connection that keeps sending frames it must refuse with 4400, stores nothing of them, and serves others', async () => {
    const { app } = await start({})
    const channelId = await openChannel(app)
    const provider = await connect('provider')
    const consumer = await connect('consumer')
    // Well-formed, but to a channel that does not exist: each one is refused.
    for (let i = 1; i <= 60; i++) consumer.send({ type: 'chat_message', channel_id: 'ch_none', content: `flood ${i}` })
    for (let i = 1; i <= 60; i++) consumer.send('not json')

    expect((await consumer.waitClosed()).code).toBe(4400)
    expect(await storedContents(app, channelId)).toEqual([])
    expect(await provider.request({ type: 'chat_message', channel_id: channelId, content: 'still here' }, 'ack')).toMatchObject({
      type: 'ack',
      seq: 1,
    })
    const back = await connect('consumer')
    expect(await back.request({ type: 'ping' }, 'pong')).toMatchObject({ type: 'pong' })
  })
})

describe('connections per agent (MAX_CONNECTIONS_PER_AGENT=2)', () => {
  it('refuses the upgrade past the limit with 429 TOO_MANY_CONNECTIONS, not a closed socket', async () => {
    const { app, wsUrl } = await start({ MAX_CONNECTIONS_PER_AGENT: '2' })
    const first = await connect('busy')
    await connect('busy')
    const seenBefore = (await app.store.agents.get('busy'))?.lastSeenAt

    const refused = await refusedUpgrade(wsUrl, '?agent_id=busy')
    expect(refused).toEqual({
      status: 429,
      body: { error: { code: 'TOO_MANY_CONNECTIONS', message: 'Agent busy already holds 2 connections, the most allowed' } },
    })
    expect((await app.store.agents.get('busy'))?.lastSeenAt).toEqual(seenBefore)
    expect(app.transport.router.connectionsOf('busy')).toBe(2)
    expect(await breaches(app, 'max_connections_per_agent')).toBe(1)

    // Other agents are not affected, and a closed connection frees its slot.
    expect(await (await connect('other')).request({ type: 'ping' }, 'pong')).toMatchObject({ type: 'pong' })
    await first.close()
    await until(() => app.transport.router.connectionsOf('busy') === 1)
    const again = await connect('busy')
    expect(await again.request({ type: 'ping' }, 'pong')).toMatchObject({ type: 'pong' })
  })

  it('lets exactly the limit through when upgrades race', async () => {
    const { app, wsUrl } = await start({ MAX_CONNECTIONS_PER_AGENT: '2' })
    const sockets: WebSocket[] = []
    const attempt = () =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${wsUrl}/ws?agent_id=racer`)
        sockets.push(socket)
        socket.on('open', () => resolve(101))
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
        socket.on('error', reject)
      })
    const statuses = await Promise.all(Array.from({ length: 6 }, attempt))
    expect(statuses.filter((status) => status === 101)).toHaveLength(2)
    expect(statuses.filter((status) => status === 429)).toHaveLength(4)
    expect(await breaches(app, 'max_connections_per_agent')).toBe(4)
    await until(() => app.transport.router.connectionsOf('racer') === 2)
    for (const socket of sockets) socket.terminate()
  })
})

describe('pending chat requests (MAX_PENDING_REQUESTS=2)', () => {
  async function providers(count: number): Promise<WsAgent[]> {
    const list: WsAgent[] = []
    for (let i = 0; i < count; i++) {
      const provider = await connect(`provider-${i}`)
      await provider.request({ type: 'register_service', service_id: `svc-${i}` }, 'register_service')
      list.push(provider)
    }
    return list
  }

  it('refuses a new request with TOO_MANY_PENDING, re-sends a repeated one, and admits one again after an answer', async () => {
    const { app } = await start({ MAX_PENDING_REQUESTS: '2' })
    const [p0, , p2] = await providers(3) as [WsAgent, WsAgent, WsAgent]
    const consumer = await connect('consumer')
    consumer.send({ type: 'chat_request', service_id: 'svc-0' })
    consumer.send({ type: 'chat_request', service_id: 'svc-1' })
    const first = await p0.next('chat_request')

    const refused = await consumer.request({ type: 'chat_request', service_id: 'svc-2' }, 'chat_request')
    expect(refused).toMatchObject({ type: 'error', code: 'TOO_MANY_PENDING', message: expect.stringContaining('consumer has 2') })
    expect(await app.store.channels.countPending('consumer')).toBe(2)
    expect((await app.store.channels.list({ serviceId: 'svc-2' }, 10)).items).toEqual([])
    expect(await breaches(app, 'max_pending_requests')).toBe(1)
    expect(p2.frames.filter((frame) => frame.type === 'chat_request')).toEqual([])

    // Asking again for a service already requested is not a new request.
    consumer.send({ type: 'chat_request', service_id: 'svc-0', message: 'still there?' })
    expect(await p0.next('chat_request')).toMatchObject({ channel_id: first.channel_id })
    expect(await app.store.channels.countPending('consumer')).toBe(2)

    await p0.request({ type: 'chat_accept', channel_id: first.channel_id }, 'chat_accept')
    consumer.send({ type: 'chat_request', service_id: 'svc-2' })
    expect(await p2.next('chat_request')).toMatchObject({ consumer_id: 'consumer', service_id: 'svc-2' })
    expect(await app.store.channels.countPending('consumer')).toBe(2)
    expect(await breaches(app, 'max_pending_requests')).toBe(1)
  })

  it('holds the limit when requests race from several connections of the consumer', async () => {
    const { app } = await start({ MAX_PENDING_REQUESTS: '2' })
    await providers(6)
    const connections = await Promise.all([connect('consumer'), connect('consumer'), connect('consumer')])
    connections.forEach((connection, c) => {
      for (const i of [0, 1]) connection.send({ type: 'chat_request', service_id: `svc-${2 * c + i}` })
    })
    // Each connection handles its frames in order: its pong follows its two requests.
    await Promise.all(connections.map((connection) => connection.request({ type: 'ping' }, 'pong')))
    const refusals = connections.flatMap((connection) => connection.frames.filter((frame) => frame.type === 'error'))
    expect(refusals).toHaveLength(4)
    expect(refusals.every((frame) => frame.code === 'TOO_MANY_PENDING')).toBe(true)
    expect(await app.store.channels.countPending('consumer')).toBe(2)
  })
})
