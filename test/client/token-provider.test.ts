// Credentials that stop being valid while connected. With a tokenProvider the client asks it
// for a token before every connect, and when the hub closes the socket at the token's expiry
// (4401) it reconnects with a fresh one; with a fixed key or token, 4401 ends the session
// instead of reconnecting into refusals.
import { once } from 'node:events'
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import type { ChatClientOptions, DisconnectedEvent } from 'claw-chat-hub/client'
import { issueKey } from '../helpers/keys.js'
import { useHub } from './harness.js'

const SECRET = 'a-backend-secret-of-32-characters-or-more'
const h = useHub({ HUB_JWT_SECRET: SECRET })
const fast: Partial<ChatClientOptions> = { reconnect: { baseMs: 20, maxMs: 100 } }

/** A token for the agent that expires in `seconds`. */
const token = (agentId: string, seconds: number) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(agentId)
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(new TextEncoder().encode(SECRET))

describe('tokenProvider', () => {
  it('is asked before every connect, and a socket closed at expiry (4401) reconnects with a fresh token', async () => {
    const agentId = h.unique('refreshing')
    const issued: string[] = []
    const client = await h.connected(agentId, {
      ...fast,
      tokenProvider: async () => {
        issued.push(await token(agentId, issued.length === 0 ? 2 : 3600))
        return issued.at(-1) as string
      },
    })
    expect(issued).toHaveLength(1)
    const lost = once(client, 'disconnected')
    const back = once(client, 'connected')
    expect(((await lost) as [DisconnectedEvent])[0]).toMatchObject({ code: 4401, willReconnect: true })
    await back
    expect(issued).toHaveLength(2)
    expect(client.state).toBe('open')
  })

  it('that fails makes connect() fail with CONNECT_FAILED', async () => {
    const failing = h.connected(h.unique('no-token'), {
      ...fast,
      tokenProvider: () => {
        throw new Error('backend down')
      },
    })
    await expect(failing).rejects.toMatchObject({ code: 'CONNECT_FAILED', message: 'tokenProvider failed: backend down' })
  })
})

describe('without a tokenProvider', () => {
  it('stops at 4401 when a fixed token expires', async () => {
    const agentId = h.unique('fixed-token')
    const client = await h.connected(agentId, { ...fast, apiKey: await token(agentId, 2) })
    const [event] = (await once(client, 'disconnected')) as [DisconnectedEvent]
    expect(event).toMatchObject({ code: 4401, willReconnect: false, error: { code: 'UNAUTHORIZED' } })
    expect(client.state).toBe('closed')
    expect(h.tapsOf(client)).toHaveLength(1)
  })

  it('stops at 4401 when its key is revoked', async () => {
    const agentId = h.unique('revoked')
    const key = await issueKey(h.hub.httpUrl, agentId)
    const client = await h.connected(agentId, { ...fast, apiKey: key })
    const lost = once(client, 'disconnected')
    expect((await fetch(`${h.hub.httpUrl}/agents/${agentId}/key`, { method: 'DELETE' })).status).toBe(200)
    expect(((await lost) as [DisconnectedEvent])[0]).toMatchObject({ code: 4401, willReconnect: false })
    expect(h.tapsOf(client)).toHaveLength(1)
  })
})
