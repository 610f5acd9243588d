// What the hub knows of its storage's condition: set by the failures faults.ts recognises,
// cleared by the next write that commits. It turns those failures into one answer (UNAVAILABLE
// with retry_after_ms: nothing was applied, send the same frame again), one log line per
// episode (repeated at most every LOG_EVERY_MS with the count of refusals since), and metrics;
// /readyz reports it.
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
  read_only: 'the storage is read-only',
}

export interface HealthLog {
  warn(object: object, message: string): void
  info(object: object, message: string): void
}

interface Episode {
  fault: StorageFault
  since: number
  refused: number
  loggedAt: number
}

export class StorageHealth {
  private episode: Episode | undefined
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

  /** For a failure caused by the storage's condition, the refusal to answer with; otherwise undefined. */
  refusal(error: unknown): HubError | undefined {
    if (error instanceof Error && (error as Partial<HubError>).code === 'UNAVAILABLE') return error as HubError
    const fault = this.noted(error)
    if (!fault) return undefined
    return retryable(new Errors.Unavailable(`Not stored: ${EXPLAINED[fault]}; send it again shortly`), RETRY_AFTER_MS[fault])
  }

  /** Records a failure if the storage's condition caused it; returns that condition. */
  noted(error: unknown): StorageFault | undefined {
    const fault = faultOf(error)
    if (!fault) return undefined
    this.faults.inc({ fault })
    const now = Date.now()
    if (this.episode?.fault !== fault) {
      this.end()
      this.episode = { fault, since: now, refused: 0, loggedAt: now }
      this.current.set({ fault }, 1)
      this.log.warn({ fault, err: error }, `storage unavailable: ${EXPLAINED[fault]}`)
    } else if (now - this.episode.loggedAt >= LOG_EVERY_MS) {
      this.log.warn({ fault, failures: this.episode.refused, since: new Date(this.episode.since) }, `storage still unavailable: ${EXPLAINED[fault]}`)
      this.episode.loggedAt = now
      this.episode.refused = 0
    }
    this.episode.refused++
    return fault
  }

  /** A write committed: whatever stood in the way is gone. */
  recovered(): void {
    if (!this.episode) return
    const { fault, since } = this.episode
    this.end()
    this.log.info({ fault, seconds: (Date.now() - since) / 1000 }, 'storage available again')
  }

  private end(): void {
    if (this.episode) this.current.set({ fault: this.episode.fault }, 0)
    this.episode = undefined
  }
}
