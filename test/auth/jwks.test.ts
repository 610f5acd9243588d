// JWTs signed with the backend's private keys (RS256, ES256), their public keys served as a
// JWKS by a local HTTP server this test starts: fetched once and cached, an unknown key or a
// forged signature refused, the HS/RS confusion (an HS256 token keyed with the public key)
// refused, and an unreachable key set answered 503, not 401.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { startHub, type TestHub } from '../helpers/hub.js'
import { refusedUpgrade, WsAgent } from '../helpers/ws-agent.js'

let jwksServer: Server
let jwksUrl: string
let fetches = 0
const keys: Record<string, { privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK }> = {}

beforeAll(async () => {
  for (const [kid, alg] of [
    ['rsa-1', 'RS256'],
    ['ec-1', 'ES256'],
    ['rogue', 'RS256'],
  ] as const) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
    keys[kid] = { privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
  }
  // The rogue key is not published: tokens signed with it must not pass, whatever their kid.
  const published = { keys: [keys['rsa-1']?.jwk, keys['ec-1']?.jwk] }
  jwksServer = createServer((request, response) => {
    fetches++
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify(published))
  })
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`
})
afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())))

function sign(kid: string, alg: 'RS256' | 'ES256', signWith = kid, sub = 'jwks-agent') {
  return new SignJWT({})
    .setProtectedHeader({ alg, kid })
    .setSubject(sub)
    .setExpirationTime('10m')
    .sign((keys[signWith] as { privateKey: CryptoKey }).privateKey)
}

/** An HS256 token whose HMAC key is the RSA public key: the classic algorithm confusion. */
async function confused(): Promise<string> {
  const pem = await exportSPKI((keys['rsa-1'] as { publicKey: CryptoKey }).publicKey)
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).setSubject('jwks-agent').setExpirationTime('10m').sign(new TextEncoder().encode(pem))
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('with HUB_JWKS_URL only', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startHub({ env: { HUB_JWKS_URL: jwksUrl, HUB_ADMIN_TOKEN: 'operator-token-0123456789' } })
  })
  afterAll(() => hub.close())

  it('welcomes RS256 and ES256 tokens, fetching the key set once', async () => {
    fetches = 0
    for (const [kid, alg] of [['rsa-1', 'RS256'], ['ec-1', 'ES256'], ['rsa-1', 'RS256'], ['ec-1', 'ES256']] as const) {
      const agent = await WsAgent.connectAs(hub.wsUrl, '', { headers: bearer(await sign(kid, alg)) })
      expect(agent.welcome).toMatchObject({ agent_id: 'jwks-agent' })
      await agent.close()
    }
    expect(fetches).toBe(1)
    expect((await fetch(`${hub.httpUrl}/channels`, { headers: bearer(await sign('ec-1', 'ES256')) })).status).toBe(200)
  })

  it.each([
    ['a key not in the set', () => sign('rogue', 'RS256'), /No key at HUB_JWKS_URL matches/],
    ['a published kid, signed with another key', () => sign('rsa-1', 'RS256', 'rogue'), 'The token’s signature does not verify'],
    ['an RSA kid under ES256', () => sign('rsa-1', 'ES256', 'ec-1'), /No key at HUB_JWKS_URL matches|signature/],
    ['HS256 keyed with the public key', confused, 'The token\'s algorithm is not accepted here (accepted: RS256, ES256)'],
  ])('refuses %s with 401', async (_name, make, message) => {
    const refused = await refusedUpgrade(hub.wsUrl, '', { headers: bearer(await make()) })
    expect(refused.status).toBe(401)
    expect((refused.body as { error: { message: string } }).error.message).toMatch(message)
    expect(await hub.app.store.agents.get('jwks-agent')).toMatchObject({ apiKeyDigest: null, apiKeyHash: null })
  })
})

describe('with HUB_JWT_SECRET and HUB_JWKS_URL', () => {
  it('checks HS256 with the secret only: the public key does not sign', async () => {
    const hub = await startHub({ env: { HUB_JWKS_URL: jwksUrl, HUB_JWT_SECRET: 'a-backend-secret-of-32-characters-or-more' } })
    try {
      const refused = await refusedUpgrade(hub.wsUrl, '', { headers: bearer(await confused()) })
      expect(refused).toMatchObject({ status: 401, body: { error: { message: 'The token’s signature does not verify' } } })
      const agent = await WsAgent.connectAs(hub.wsUrl, '', { headers: bearer(await sign('rsa-1', 'RS256')) })
      await agent.close()
    } finally {
      await hub.close()
    }
  })
})

describe('with an unreachable key set', () => {
  it('answers 503 UNAVAILABLE (worth a retry), not 401', async () => {
    const dead = createServer()
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/jwks.json`
    await new Promise<void>((resolve) => dead.close(() => resolve()))
    const hub = await startHub({ env: { HUB_JWKS_URL: url } })
    try {
      const refused = await refusedUpgrade(hub.wsUrl, '', { headers: bearer(await sign('rsa-1', 'RS256')) })
      expect(refused).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE', message: expect.stringContaining('HUB_JWKS_URL') } } })
    } finally {
      await hub.close()
    }
  })
})
