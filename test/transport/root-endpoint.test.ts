// The hub at the address agents are given: `ws://host:8765` (path `/`) is the /ws endpoint, a
// plain HTTP GET / keeps its 404, and the agent id may come from an X-Agent-Id header.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { type ClientOptions } from 'ws'
import { startHub, type TestHub } from '../helpers/hub.js'
import type { ClientFrame } from '../../src/protocol/frames.js'
import type { Frame } from '../helpers/ws-agent.js'

let hub: TestHub
beforeAll(async () => {
  hub = await startHub()
})
afterAll(async () => {
  await hub.close()
})

/** Opens a socket at `url` and resolves with it and its first frame. */
function open(url: string, options: ClientOptions = {}): Promise<{ socket: WebSocket; first: Frame }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options)
    socket.once('message', (data: Buffer) => resolve({ socket, first: JSON.parse(data.toString('utf8')) as Frame }))
    socket.once('unexpected-response', (_request, response) => reject(new Error(`refused: ${response.statusCode}`)))
    socket.once('error', reject)
  })
}

/** An upgrade the hub refuses: its HTTP status and JSON body. */
function refused(url: string, options: ClientOptions = {}): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options)
    socket.on('unexpected-response', (_request, response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(body) as unknown }))
    })
    socket.on('open', () => reject(new Error('upgrade was accepted')))
  })
}

function request(socket: WebSocket, frame: ClientFrame): Promise<Frame> {
  return new Promise((resolve) => {
    socket.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString('utf8')) as Frame
      if (reply.request_id === frame.request_id) resolve(reply)
    })
    socket.send(JSON.stringify(frame))
  })
}

describe('the endpoint at /', () => {
  it('welcomes a WebSocket client at the bare host and serves its frames', async () => {
    const { socket, first } = await open(`${hub.wsUrl}?agent_id=root-agent`)
    expect(first).toMatchObject({ type: 'welcome', agent_id: 'root-agent', protocol: 1 })
    expect(await request(socket, { type: 'ping', request_id: 'p1' })).toMatchObject({ type: 'pong', request_id: 'p1' })
    socket.close()
  })

  it('also answers at a bare host with a trailing slash', async () => {
    const { socket, first } = await open(`${hub.wsUrl}/?agent_id=slash-agent`)
    expect(first).toMatchObject({ type: 'welcome', agent_id: 'slash-agent' })
    socket.close()
  })

  it('refuses an upgrade at / as /ws does', async () => {
    expect(await refused(hub.wsUrl)).toEqual({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: expect.any(String) } } })
  })

  it('is listed as a second address of the endpoint in the AsyncAPI document', async () => {
    const document = (await (await fetch(`${hub.httpUrl}/asyncapi.json`)).json()) as { channels: Record<string, { description: string }> }
    expect(Object.values(document.channels).some((channel) => channel.description.includes('Also reachable at `/`'))).toBe(true)
  })

  it('keeps the 404 of a plain HTTP GET /', async () => {
    const response = await fetch(`${hub.httpUrl}/`)
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route GET /' } })
  })
})

describe('X-Agent-Id at upgrade', () => {
  it('names the agent when the query does not', async () => {
    for (const path of ['', '/ws']) {
      const { socket, first } = await open(`${hub.wsUrl}${path}`, { headers: { 'x-agent-id': `header-agent${path.length}` } })
      expect(first).toMatchObject({ type: 'welcome', agent_id: `header-agent${path.length}` })
      socket.close()
    }
  })

  it('may repeat the query agent_id', async () => {
    const { socket, first } = await open(`${hub.wsUrl}/ws?agent_id=both-agent`, { headers: { 'x-agent-id': 'both-agent' } })
    expect(first).toMatchObject({ type: 'welcome', agent_id: 'both-agent' })
    socket.close()
  })

  it('refuses a header that names another agent than the query', async () => {
    const answer = await refused(`${hub.wsUrl}/ws?agent_id=alice`, { headers: { 'x-agent-id': 'mallory' } })
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } })
  })

  it('refuses a malformed header as it refuses a malformed agent_id', async () => {
    const answer = await refused(hub.wsUrl, { headers: { 'x-agent-id': 'no spaces!' } })
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } })
  })
})
