// One load-generator process of the connect-rate benchmark (bench/connects.ts starts several):
// each attempt is a WebSocket upgrade over a bare TCP socket — the request written whole, the 101
// and its Sec-WebSocket-Accept checked, then the welcome frame read — and the socket destroyed.
// A full `ws` client costs about as much CPU per connect as the hub does, so it would measure
// itself; this does the same handshake for a fraction of that.
import { createHash } from 'node:crypto'
import { connect } from 'node:net'

export interface Attempt {
  query: string
  headers: Record<string, string>
  /** The local address to connect from (loopback), so that per-address limits see a fleet. */
  address?: string
}

/** Parent → worker: the attempts to make (then `go`); worker → parent: ready, then done. */
export type ToWorker = { kind: 'load'; port: number; attempts: Attempt[]; concurrency: number } | { kind: 'go' }
export type FromWorker = { kind: 'ready' } | { kind: 'done'; cpuSeconds: number } | { kind: 'failed'; message: string }

// Any 16 bytes in base64 will do: the hub answers with their digest, checked below.
const KEY = 'Y2xhdy1jaGF0LWh1Yi1ibg=='
const ACCEPT = createHash('sha1').update(`${KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
const HEADERS_END = '\r\n\r\n'

function request(port: number, { query, headers }: Attempt): Buffer {
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`)
  return Buffer.from(
    `GET /ws${query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\n${extra.join('')}\r\n`,
  )
}

/** The first frame's text once it has arrived whole (unmasked, as a server sends), else undefined. */
function firstFrame(bytes: Buffer): string | undefined {
  if (bytes.length < 2) return undefined
  let length = (bytes[1] as number) & 0x7f
  let offset = 2
  if (length === 126) {
    if (bytes.length < 4) return undefined
    length = bytes.readUInt16BE(2)
    offset = 4
  }
  return bytes.length < offset + length ? undefined : bytes.subarray(offset, offset + length).toString('utf8')
}

/** Opens one connection and resolves once its welcome frame is in. */
function connectOnce(port: number, upgrade: Buffer, localAddress: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => socket.write(upgrade))
    let received: Buffer = Buffer.alloc(0)
    const fail = (message: string) => {
      socket.destroy()
      reject(new Error(message))
    }
    socket.on('data', (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk])
      const end = received.indexOf(HEADERS_END)
      if (end < 0) return
      const head = received.subarray(0, end).toString('latin1')
      if (!head.startsWith('HTTP/1.1 101')) return fail(`refused: ${head.slice(0, head.indexOf('\r\n'))}`)
      if (!head.includes(`\r\nSec-WebSocket-Accept: ${ACCEPT}`)) return fail(`bad handshake: ${head}`)
      const frame = firstFrame(received.subarray(end + HEADERS_END.length))
      if (frame === undefined) return
      socket.destroy()
      if (!frame.startsWith('{"type":"welcome"')) return reject(new Error(`not a welcome: ${frame}`))
      resolve()
    })
    socket.on('error', (error) => reject(error))
  })
}

async function run(port: number, attempts: Attempt[], concurrency: number): Promise<void> {
  const upgrades = attempts.map((attempt) => request(port, attempt))
  let next = 0
  const worker = async () => {
    while (next < upgrades.length) {
      const i = next++
      await connectOnce(port, upgrades[i] as Buffer, attempts[i]?.address)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

const send = (message: FromWorker) => process.send?.(message)
let loaded: Extract<ToWorker, { kind: 'load' }> | undefined
process.on('message', (message: ToWorker) => {
  if (message.kind === 'load') {
    loaded = message
    return send({ kind: 'ready' })
  }
  const { port, attempts, concurrency } = loaded as Extract<ToWorker, { kind: 'load' }>
  const before = process.cpuUsage()
  run(port, attempts, concurrency).then(
    () => {
      const used = process.cpuUsage(before)
      send({ kind: 'done', cpuSeconds: (used.user + used.system) / 1e6 })
    },
    (error: unknown) => send({ kind: 'failed', message: String(error) }),
  )
})
