// Agents' credentials as authentication last read them, so that a fleet reconnecting at once
// costs no database read per connect: the agent behind each known key digest, and each agent's
// own credentials (what a keyless connect checks). Every change of an agent's credentials (a
// key issued, replaced, revoked or moved from scrypt) forgets that agent on every instance at
// once, through the broker; while the instances may not hear of each other's changes (Redis
// down), nothing is kept, and whatever was kept is forgotten when that starts and ends.
import { LRUCache } from 'lru-cache'
import type { AgentStore, Credentials } from '../store/agents.js'

/** Agents (and as many key digests) remembered; the least recently used go first. */
const MAX_ENTRIES = 100_000
/** A bound on what a change made behind the hub's back (in the database itself) leaves standing. */
const TTL_MS = 60_000

/** An agent's credentials, or none: an agent never seen has none. */
interface Entry {
  credentials: Credentials | null
}

export interface CredentialSource {
  /** False while changes made on other instances might not reach this one. */
  usable(): boolean
}

export class CredentialCache {
  private readonly byDigest = new LRUCache<string, Credentials>({
    max: MAX_ENTRIES,
    ttl: TTL_MS,
    dispose: (credentials, digest) => {
      if (this.digestOf.get(credentials.agentId) === digest) this.digestOf.delete(credentials.agentId)
    },
  })
  /** The digest each agent was last found by. */
  private readonly digestOf = new Map<string, string>()
  private readonly byAgent = new LRUCache<string, Entry>({ max: MAX_ENTRIES, ttl: TTL_MS })
  /** Bumped by every change: a read that started before one is not kept. */
  private generation = 0

  constructor(
    private readonly agents: Pick<AgentStore, 'byKeyDigest' | 'credentialsOf'>,
    private readonly source: CredentialSource,
  ) {}

  /** The agent whose key has this digest (unknown digests are not remembered: anyone can make them up). */
  async byKeyDigest(digest: string): Promise<Credentials | null> {
    const kept = this.usable() ? this.byDigest.get(digest) : undefined
    if (kept) return kept
    const generation = this.generation
    const credentials = await this.agents.byKeyDigest(digest)
    if (credentials && this.mayKeep(generation)) {
      this.byDigest.set(digest, credentials)
      this.digestOf.set(credentials.agentId, digest)
    }
    return credentials
  }

  /** The agent's credentials, null if it was never seen. */
  async of(agentId: string): Promise<Credentials | null> {
    const kept = this.usable() ? this.byAgent.get(agentId) : undefined
    if (kept) return kept.credentials
    const generation = this.generation
    const credentials = await this.agents.credentialsOf(agentId)
    if (this.mayKeep(generation)) this.byAgent.set(agentId, { credentials })
    return credentials
  }

  /** The agent's credentials changed: forget what was kept of them. */
  forget(agentId: string): void {
    this.generation++
    this.byAgent.delete(agentId)
    const digest = this.digestOf.get(agentId)
    if (digest !== undefined) this.byDigest.delete(digest)
  }

  /** Changes may have been missed: forget everything. */
  clear(): void {
    this.generation++
    this.byDigest.clear()
    this.byAgent.clear()
  }

  private usable(): boolean {
    return this.source.usable()
  }

  private mayKeep(generation: number): boolean {
    return generation === this.generation && this.usable()
  }
}
