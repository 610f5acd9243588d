// An upgrade that began before shutdown and finishes after it (its JWT's key set still being
// fetched) is refused with 503 (by the hub's own check once authenticated, or by the WebSocket
// server if that has closed by then), instead of joining the closing hub and holding its HTTP
// server, and the process, open. So is an upgrade that arrives while shutdown waits for a peer
// that does not answer its close: the refused socket is closed, not left to hold the server.
import { once } from 'node:events'
import { createServer, type Server, type ServerResponse } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { afterAll, expect, it } from 'vitest'
import WebSocket from 'ws'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { startHub, type TestHub } from '../helpers/hub.js'
import { until } from '../helpers/poll.js'

let jwksServer: Server | undefined
let hub: TestHub | undefined
let other: TestHub | undefined
afterAll(async () => {
  await hub?.close()
  await other?.close()
  jwksServer?.closeAllConnections()
  await new Promise((resolve) => jwksServer?.close(resolve))
})

it('refuses an upgrade that was still being authenticated when shutdown began, and shuts down', async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const published = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] })
  // The key set is answered only when the test says so.
  const held: ServerResponse[] = []
  jwksServer = createServer((_request, response) => void held.push(response))
  await new Promise<void>((resolve) => jwksServer?.listen(0, '127.0.0.1', resolve))
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`
  hub = await startHub({ env: { HUB_JWKS_URL: jwksUrl } })
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('late-agent').setExpirationTime('10m').sign(privateKey)

  const socket = new WebSocket(`${hub.wsUrl}/ws`, { headers: { authorization: `Bearer ${token}` } })
  const frames: string[] = []
  socket.on('message', (data: Buffer) => frames.push(data.toString()))
  // What the client is told: the upgrade's answer, or the close of a socket it was given.
  const told = new Promise<number>((resolve) => {
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
    socket.once('close', (code) => resolve(code))
  })
  socket.on('error', () => undefined)
  await until(() => held.length > 0, 10_000, 'the hub fetching the key set')

  const app = hub.app
  const shutdown = app.close()
  await until(() => app.transport.closing, 10_000, 'shutdown begun')
  for (const response of held.splice(0)) response.setHeader('content-type', 'application/json').end(published)

  expect(await told).toBe(503)
  expect(frames.map((frame) => (JSON.parse(frame) as { type: string }).type)).not.toContain('welcome')
  await shutdown
  expect(app.transport.router.all()).toHaveLength(0)
})

it('closes an upgrade refused while shutdown waits for a peer that does not answer its close', async () => {
  other = await startHub()
  const app = other.app
  // A peer that takes its welcome and then reads nothing more: it never answers the hub's close.
  const { port } = new URL(other.httpUrl)
  const stuck = connect(Number(port), '127.0.0.1')
  stuck.write(
    'GET /ws?agent_id=stuck HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  )
  const [answer] = (await once(stuck, 'data')) as [Buffer]
  expect(answer.toString()).toMatch(/^HTTP\/1.1 101/)
  stuck.pause()
  await until(() => app.transport.router.all().length === 1, 10_000, 'the stuck peer connected')

  const shutdown = app.close()
  await until(() => app.transport.closing, 10_000, 'shutdown begun')
  const late = new WebSocket(`${other.wsUrl}/ws?agent_id=late`)
  const refused = new Promise<string>((resolve) => late.once('error', (error) => resolve(error.message)))
  expect(await refused).toContain('503')
  // Without the refused socket closed, the HTTP server's close (and this) would wait for ever.
  await shutdown
  stuck.destroy()
})
