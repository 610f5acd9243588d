// Keys stored by earlier versions as salted scrypt hashes keep working. Such a hash cannot be
// looked up by the key, so the agent names itself (agent_id) once; an issued key (chk_…, 256
// random bits) then moves to a digest and works alone from then on, while a key the agent
// chose itself stays in scrypt form (the operator rotates those).
import { randomBytes, scryptSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKey, keyDigest } from '../../src/auth/api-keys.js'
import { startHub, type TestHub } from '../helpers/hub.js'
import { refusedUpgrade, WsAgent } from '../helpers/ws-agent.js'

let hub: TestHub

/** `scrypt$N$r$p$salt$hash`, as earlier versions stored a key. */
function scryptHash(key: string): string {
  const salt = randomBytes(16)
  const hash = scryptSync(key, salt, 32, { N: 16_384, r: 8, p: 1 })
  return ['scrypt', 16_384, 8, 1, salt.toString('base64url'), hash.toString('base64url')].join('$')
}

const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } })

beforeAll(async () => {
  hub = await startHub()
})
afterAll(() => hub.close())

describe('a key stored as a scrypt hash', () => {
  it('of the issued kind works with agent_id, moves to a digest, then works alone', async () => {
    const key = generateKey()
    await hub.app.store.database.prisma.agent.create({ data: { id: 'old-issued', apiKeyHash: scryptHash(key) } })
    expect(await refusedUpgrade(hub.wsUrl, '', bearer(key))).toMatchObject({ status: 401 })
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=old-issued', bearer('chk_wrong'))).toMatchObject({ status: 401 })
    const named = await WsAgent.connect(hub.wsUrl, 'old-issued', '', bearer(key))
    await named.close()
    expect(await hub.app.store.agents.get('old-issued')).toMatchObject({ apiKeyDigest: keyDigest(key), apiKeyHash: null })
    const alone = await WsAgent.connectAs(hub.wsUrl, '', bearer(key))
    expect(alone.welcome).toMatchObject({ agent_id: 'old-issued' })
    await alone.close()
  })

  it('chosen by the agent keeps working with agent_id and stays in scrypt form', async () => {
    const key = 'my-own-key-0123456789'
    const hash = scryptHash(key)
    await hub.app.store.database.prisma.agent.create({ data: { id: 'old-chosen', apiKeyHash: hash } })
    for (let i = 0; i < 2; i++) {
      const agent = await WsAgent.connect(hub.wsUrl, 'old-chosen', `&api_key=${key}`)
      await agent.close()
    }
    expect(await hub.app.store.agents.get('old-chosen')).toMatchObject({ apiKeyDigest: null, apiKeyHash: hash })
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=old-chosen')).toMatchObject({ status: 401 })
    // Rotating gives it an issued key, found by its digest.
    const rotated = (await (await fetch(`${hub.httpUrl}/agents/old-chosen/key`, { method: 'POST' })).json()) as { api_key: string }
    expect(await hub.app.store.agents.get('old-chosen')).toMatchObject({ apiKeyDigest: keyDigest(rotated.api_key), apiKeyHash: null })
    expect(await refusedUpgrade(hub.wsUrl, `?agent_id=old-chosen&api_key=${key}`)).toMatchObject({ status: 401 })
  })
})
