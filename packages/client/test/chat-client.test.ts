// ChatClient against a real hub: connecting and its failures, refusals surfacing with the
// hub's codes, and listeners that throw. Channels and messages: channels.test.ts.
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { ChatClient, ChatHubError, type ConnectedEvent } from '@claw-chat-hub/client'
import { useHub } from './harness.js'

const h = useHub()

describe('connecting', () => {
  it('resumes first, then resolves connect() with the welcome and reports its state', async () => {
    const client = new ChatClient({ hubUrl: h.hub.wsUrl, agentId: 'greeted' })
    expect(client.state).toBe('idle')
    const connectedEvent = once(client, 'connected')
    const welcome = await client.connect()
    expect(welcome).toMatchObject({ agent_id: 'greeted', protocol: expect.any(Number) as number })
    expect(client.state).toBe('open')
    const [event] = (await connectedEvent) as [ConnectedEvent]
    expect(event).toMatchObject({ reconnected: false, replayed: 0 })
    expect(h.latestTap(client).received).toEqual([{ type: 'resume', request_id: 'resume', channels: [] }])
    expect(await client.connect()).toEqual(welcome) // idempotent while open
    await client.disconnect()
    expect(client.state).toBe('closed')
  })

  it.each([['without /ws', ''], ['with /ws', '/ws'], ['with /ws/', '/ws/']])('accepts a hubUrl %s', async (_, suffix) => {
    const client = await h.connected(h.unique('url'), { hubUrl: `${h.hub.wsUrl}${suffix}` })
    expect(client.state).toBe('open')
  })

  it('rejects calls made before connect() and after disconnect()', async () => {
    const client = new ChatClient({ hubUrl: h.hub.wsUrl, agentId: h.unique('idle') })
    await expect(client.sendMessage({ targetAgent: 'x', content: 'hi' })).rejects.toMatchObject({ code: 'NOT_CONNECTED' })
    await client.connect()
    await client.disconnect()
    await expect(client.getHistory({ channelId: 'ch_x' })).rejects.toThrow(/not connected/)
  })

  it('surfaces a refused upgrade with the hub code and HTTP status', async () => {
    const client = new ChatClient({ hubUrl: h.hub.wsUrl, agentId: 'not valid!' })
    const error = (await client.connect().catch((e: unknown) => e)) as ChatHubError
    expect(error).toBeInstanceOf(ChatHubError)
    expect(error).toMatchObject({ code: 'BAD_REQUEST', status: 400 })
    expect(client.state).toBe('idle')
  })

  it('fails fast when nothing listens at hubUrl', async () => {
    const client = new ChatClient({ hubUrl: 'ws://127.0.0.1:1', agentId: 'nobody' })
    await expect(client.connect()).rejects.toMatchObject({ code: 'CONNECT_FAILED' })
  })
})

describe('errors', () => {
  it('rejects with the hub code for unknown channels, services and requests', async () => {
    const client = await h.connected(h.unique('erring'))
    const unknownChannel = await client.sendMessage({ channelId: 'ch_nope', content: 'x' }).catch((e: unknown) => e)
    expect(unknownChannel).toBeInstanceOf(ChatHubError)
    expect(unknownChannel).toMatchObject({ code: 'CHANNEL_NOT_FOUND' })
    await expect(client.requestChat({ serviceId: h.unique('missing') })).rejects.toMatchObject({ code: 'SERVICE_NOT_FOUND' })
    await expect(client.acceptChat({ consumerId: 'nobody' })).rejects.toMatchObject({ code: expect.stringMatching(/NOT_FOUND/) as string })
    await expect(client.getHistory({ channelId: 'ch_nope' })).rejects.toMatchObject({ code: 'CHANNEL_NOT_FOUND' })
    // The connection survives refusals.
    expect(client.state).toBe('open')
  })

  it('validates arguments before sending', async () => {
    const client = await h.connected(h.unique('careless'))
    await expect(client.sendMessage({ content: 'to nobody' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(() => new ChatClient({ hubUrl: h.hub.wsUrl, agentId: '' })).toThrow(/agentId/)
  })
})

describe('listener errors', () => {
  it('reports a throwing handler or event listener and keeps the session going', async () => {
    const { provider, consumer, channelId } = await h.openChat()
    const reported: unknown[] = []
    provider.on('listener_error', (error) => void reported.push(error))
    provider.listenForMessages(() => {
      throw new Error('handler bug')
    })
    provider.listenForMessages(() => Promise.reject(new Error('async handler bug')))
    provider.on('chat_end', () => {
      throw new Error('listener bug')
    })
    await consumer.sendMessage({ channelId, content: 'hi' })
    await expect.poll(() => reported.length).toBe(2)
    await consumer.endChat({ channelId })
    await expect.poll(() => reported.length).toBe(3)
    expect(reported.map((e) => (e as Error).message).sort()).toEqual(['async handler bug', 'handler bug', 'listener bug'])
    expect(provider.state).toBe('open')
  })
})
