// Who is calling. The credential says who an agent is: an operator-issued API key (found by its
// digest) or a JWT from the operator's backend (its `sub`); an agent id sent along must match
// it. Without HUB_ADMIN_TOKEN ("local" mode) an agent that has no key may also connect keyless,
// from this machine only; nothing presented from anywhere binds a key to an agent — keys are
// issued by the operator alone. With HUB_ADMIN_TOKEN ("strict") no address is trusted.
// HUB_AUTH=off turns all of it off. The operator is the admin token's bearer — or, in local
// mode, any REST caller on this machine that presents nothing.
import type { Config } from '../config.js'
import { ADMIN, asAgent, type Actor } from '../domain/actor.js'
import { Errors } from '../errors.js'
import type { Store } from '../store/index.js'
import { LegacyKeyVerifier, isIssuedKey, keyDigest, sameSecret } from './api-keys.js'
import { CredentialCache, type CredentialSource } from './credential-cache.js'
import { ServiceGrant } from './grant.js'
import { isLoopback } from './loopback.js'
import { TokenVerifier, type TokenConfig } from './tokens.js'

export type AuthMode = 'off' | 'local' | 'strict'

export interface Presented {
  /** The API key, JWT or admin token presented, if any. */
  credential?: string | undefined
  /** The agent the caller says it is (agent_id, X-Agent-Id), if it says. */
  agentId?: string | undefined
  /** The caller's address. */
  ip: string
}

/** An authenticated agent. */
export interface Identity {
  agentId: string
  grant: ServiceGrant
  /** When its credential stops being valid (a JWT's exp, in ms); keys do not expire. */
  expiresAt?: number | undefined
}

/** The caller of a REST request. */
export interface Caller {
  actor: Actor
  grant: ServiceGrant
}

const ISSUE_HINT = 'keys are issued by the operator: POST /agents, or `claw-chat-hub keys issue <agent>`'

export class Authenticator {
  readonly mode: AuthMode
  readonly tokens: TokenVerifier
  /** What was read of agents' credentials; forget an agent here (on every instance) when its credentials change. */
  readonly credentials: CredentialCache
  private readonly legacy = new LegacyKeyVerifier()

  constructor(
    private readonly store: Store,
    private readonly config: Pick<Config, 'HUB_AUTH' | 'HUB_ADMIN_TOKEN'> & TokenConfig,
    options: CredentialSource & { onKeySetError?: (error: unknown) => void },
  ) {
    this.mode = config.HUB_AUTH === 'off' ? 'off' : config.HUB_ADMIN_TOKEN ? 'strict' : 'local'
    this.tokens = new TokenVerifier(config, options.onKeySetError)
    this.credentials = new CredentialCache(store.agents, options)
  }

  /** The agent a /ws upgrade (or REST request) is from; throws UNAUTHORIZED or FORBIDDEN. */
  async agent({ credential, agentId, ip }: Presented): Promise<Identity> {
    if (this.mode === 'off' && agentId !== undefined) return { agentId, grant: ServiceGrant.ALL }
    if (credential !== undefined) {
      if (this.isAdminToken(credential)) {
        throw new Errors.Unauthorized('HUB_ADMIN_TOKEN is the operator’s: an agent presents its own API key or token')
      }
      const identity = await this.identify(credential, agentId)
      if (agentId !== undefined && agentId !== identity.agentId) {
        throw new Errors.Forbidden(`This credential is ${identity.agentId}’s, not ${agentId}’s`)
      }
      return identity
    }
    if (agentId === undefined) {
      throw new Errors.Unauthorized('Present the agent’s API key or token (Authorization: Bearer …), or name a keyless agent with agent_id')
    }
    return this.keyless(agentId, ip)
  }

  /** The caller of a REST request, from its bearer and X-Agent-Id. */
  async caller(presented: Presented): Promise<Caller> {
    const { credential, agentId } = presented
    if (credential !== undefined && this.isAdminToken(credential)) {
      if (agentId !== undefined) {
        throw new Errors.Forbidden('The bearer is HUB_ADMIN_TOKEN, the operator’s, not an agent’s: leave out X-Agent-Id and name the agent in the request')
      }
      return { actor: ADMIN, grant: ServiceGrant.ALL }
    }
    if (credential !== undefined || agentId !== undefined) {
      const identity = await this.agent(presented)
      return { actor: asAgent(identity.agentId), grant: identity.grant }
    }
    if (this.mode === 'off' || (this.mode === 'local' && isLoopback(presented.ip))) return { actor: ADMIN, grant: ServiceGrant.ALL }
    throw new Errors.Unauthorized('Authenticate with Authorization: Bearer <API key or token> (or the operator’s HUB_ADMIN_TOKEN)')
  }

  /** An API key's or a token's agent. */
  private async identify(credential: string, agentId: string | undefined): Promise<Identity> {
    if (this.tokens.enabled && TokenVerifier.looksLikeJwt(credential)) return this.tokens.verify(credential)
    const owner = await this.credentials.byKeyDigest(keyDigest(credential))
    if (owner) {
      if (owner.revoked) throw new Errors.Unauthorized(`The API key of ${owner.agentId} was revoked`)
      return { agentId: owner.agentId, grant: ServiceGrant.ALL }
    }
    // A key stored as a scrypt hash by an earlier version can be found only by its agent's id.
    const legacy = agentId === undefined ? null : await this.credentials.of(agentId)
    if (legacy?.legacyHash && (await this.legacy.verify(credential, legacy.legacyHash))) {
      // An issued key has 256 random bits: its digest is as safe to store as its scrypt hash.
      if (isIssuedKey(credential)) {
        await this.store.agents.upgradeLegacyKey(legacy.agentId, legacy.legacyHash, keyDigest(credential))
        this.credentials.forget(legacy.agentId)
      }
      return { agentId: legacy.agentId, grant: ServiceGrant.ALL }
    }
    throw new Errors.Unauthorized(`Unknown API key (${ISSUE_HINT})`)
  }

  /** An agent that presents nothing: only in local mode, from this machine, if it has no key. */
  private async keyless(agentId: string, ip: string): Promise<Identity> {
    if (this.mode === 'strict') {
      throw new Errors.Unauthorized('Present the agent’s API key or token: with HUB_ADMIN_TOKEN set the hub trusts no address')
    }
    if (!isLoopback(ip)) {
      throw new Errors.Unauthorized(`Present an API key or token: agents without one may connect only from the hub’s own machine (${ISSUE_HINT})`)
    }
    const stored = await this.credentials.of(agentId)
    if (stored?.revoked) throw new Errors.Unauthorized(`The API key of ${agentId} was revoked`)
    if (stored?.keyDigest || stored?.legacyHash) throw new Errors.Unauthorized(`Missing API key: ${agentId} has one, and must present it`)
    return { agentId, grant: ServiceGrant.ALL }
  }

  private isAdminToken(credential: string): boolean {
    const token = this.config.HUB_ADMIN_TOKEN
    return token !== undefined && sameSecret(credential, token)
  }
}
