// A token that passed is remembered until it expires (or a minute goes by): presented again it
// is the same agent with the same grant, without another signature check; once expired it is
// refused in jose's words; a token that failed is checked again each time, never remembered.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SignJWT } from 'jose'
import { TokenVerifier } from '../../src/auth/tokens.js'

const SECRET = 'a-backend-secret-of-32-characters-or-more'
const verifier = () => new TokenVerifier({ HUB_JWT_SECRET: SECRET, HUB_JWKS_URL: undefined, HUB_JWT_ISSUER: undefined, HUB_JWT_AUDIENCE: undefined })
const mint = (exp: number, secret = SECRET, claims: Record<string, unknown> = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('cached-agent').setExpirationTime(exp).sign(new TextEncoder().encode(secret))
const seconds = () => Math.floor(Date.now() / 1000)

afterEach(() => {
  vi.useRealTimers()
})

describe('verified tokens', () => {
  it('are the same identity when presented again, until they expire', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const tokens = verifier()
    const token = await mint(seconds() + 30, SECRET, { claw_services: { register: ['svc-*'] } })
    const first = await tokens.verify(token)
    expect(first).toMatchObject({ agentId: 'cached-agent' })
    expect(first.grant.mayRegister('svc-a')).toBe(true)
    expect(first.grant.mayRegister('other')).toBe(false)
    expect(await tokens.verify(token)).toBe(first)

    vi.setSystemTime(first.expiresAt)
    await expect(tokens.verify(token)).rejects.toThrow(/^The token expired at /)
  })

  it('are never remembered when they failed: a token not yet valid passes once it is', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const tokens = verifier()
    const notBefore = seconds() + 10
    const early = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('cached-agent')
      .setNotBefore(notBefore)
      .setExpirationTime(notBefore + 60)
      .sign(new TextEncoder().encode(SECRET))
    await expect(tokens.verify(early)).rejects.toThrow(/^The token is not valid before /)
    vi.setSystemTime(notBefore * 1000)
    expect(await tokens.verify(early)).toMatchObject({ agentId: 'cached-agent', expiresAt: (notBefore + 60) * 1000 })
  })
})
