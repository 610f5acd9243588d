// JWTs minted by the operator's own backend, verified with jose: HS256 with HUB_JWT_SECRET,
// RS256/ES256 with the keys at HUB_JWKS_URL (fetched when a token names an unknown key, cached,
// refetched at most every 30 s). `sub` is the agent id; `exp` is required (a token that never
// expires would be a key the hub cannot revoke) and `nbf`, HUB_JWT_ISSUER and
// HUB_JWT_AUDIENCE are enforced. The algorithm is fixed by which key a token is checked with,
// so neither `alg: none` nor an HS256 token signed with a public key can pass. A token that
// passed is remembered (by digest) for a minute or until it expires, whichever is sooner: a
// fleet reconnecting with the tokens it holds costs no signature check per connect (that check
// was the seventh of a JWT connect's CPU). Its verdict cannot change meanwhile: the secret is
// fixed, `nbf` only ever passes, `exp` is checked on every use, and jose itself keeps using
// the key set it fetched for ten minutes.
import { webcrypto } from 'node:crypto'
import { Value } from '@sinclair/typebox/value'
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose'
import { LRUCache } from 'lru-cache'
import type { Config } from '../config.js'
import { Errors } from '../errors.js'
import { AgentId } from '../protocol/shapes.js'
import { keyDigest } from './api-keys.js'
import { SERVICES_CLAIM, ServiceGrant } from './grant.js'

export type TokenConfig = Pick<Config, 'HUB_JWT_SECRET' | 'HUB_JWKS_URL' | 'HUB_JWT_ISSUER' | 'HUB_JWT_AUDIENCE'>

const ASYMMETRIC = ['RS256', 'ES256']
/** Tokens remembered as verified, the least recently used forgotten first; and for how long at most. */
const VERIFIED_MAX = 100_000
const VERIFIED_TTL_MS = 60_000
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/

export interface TokenIdentity {
  agentId: string
  grant: ServiceGrant
  /** When the token expires (ms since the epoch). */
  expiresAt: number
}

const at = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : 'an invalid time')

export class TokenVerifier {
  private readonly key: JWTVerifyGetKey | undefined
  private readonly options: JWTVerifyOptions
  private readonly verified = new LRUCache<string, TokenIdentity>({ max: VERIFIED_MAX, ttl: VERIFIED_TTL_MS })

  constructor(
    config: TokenConfig,
    private readonly onKeySetError: (error: unknown) => void = () => undefined,
  ) {
    // Imported once: given the raw bytes, jose would import them again for every token it verifies.
    const secret =
      config.HUB_JWT_SECRET === undefined
        ? undefined
        : webcrypto.subtle.importKey('raw', new TextEncoder().encode(config.HUB_JWT_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    const jwks = config.HUB_JWKS_URL === undefined ? undefined : createRemoteJWKSet(new URL(config.HUB_JWKS_URL), { timeoutDuration: 5000 })
    const algorithms = [...(secret ? ['HS256'] : []), ...(jwks ? ASYMMETRIC : [])]
    this.options = {
      algorithms,
      requiredClaims: ['sub', 'exp'],
      ...(config.HUB_JWT_ISSUER !== undefined ? { issuer: config.HUB_JWT_ISSUER } : {}),
      ...(config.HUB_JWT_AUDIENCE !== undefined ? { audience: config.HUB_JWT_AUDIENCE } : {}),
    }
    if (algorithms.length > 0) {
      // jose has checked the header's alg against `algorithms` before asking for a key.
      this.key = (header, token) => (header.alg === 'HS256' ? (secret as Promise<webcrypto.CryptoKey>) : (jwks as JWTVerifyGetKey)(header, token))
    }
  }

  get enabled(): boolean {
    return this.key !== undefined
  }

  /** Is this credential shaped like a JWT (three base64url parts), rather than an API key? */
  static looksLikeJwt(credential: string): boolean {
    return JWS_COMPACT.test(credential)
  }

  /** The identity a valid token carries; throws UNAUTHORIZED saying what is wrong with it. */
  async verify(token: string): Promise<TokenIdentity> {
    if (!this.key) throw new Errors.Unauthorized('This hub accepts no JWTs (its operator sets HUB_JWT_SECRET or HUB_JWKS_URL for that)')
    const digest = keyDigest(token)
    const kept = this.verified.get(digest)
    // Expired since: jose says so, in its words.
    if (kept && Date.now() < kept.expiresAt) return kept
    const identity = await this.check(token, this.key)
    this.verified.set(digest, identity, { ttl: Math.max(1, Math.min(VERIFIED_TTL_MS, identity.expiresAt - Date.now())) })
    return identity
  }

  private async check(token: string, key: JWTVerifyGetKey): Promise<TokenIdentity> {
    let payload
    try {
      ;({ payload } = await jwtVerify(token, key, this.options))
    } catch (error) {
      throw this.refusal(error)
    }
    if (!Value.Check(AgentId, payload.sub)) throw new Errors.Unauthorized('The token’s sub is not an agent id (1–128 characters of [A-Za-z0-9._:-])')
    return { agentId: payload.sub, grant: ServiceGrant.fromClaim(payload[SERVICES_CLAIM]), expiresAt: (payload.exp as number) * 1000 }
  }

  private refusal(error: unknown): Error {
    if (error instanceof errors.JWTExpired) return new Errors.Unauthorized(`The token expired at ${at(error.payload.exp)}`)
    if (error instanceof errors.JWTClaimValidationFailed) {
      const { claim, reason, payload } = error
      if (claim === 'nbf') return new Errors.Unauthorized(`The token is not valid before ${at(payload.nbf)}`)
      if (reason === 'missing') return new Errors.Unauthorized(`The token has no ${claim} claim, which the hub requires`)
      if (claim === 'iss') return new Errors.Unauthorized(`The token's issuer is not ${this.options.issuer as string} (HUB_JWT_ISSUER)`)
      if (claim === 'aud') return new Errors.Unauthorized(`The token's audience is not ${this.options.audience as string} (HUB_JWT_AUDIENCE)`)
      return new Errors.Unauthorized(`The token's ${claim} claim is invalid: ${error.message}`)
    }
    if (error instanceof errors.JOSEAlgNotAllowed) {
      return new Errors.Unauthorized(`The token's algorithm is not accepted here (accepted: ${(this.options.algorithms ?? []).join(', ')})`)
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) return new Errors.Unauthorized('The token’s signature does not verify')
    if (error instanceof errors.JWKSNoMatchingKey) return new Errors.Unauthorized('No key at HUB_JWKS_URL matches the token’s kid and algorithm')
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) {
      return new Errors.Unauthorized(`Malformed token: ${error.message}`)
    }
    // The key set could not be fetched or read: not the caller's fault, and worth retrying.
    this.onKeySetError(error)
    return new Errors.Unavailable('The hub cannot read its signing keys from HUB_JWKS_URL right now; try again shortly')
  }
}
