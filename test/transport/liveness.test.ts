// Connections that stop answering or stop reading: a peer that ignores pings is dropped after
// one heartbeat interval; a consumer that stops reading is cut at the high-water mark without
// slowing anyone else or holding the hub's memory, and resumes from the store afterwards.
import { afterEach, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { openChannel, WsAgent } from '../helpers/ws-agent.js'

let hub: TestHub | undefined
afterEach(async () => {
  await hub?.close()
  hub = undefined
})

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${hub?.httpUrl}/metrics`)).text()
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN)
}

describe('heartbeats', () => {
  it('drop a peer that does not answer pings, and keep one that does', async () => {
    // Short, but long enough for the answering peer (in this same, busy process) to answer in time.
    hub = await startHub({ env: { HEARTBEAT_INTERVAL_MS: '400' } })
    const silent = await WsAgent.connect(hub.wsUrl, 'silent', '', { autoPong: false })
    const healthy = await WsAgent.connect(hub.wsUrl, 'healthy')
    await silent.waitClosed()
    expect(await metric('hub_heartbeat_timeouts_total')).toBe(1)
    // Several intervals later the answering peer is still served.
    await expect.poll(async () => metric('hub_heartbeat_timeouts_total'), { interval: 100, timeout: 1000 }).toBe(1)
    expect((await healthy.request({ type: 'ping' }, 'pong')).type).toBe('pong')
    await healthy.close()
  })
})

describe('a consumer that stops reading', () => {
  it('is closed at the high-water mark while others keep talking, then resumes from the store', async () => {
    const highWater = 256 * 1024
    hub = await startHub({ env: { MAX_BUFFERED_BYTES: String(highWater) } })
    const provider = await WsAgent.connect(hub.wsUrl, 'provider')
    await provider.request({ type: 'register_service', service_id: 'svc' }, 'register_service')
    const open = async (consumerId: string) => {
      const consumer = await WsAgent.connect(hub!.wsUrl, consumerId)
      return { consumer, channelId: await openChannel(provider, consumer, 'svc') }
    }
    const slow = await open('slow-consumer')
    const fast = await open('fast-consumer')
    slow.consumer.socket.pause()

    const rssBefore = process.memoryUsage().rss
    const payload = 'x'.repeat(100_000)
    const total = 200 // 20 MB for a reader that reads nothing
    for (let i = 1; i <= total; i++) {
      provider.send({ type: 'chat_message', channel_id: slow.channelId, content: `${i}:${payload}` })
      if (i % 20 === 0) {
        // Everyone else keeps talking meanwhile.
        await provider.request({ type: 'chat_message', channel_id: fast.channelId, content: `to fast ${i}` }, 'ack')
        expect((await fast.consumer.next('chat_message')).content).toBe(`to fast ${i}`)
      }
    }
    await provider.next('ack', (a) => a.channel_id === slow.channelId && a.seq === total)
    expect(await metric('hub_slow_consumer_closes_total')).toBe(1)
    // Dropped, so the hub holds nothing more for it: what it sent is in the store.
    expect(hub.app.transport.router.connectionsOf('slow-consumer')).toBe(0)
    const grownMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024
    // One process holds the hub and its clients here, so this figure is informative only.
    console.log(`slow consumer: ${total} × 100 KB sent to a paused reader; process RSS grew ${grownMb.toFixed(1)} MB`)

    const back = await WsAgent.connect(hub.wsUrl, 'slow-consumer', '&resume=1')
    const resumed = await back.request({ type: 'resume', channels: [{ channel_id: slow.channelId, last_seq: 0 }] }, 'resume')
    expect(resumed).toMatchObject({ replayed: total })
    const seqs = back.frames.filter((f) => f.type === 'chat_message').map((f) => f.seq)
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1))
    await back.close()
    await fast.consumer.close()
    await provider.close()
  })
})
