// Who is calling. Agents authenticate with API keys (Bearer header, or api_key on /ws). With no
// configuration ("local" mode) an agent's first key binds its id (trust on first use) and an
// agent that never presented one may connect only from this machine; once HUB_ADMIN_TOKEN is
// set ("strict"), only operator-issued keys count and no address is trusted. HUB_AUTH=off turns
// all of it off. The operator is the admin token's bearer — or, in local mode, any keyless
// REST caller on this machine.
import type { Config } from '../config.js'
import { ADMIN, asAgent, type Actor } from '../domain/actor.js'
import { Errors } from '../errors.js'
import type { Store } from '../store/index.js'
import { KeyVerifier, hashKey, sameSecret } from './api-keys.js'
import { isLoopback } from './loopback.js'

export type AuthMode = 'off' | 'local' | 'strict'

export interface Presented {
  /** The API key (or admin token) presented, if any. */
  key?: string | undefined
  /** The caller's address. */
  ip: string
}

export class Authenticator {
  readonly mode: AuthMode
  private readonly verifier = new KeyVerifier()

  constructor(
    private readonly store: Store,
    private readonly config: Pick<Config, 'HUB_AUTH' | 'HUB_ADMIN_TOKEN'>,
  ) {
    this.mode = config.HUB_AUTH === 'off' ? 'off' : config.HUB_ADMIN_TOKEN ? 'strict' : 'local'
  }

  /** Admits the agent or throws UNAUTHORIZED. Never says whether an agent exists. */
  async agent(agentId: string, { key, ip }: Presented): Promise<void> {
    if (this.mode === 'off') return
    const agent = await this.store.agents.get(agentId)
    if (agent?.keyRevokedAt) throw new Errors.Unauthorized(`The API key of ${agentId} was revoked`)
    if (agent?.apiKeyHash) {
      if (key !== undefined && (await this.verifier.verify(key, agent.apiKeyHash))) return
      throw new Errors.Unauthorized(`Missing or wrong API key for ${agentId}`)
    }
    if (this.mode === 'strict') throw new Errors.Unauthorized(`Missing or wrong API key for ${agentId}`)
    if (key !== undefined) return this.claim(agentId, key)
    if (!isLoopback(ip)) {
      throw new Errors.Unauthorized('Present an API key: agents without one may connect only from the hub’s own machine')
    }
  }

  /** The actor of a REST request, from its Authorization and X-Agent-Id headers. */
  async actor(agentId: string | undefined, presented: Presented): Promise<Actor> {
    if (agentId !== undefined) {
      await this.agent(agentId, presented)
      return asAgent(agentId)
    }
    if (this.mode === 'off') return ADMIN
    const token = this.config.HUB_ADMIN_TOKEN
    if (presented.key !== undefined) {
      if (token !== undefined && sameSecret(presented.key, token)) return ADMIN
      throw new Errors.Unauthorized('Unknown bearer token (an agent also sends its id in X-Agent-Id)')
    }
    if (this.mode === 'local' && isLoopback(presented.ip)) return ADMIN
    throw new Errors.Unauthorized('Authenticate with Authorization: Bearer <key> (and X-Agent-Id for an agent)')
  }

  /** Trust on first use: the first key an agent presents becomes its key. */
  private async claim(agentId: string, key: string): Promise<void> {
    if (await this.store.agents.bindFirstKey(agentId, await hashKey(key))) return
    // Another connection bound a key first: this one must match it.
    return this.agent(agentId, { key, ip: '' })
  }
}
