// Memory of a hub process on its default settings while one consumer has stopped reading: the
// slow-consumer high-water mark (MAX_BUFFERED_BYTES, 16 MiB by default) bounds what it holds.
// Prints the hub's peak RSS growth for two volumes pushed at the paused reader. Loopback only.
//   npx tsx bench/slow-consumer-memory.ts
import { readFileSync } from 'node:fs'
import { tempSqliteUrl } from '../test/helpers/database.js'
import { freshPort, spawnHub, waitReady } from '../test/helpers/process.js'
import { WsAgent } from '../test/helpers/ws-agent.js'

const MESSAGE_BYTES = 100_000
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024

async function run(messages: number): Promise<{ before: number; peak: number; closed: boolean }> {
  const db = tempSqliteUrl()
  const port = freshPort()
  const hub = spawnHub({ PORT: port, DATABASE_URL: db.url })
  try {
    await waitReady(hub)
    const pid = hub.child.pid as number
    const url = `ws://127.0.0.1:${port}`
    const provider = await WsAgent.connect(url, 'provider')
    await provider.request({ type: 'register_service', service_id: 'svc' }, 'register_service')
    const consumer = await WsAgent.connect(url, 'consumer')
    consumer.send({ type: 'chat_request', service_id: 'svc' })
    const channelId = (await provider.next('chat_request')).channel_id
    await provider.request({ type: 'chat_accept', channel_id: channelId }, 'chat_accept')
    consumer.socket.pause()
    const before = rssMb(pid)
    let peak = before
    const content = 'x'.repeat(MESSAGE_BYTES)
    for (let i = 1; i <= messages; i++) {
      provider.send({ type: 'chat_message', channel_id: channelId, content })
      if (i % 25 === 0) {
        await provider.next('ack', (ack) => ack.seq === i, 60_000)
        peak = Math.max(peak, rssMb(pid))
      }
    }
    // The paused reader cannot see its own close: ask the hub.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    const closed = /^hub_slow_consumer_closes_total 1$/m.test(metrics)
    await provider.close()
    return { before, peak, closed }
  } finally {
    await hub.stop()
    db.remove()
  }
}

console.log('| pushed to paused reader | hub RSS before | peak | growth | reader cut |')
console.log('|---|---|---|---|---|')
for (const messages of [500, 1500]) {
  const { before, peak, closed } = await run(messages)
  const pushed = (messages * MESSAGE_BYTES) / 1e6
  console.log(`| ${pushed} MB | ${before.toFixed(0)} MB | ${peak.toFixed(0)} MB | ${(peak - before).toFixed(0)} MB | ${closed ? 'yes' : 'no'} |`)
}
