// Exact resume: a client that connects with ?resume=1 and names its last seq per channel gets
// exactly the messages after it, in order, then live ones, with nothing lost or repeated at the
// seam — whatever the hub believes it sent before.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { openChannel, WsAgent, type Frame } from '../helpers/ws-agent.js'

let hub: TestHub
let provider: WsAgent
let channelId: string

beforeEach(async () => {
  // Some tests here push hundreds of frames at once, past the default frame rate.
  hub = await startHub({ env: { MAX_FRAMES_PER_SECOND: '10000' } })
  provider = await WsAgent.connect(hub.wsUrl, 'provider')
  await provider.request({ type: 'register_service', service_id: 'svc' }, 'register_service')
  const consumer = await WsAgent.connect(hub.wsUrl, 'consumer')
  channelId = await openChannel(provider, consumer, 'svc')
  // Five messages reach the consumer's socket: the hub counts them as sent.
  for (let i = 1; i <= 5; i++) await provider.request({ type: 'chat_message', channel_id: channelId, content: `m${i}` }, 'ack')
  for (let i = 1; i <= 5; i++) await consumer.next('chat_message')
  await consumer.close()
  // The hub has seen the close: nothing more is written to that socket.
  await expect.poll(() => hub.app.transport.router.connectionsOf('consumer')).toBe(0)
})

afterEach(async () => {
  await provider.close()
  await hub.close()
})

const seqs = (frames: Frame[]) => frames.filter((f) => f.type === 'chat_message').map((f) => f.seq)

describe('resume', () => {
  it('replays exactly what follows the client’s cursor, even what the hub believes it sent', async () => {
    const back = await WsAgent.connect(hub.wsUrl, 'consumer', '&resume=1')
    const resumed = await back.request({ type: 'resume', channels: [{ channel_id: channelId, last_seq: 2 }] }, 'resume')
    expect(resumed).toMatchObject({ type: 'resume', replayed: 3 })
    expect(seqs(back.frames)).toEqual([3, 4, 5])
    back.frames.length = 0
    await provider.request({ type: 'chat_message', channel_id: channelId, content: 'live' }, 'ack')
    expect(await back.next('chat_message')).toMatchObject({ seq: 6, content: 'live' })
    await back.close()
  })

  it('replays nothing until the resume frame, while other frames are served', async () => {
    const back = await WsAgent.connect(hub.wsUrl, 'consumer', '&resume=1')
    await provider.request({ type: 'chat_message', channel_id: channelId, content: 'while waiting' }, 'ack')
    await back.request({ type: 'ping' }, 'pong')
    expect(seqs(back.frames)).toEqual([])
    await back.request({ type: 'resume', channels: [{ channel_id: channelId, last_seq: 4 }] }, 'resume')
    expect(seqs(back.frames)).toEqual([5, 6])
    await back.close()
  })

  it('holds live messages during a long replay and adds them with no gap or repeat', async () => {
    for (let i = 6; i <= 450; i++) provider.send({ type: 'chat_message', channel_id: channelId, content: `m${i}` })
    await provider.next('ack', (a) => a.seq === 450)
    const back = await WsAgent.connect(hub.wsUrl, 'consumer', '&resume=1')
    back.send({ type: 'resume', channels: [{ channel_id: channelId, last_seq: 0 }] })
    for (let i = 451; i <= 500; i++) provider.send({ type: 'chat_message', channel_id: channelId, content: `m${i}` })
    await provider.next('ack', (a) => a.seq === 500)
    const got: number[] = []
    while (got.length < 500) got.push((await back.next('chat_message')).seq)
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))
    await back.request({ type: 'ping' }, 'pong')
    expect(seqs(back.frames)).toEqual([])
    await back.close()
  })

  it('uses the hub’s own record for channels the client does not list', async () => {
    await provider.request({ type: 'chat_message', channel_id: channelId, content: 'unseen' }, 'ack')
    const fresh = await WsAgent.connect(hub.wsUrl, 'consumer', '&resume=1')
    expect(await fresh.request({ type: 'resume', channels: [] }, 'resume')).toMatchObject({ replayed: 1 })
    expect(seqs(fresh.frames)).toEqual([6])
    await fresh.close()
  })

  it('ignores channels the agent does not belong to', async () => {
    const stranger = await WsAgent.connect(hub.wsUrl, 'stranger', '&resume=1')
    expect(await stranger.request({ type: 'resume', channels: [{ channel_id: channelId, last_seq: 0 }] }, 'resume')).toMatchObject({
      replayed: 0,
    })
    expect(seqs(stranger.frames)).toEqual([])
    await stranger.close()
  })

  it('is refused on a connection not opened to resume, and the second time', async () => {
    const plain = await WsAgent.connect(hub.wsUrl, 'consumer')
    expect(await plain.request({ type: 'resume', channels: [] }, 'resume')).toMatchObject({ type: 'error', code: 'INVALID_STATE' })
    await plain.close()
    const back = await WsAgent.connect(hub.wsUrl, 'consumer', '&resume=1')
    await back.request({ type: 'resume', channels: [] }, 'resume')
    expect(await back.request({ type: 'resume', channels: [] }, 'resume')).toMatchObject({ type: 'error', code: 'INVALID_STATE' })
    await back.close()
  })
})
