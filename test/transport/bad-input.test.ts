// Hostile and broken input over /ws: every bad frame gets an error frame, the connection keeps
// serving, nothing is stored, and abuse ends in a documented close code.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { refusedUpgrade, WsAgent } from '../helpers/ws-agent.js'

const MAX_FRAME_BYTES = 4096
let hub: TestHub
let agent: WsAgent

beforeEach(async () => {
  hub = await startHub({ env: { MAX_FRAME_BYTES: String(MAX_FRAME_BYTES) } })
  agent = await WsAgent.connect(hub.wsUrl, 'tester')
})

afterEach(async () => {
  await agent.close()
  await hub.close()
})

async function stillServes(client: WsAgent): Promise<void> {
  const pong = await client.request({ type: 'ping' }, 'pong')
  expect(pong.type).toBe('pong')
}

describe('malformed frames', () => {
  it.each([
    ['malformed JSON', '{"type": "ping"', 'INVALID_JSON'],
    ['a JSON array', '[1,2]', 'INVALID_FRAME'],
    ['a JSON string', '"ping"', 'INVALID_FRAME'],
    ['no type', '{"content":"x"}', 'INVALID_FRAME'],
    ['a numeric type', '{"type":5}', 'INVALID_FRAME'],
    ['an unknown type', '{"type":"launch_missiles"}', 'UNKNOWN_TYPE'],
    ['a missing field', '{"type":"chat_message","channel_id":"ch_x"}', 'INVALID_FRAME'],
    ['a wrongly typed field', '{"type":"chat_message","channel_id":"ch_x","content":42}', 'INVALID_FRAME'],
    ['an empty content', '{"type":"chat_message","channel_id":"ch_x","content":""}', 'INVALID_FRAME'],
    ['a NUL character in content', '{"type":"chat_message","channel_id":"ch_x","content":"a\\u0000b"}', 'INVALID_FRAME'],
    ['metadata that is not an object', '{"type":"chat_message","channel_id":"ch_x","content":"x","metadata":[1]}', 'INVALID_FRAME'],
    ['a bad agent id', '{"type":"chat_message","target_agent":"no spaces!","content":"x"}', 'INVALID_FRAME'],
    ['a history limit over the maximum', '{"type":"chat_history","channel_id":"ch_x","limit":100000}', 'INVALID_FRAME'],
  ])('answers %s with an error frame and keeps serving', async (_name, text, code) => {
    agent.send(text)
    const error = await agent.next('error')
    expect(error).toMatchObject({ code, message: expect.any(String) })
    await stillServes(agent)
  })

  it('echoes the request_id of an invalid frame', async () => {
    agent.send({ type: 'chat_end', request_id: 'bad-1' })
    expect(await agent.next('error')).toMatchObject({ code: 'INVALID_FRAME', request_id: 'bad-1' })
  })

  it('treats __proto__ keys as plain data', async () => {
    agent.send('{"type":"ping","__proto__":{"polluted":true},"request_id":"p"}')
    await agent.next('pong', (f) => f.request_id === 'p')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('frame size', () => {
  it('refuses a frame over the limit with an error frame and stays open', async () => {
    agent.send({ type: 'chat_message', channel_id: 'ch_x', content: 'x'.repeat(MAX_FRAME_BYTES) })
    expect(await agent.next('error')).toMatchObject({ code: 'FRAME_TOO_LARGE' })
    await stillServes(agent)
  })

  it('closes the socket with 1009 for a frame over four times the limit', async () => {
    agent.send({ type: 'chat_message', channel_id: 'ch_x', content: 'x'.repeat(MAX_FRAME_BYTES * 5) })
    expect((await agent.waitClosed()).code).toBe(1009)
  })
})

describe('abuse', () => {
  it('closes a connection that keeps sending refused frames with 4400', async () => {
    for (let i = 0; i < 40; i++) agent.send('not json')
    expect((await agent.waitClosed()).code).toBe(4400)
    const other = await WsAgent.connect(hub.wsUrl, 'bystander')
    await stillServes(other)
    await other.close()
  })
})

describe('refused upgrades', () => {
  const upgrade = (query: string) => refusedUpgrade(hub.wsUrl, query)

  it('answers a missing agent_id with 401 and a JSON error', async () => {
    expect(await upgrade('')).toEqual({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: expect.any(String) } } })
  })

  it('answers a malformed agent_id with 400 and a JSON error', async () => {
    expect(await upgrade('?agent_id=bad%20id')).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } })
  })
})
