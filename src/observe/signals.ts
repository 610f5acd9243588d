// The operator's latency and failure metrics (beside the counters of src/metrics.ts): ack and
// delivery latency, HTTP request duration, authentication failures by reason, channels by status
// (read from the database when scraped) and hub_build_info.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { AUTH_FAILURE_REASONS } from './auth-failures.js'

/** Latency buckets (seconds) from a millisecond to ten seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const STATUSES = ['pending', 'active', 'rejected', 'ended'] as const

export interface Signals {
  /** chat_message received → its ack written. */
  ackSeconds: Histogram
  /** Message stored → written to a recipient's socket (replayed backlogs included). */
  deliverySeconds: Histogram
  httpSeconds: Histogram<'method' | 'route' | 'status_code'>
  authFailures: Counter<'reason'>
  /** Messages removed, by MESSAGE_RETENTION or by the operator. */
  messagesRemoved: Counter<'by'>
}

export interface BuildInfo {
  version: string
  database: string
}

export function createSignals(registry: Registry, build: BuildInfo): Signals {
  const registers = [registry]
  new Gauge({
    name: 'hub_build_info',
    help: 'Always 1; the labels say which hub this is.',
    labelNames: ['version', 'node', 'database'],
    registers,
  }).set({ version: build.version, node: process.version, database: build.database }, 1)
  return {
    ackSeconds: new Histogram({
      name: 'hub_ack_seconds',
      help: 'From a chat_message frame received to its ack sent (the message committed).',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    deliverySeconds: new Histogram({
      name: 'hub_delivery_seconds',
      help: "From a message stored to its write to a recipient's socket (replayed backlogs included).",
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    httpSeconds: new Histogram({
      name: 'hub_http_request_duration_seconds',
      help: 'REST request duration, by method, route and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    authFailures: labelledCounter(registers, {
      name: 'hub_auth_failures_total',
      help: 'Requests and /ws upgrades refused for their credentials, by reason.',
      label: 'reason',
      values: AUTH_FAILURE_REASONS,
    }),
    messagesRemoved: labelledCounter(registers, {
      name: 'hub_messages_removed_total',
      help: 'Stored messages removed, by MESSAGE_RETENTION (retention) or DELETE /channels/:id/messages (operator).',
      label: 'by',
      values: ['retention', 'operator'],
    }),
  }
}

/** A counter with one label, every value of which exists from the start at 0 (so that a first one shows as a rise). */
export function labelledCounter<L extends string>(
  registers: Registry[],
  { name, help, label, values }: { name: string; help: string; label: L; values: readonly string[] },
): Counter<L> {
  const counter = new Counter<L>({ name, help, labelNames: [label], registers })
  for (const value of values) counter.inc({ [label]: value } as Partial<Record<L, string>>, 0)
  return counter
}

/** hub_channels{status}: read from the database at each scrape (one grouped count). */
export function channelsByStatus(registry: Registry, count: () => Promise<Map<string, number>>): void {
  new Gauge({
    name: 'hub_channels',
    help: 'Channels in the database, by status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await count().catch(() => null)
      if (!counts) return
      for (const status of STATUSES) this.set({ status }, counts.get(status) ?? 0)
    },
  })
}
