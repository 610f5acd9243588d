// What the hub knows of its storage's condition: set by the failures faults.ts recognises,
// cleared by the next write that commits. It turns those failures into one answer (UNAVAILABLE
// with retry_after_ms: nothing was applied, send the same frame again), one log line per cause
// (repeated at most every LOG_EVERY_MS with the count of failures since, however often small
// writes slip through meanwhile), and metrics; /readyz reports it.
import { Counter, Gauge, type Registry } from 'prom-client'
import { Errors, retryable, type HubError } from '../errors.js'
import { faultOf, type StorageFault } from './faults.js'

export type { StorageFault } from './faults.js'

/** How long clients wait before sending again: a restart takes seconds, a full disk a person. */
const RETRY_AFTER_MS: Record<StorageFault, number> = { unreachable: 500, full: 2000, read_only: 2000 }
const LOG_EVERY_MS = 30_000
const FAULTS: StorageFault[] = ['unreachable', 'full', 'read_only']
const EXPLAINED: Record<StorageFault, string> = {
  unreachable: 'the database does not answer',
  full: 'the storage is full',
  read_only: 'the storage is read-only or refuses writes',
}

export interface HealthLog {
  warn(object: object, message: string): void
  info(object: object, message: string): void
}

interface Episode {
  fault: StorageFault
  since: number
  lastFailure: number
}

export class StorageHealth {
  private episode: Episode | undefined
  /** Per cause: when it was last logged, and the failures since. */
  private readonly logged = new Map<StorageFault, { at: number; failures: number }>()
  /** The cause whose line went out last, until a recovery line answers it. */
  private announced: StorageFault | undefined
  private readonly faults: Counter<'fault'>
  private readonly current: Gauge<'fault'>

  constructor(
    private readonly log: HealthLog,
    registry: Registry,
  ) {
    const registers = [registry]
    this.faults = new Counter({
      name: 'hub_storage_faults_total',
      help: 'Database operations that failed because the database was unreachable, or the storage full or read-only.',
      labelNames: ['fault'],
      registers,
    })
    this.current = new Gauge({
      name: 'hub_storage_fault',
      help: '1 while the storage is in this condition (writes refused with UNAVAILABLE), else 0.',
      labelNames: ['fault'],
      registers,
    })
    for (const fault of FAULTS) {
      this.faults.inc({ fault }, 0)
      this.current.set({ fault }, 0)
    }
  }

  /** The storage's condition now, if it is not writable. */
  get fault(): StorageFault | undefined {
    return this.episode?.fault
  }

  /** The condition, if a failure confirmed it within the last `ms` (then no probe is needed to tell). */
  confirmedWithin(ms: number): StorageFault | undefined {
    return this.episode && Date.now() - this.episode.lastFailure < ms ? this.episode.fault : undefined
  }

  /** How long clients are told to wait before trying again. */
  retryAfterMs(fault: StorageFault): number {
    return RETRY_AFTER_MS[fault]
  }

  /** For a failure caused by the storage's condition, the refusal to answer with; otherwise undefined. */
  refusal(error: unknown): HubError | undefined {
    if (error instanceof Error && (error as Partial<HubError>).code === 'UNAVAILABLE') return error as HubError
    const fault = this.noted(error)
    if (!fault) return undefined
    return retryable(new Errors.Unavailable(`Not stored: ${EXPLAINED[fault]}; send it again shortly`), this.retryAfterMs(fault))
  }

  /** Records a failure if the storage's condition caused it; returns that condition. */
  noted(error: unknown): StorageFault | undefined {
    const fault = faultOf(error)
    if (!fault) return undefined
    this.faults.inc({ fault })
    const now = Date.now()
    if (this.episode?.fault !== fault) {
      this.end()
      this.episode = { fault, since: now, lastFailure: now }
      this.current.set({ fault }, 1)
    }
    this.episode.lastFailure = now
    const logged = this.logged.get(fault)
    if (!logged || now - logged.at >= LOG_EVERY_MS) {
      const failures = logged ? { failures_since_last_line: logged.failures } : {}
      this.log.warn({ fault, ...failures, err: error }, `storage unavailable: ${EXPLAINED[fault]}`)
      this.logged.set(fault, { at: now, failures: 0 })
      this.announced = fault
    } else {
      logged.failures++
    }
    return fault
  }

  /** A write committed: whatever stood in the way is gone. */
  recovered(): void {
    if (!this.episode) return
    const { fault, since } = this.episode
    this.end()
    // Once per line logged, not for every small write that slips through a nearly full disk.
    if (this.announced !== fault) return
    this.announced = undefined
    this.log.info({ fault, seconds: (Date.now() - since) / 1000 }, 'storage available again')
  }

  private end(): void {
    if (this.episode) this.current.set({ fault: this.episode.fault }, 0)
    this.episode = undefined
  }
}
