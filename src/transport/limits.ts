// Per-connection and per-agent limits of /ws: the token bucket that paces a connection's frames,
// the connection slots each agent holds, and the Origin check that keeps other web sites from
// opening /ws in a visitor's browser (cross-site WebSocket hijacking of agents on localhost).
import type { IncomingMessage } from 'node:http'
import { Errors } from '../errors.js'
import type { SlotCounter } from '../lib/slot-counts.js'

/** Allows `capacity` events at once, earning back `perSecond` of them every second. */
export class TokenBucket {
  private tokens: number
  private refilledAt: number

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = capacity
    this.refilledAt = now()
  }

  /** Spends a token; false when there is none left (the event is over the limit). */
  take(): boolean {
    this.refill()
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /**
   * Spends a token even when there is none, going into debt; returns how many ms pass before the
   * debt is paid (0 while within the limit): how long a pacer should wait.
   */
  spend(): number {
    this.refill()
    this.tokens -= 1
    return this.tokens >= 0 ? 0 : (-this.tokens / this.perSecond) * 1000
  }

  private refill(): void {
    const now = this.now()
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond)
    this.refilledAt = now
  }
}

/**
 * Connections per agent (or per client address), counted from the moment an upgrade is let through (not when its socket
 * opens), so that upgrades racing each other cannot together pass the limit. The broker's counter counts them: in this
 * process alone, or across every instance of a cluster (see broker/redis-slots.ts).
 */
export class ConnectionSlots {
  private readonly releases = new WeakMap<IncomingMessage, () => void>()

  constructor(
    private readonly counter: SlotCounter,
    private readonly max: number,
    /** Called for each upgrade refused for passing the limit. */
    private readonly onRefused: () => void = () => undefined,
    /** The error refusing a key that holds `max` slots. */
    private readonly refusal: (key: string, max: number) => Error = (key, max) => new Errors.TooManyConnections(key, max),
  ) {}

  /**
   * Takes one of the key's slots for this upgrade request, or throws TooManyConnections (429).
   * The slot is given back exactly once: when the request's TCP socket closes — whether the
   * upgrade was refused later, failed, or became a WebSocket that has now closed — or on
   * release(), or at once if the limit turns out full or the socket closed meanwhile.
   */
  async take(key: string, request: IncomingMessage): Promise<void> {
    const slot = this.counter.take(key, this.max)
    if (!slot) this.refuse(key)
    this.releases.set(request, slot.release)
    // Requests made with injectWS() have no TCP socket; their WebSocket's close releases them.
    const socket = request.socket as IncomingMessage['socket'] | undefined
    socket?.once('close', slot.release)
    // A count of this process alone answers at once: no turn of the microtask queue to wait for.
    if (slot.granted !== true && !(await slot.granted)) {
      slot.release()
      this.refuse(key)
    }
    // Closed before its listener was there (or while the count was asked): it will not close again.
    if (socket?.destroyed) slot.release()
  }

  /** Gives back the slot taken for this request (a no-op the second time). */
  release(request: IncomingMessage): void {
    this.releases.get(request)?.()
  }

  private refuse(key: string): never {
    this.onRefused()
    throw this.refusal(key, this.max)
  }
}

/**
 * Decides which browser pages may open /ws. Agents that are not browsers send no Origin and
 * pass; a browser always sends one, so a page is let in only if its origin is listed. The Host
 * header is deliberately not compared: under DNS rebinding an attacker's page shares the Host.
 */
export class OriginPolicy {
  private readonly allowed: Set<string>

  constructor(
    origins: string[],
    /** Called for each upgrade refused for its Origin. */
    private readonly onRefused: () => void = () => undefined,
  ) {
    this.allowed = new Set(origins.map(normalizeOrigin))
  }

  /** Throws OriginNotAllowed (403) for an Origin header that is present and not listed. */
  check(origin: string | string[] | undefined): void {
    if (origin === undefined) return
    const value = Array.isArray(origin) ? origin.join(',') : origin
    if (this.allowed.has(normalizeOrigin(value))) return
    this.onRefused()
    throw new Errors.OriginNotAllowed(JSON.stringify(value.slice(0, 200)))
  }
}

const normalizeOrigin = (origin: string): string => origin.trim().replace(/\/+$/, '').toLowerCase()
