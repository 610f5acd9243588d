// Prometheus metrics of this hub instance (one registry per app, so tests can run several);
// plugins/metrics.ts serves them at GET /metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { createSignals, labelledCounter, type BuildInfo, type Signals } from './observe/signals.js'

export interface HubMetrics extends Signals {
  registry: Registry
  connections: Gauge
  gapFills: Counter
  framesReceived: Counter<'type'>
  frameErrors: Counter<'code'>
  messagesStored: Counter
  messagesDelivered: Counter
  batchSize: Histogram
  batchSeconds: Histogram
  slowConsumers: Counter
  heartbeatTimeouts: Counter
  /** Times the hub stopped reading a connection: `in_flight` (backpressure) or `pace`. */
  readsPaused: Counter<'reason'>
  /** Chat requests rejected for waiting longer than PENDING_REQUEST_TTL_MS. */
  requestsExpired: Counter
  /** Stored messages that could not be serialised, skipped with an error frame. */
  undeliverable: Counter
  /** Errors that reached the process (uncaught exceptions, unhandled rejections): logged, the hub serves on. */
  uncaughtErrors: Counter<'kind'>
  /** Refusals for breaking a limit, labelled with the setting that was exceeded (LIMIT_NAMES). */
  limitBreaches: Counter<'limit'>
}

/** The `limit` labels of hub_limit_breaches_total: each names the setting that was exceeded. */
export const LIMIT_NAMES = [
  'max_frames_per_second',
  'max_connections_per_agent',
  'max_connections_per_address',
  'max_queued_frames',
  'max_total_queued_frames',
  'fragment_timeout_ms',
  'max_total_buffered_bytes',
  'max_pending_requests',
  'rate_limit_per_minute',
  'ws_allowed_origins',
] as const
export type LimitName = (typeof LIMIT_NAMES)[number]

export function createMetrics(build: BuildInfo): HubMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  return {
    ...createSignals(registry, build),
    registry,
    connections: new Gauge({ name: 'hub_connections', help: 'Open /ws connections.', registers }),
    gapFills: new Counter({
      name: 'hub_gap_fills_total',
      help: 'Live messages that waited for earlier ones read from the database (stored by another instance, or dropped by Redis).',
      registers,
    }),
    framesReceived: new Counter({
      name: 'hub_frames_received_total',
      help: 'Valid /ws frames received, by type.',
      labelNames: ['type'],
      registers,
    }),
    frameErrors: new Counter({
      name: 'hub_frame_errors_total',
      help: 'Error frames sent, by code.',
      labelNames: ['code'],
      registers,
    }),
    messagesStored: new Counter({ name: 'hub_messages_stored_total', help: 'Messages committed.', registers }),
    messagesDelivered: new Counter({
      name: 'hub_messages_delivered_total',
      help: 'Messages written to a recipient socket.',
      registers,
    }),
    batchSize: new Histogram({
      name: 'hub_store_batch_messages',
      help: 'Messages per group-commit transaction.',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    }),
    slowConsumers: new Counter({
      name: 'hub_slow_consumer_closes_total',
      help: 'Connections closed for falling behind (4429).',
      registers,
    }),
    requestsExpired: new Counter({
      name: 'hub_chat_requests_expired_total',
      help: 'Chat requests rejected (reason "expired") for waiting longer than PENDING_REQUEST_TTL_MS.',
      registers,
    }),
    undeliverable: new Counter({
      name: 'hub_messages_undeliverable_total',
      help: 'Stored messages that could not be serialised for a recipient: skipped, the recipient told with an error frame.',
      registers,
    }),
    uncaughtErrors: new Counter({
      name: 'hub_uncaught_errors_total',
      help: 'Errors no handler caught (kind: exception or rejection), logged while the hub served on.',
      labelNames: ['kind'],
      registers,
    }),
    heartbeatTimeouts: new Counter({
      name: 'hub_heartbeat_timeouts_total',
      help: 'Connections dropped for not answering pings (4408).',
      registers,
    }),
    readsPaused: labelledCounter(registers, {
      name: 'hub_reads_paused_total',
      help: 'Times the hub stopped reading a connection: in_flight (MAX_FRAMES_IN_FLIGHT or MAX_BYTES_IN_FLIGHT reached) or pace (over MAX_FRAMES_PER_SECOND).',
      label: 'reason',
      values: ['in_flight', 'pace'],
    }),
    limitBreaches: limitBreaches(registers),
    batchSeconds: new Histogram({
      name: 'hub_store_batch_seconds',
      help: 'Duration of group-commit transactions.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
  }
}

const limitBreaches = (registers: Registry[]): Counter<'limit'> =>
  labelledCounter(registers, {
    name: 'hub_limit_breaches_total',
    help: 'Requests, upgrades and frames refused for exceeding a limit (frames over max_frames_per_second: read later), by the setting exceeded.',
    label: 'limit',
    values: LIMIT_NAMES,
  })
