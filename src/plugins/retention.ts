// Message retention as a Fastify plugin: with MESSAGE_RETENTION set, a background pass every
// little while removes the messages older than it, one bounded batch at a time with a pause
// between batches, so that the message path (group commits, history reads) runs between them.
// app.retention also removes one channel's messages for the operator (DELETE /channels/:id/messages).
import { setTimeout as sleep } from 'node:timers/promises'
import fp from 'fastify-plugin'
import { retentionMs } from '../config.js'
import { PURGE_BATCH, type Batch } from '../store/retention.js'

export interface Retention {
  /** One pass now: removes every message older than MESSAGE_RETENTION; resolves with how many went. */
  runOnce(): Promise<number>
  /** Removes the channel's messages below `beforeSeq`, in batches; resolves with how many went. */
  removeFromChannel(channelId: string, beforeSeq: number): Promise<number>
}

declare module 'fastify' {
  interface FastifyInstance {
    retention: Retention
  }
}

/**
 * Pause between two batches: at least BATCH_PAUSE_MS, and twice as long as the batch took, so
 * that removing holds the database (and, on SQLite, this process) a third of the time at most.
 */
const BATCH_PAUSE_MS = 10
const PAUSE_PER_BATCH_MS = 2
const PASS_EVERY = { min: 10_000, max: 600_000, share: 100 }
const FIRST_PASS_MS = 1000

export const retentionPlugin = fp(
  async (app) => {
    const { store, metrics } = app
    const keep = retentionMs(app.config)
    let closing = false
    let busy = false
    /** Passes run one after another. */
    let queue: Promise<number> = Promise.resolve(0)

    /** Runs `batch` until it removes less than a full batch (or the app closes). */
    const drain = async (batch: (after?: string) => Promise<Batch>, by: 'retention' | 'operator'): Promise<number> => {
      let total = 0
      let after: string | undefined
      for (;;) {
        const started = performance.now()
        const { removed, after: next } = await batch(after)
        after = next
        total += removed
        metrics.messagesRemoved.inc({ by }, removed)
        if (removed < PURGE_BATCH || closing) return total
        await sleep(Math.max(BATCH_PAUSE_MS, PAUSE_PER_BATCH_MS * (performance.now() - started)))
      }
    }

    const pass = async (): Promise<number> => {
      if (keep === null) return 0
      const started = performance.now()
      const cutoff = Date.now() - keep
      const removed = await drain((after) => store.messages.retention.removeOlderThan(cutoff, after), 'retention')
      if (removed > 0) app.log.info({ removed, ms: Math.round(performance.now() - started) }, 'retention removed old messages')
      return removed
    }
    const runOnce = (): Promise<number> =>
      (queue = queue
        .catch(() => 0)
        .then(async () => {
          busy = true
          try {
            return await pass()
          } finally {
            busy = false
          }
        }))
    const background = () => {
      if (busy || closing) return
      runOnce().catch((error: unknown) => app.log.warn({ err: error }, 'retention pass failed; the next one retries'))
    }

    app.decorate('retention', {
      runOnce,
      removeFromChannel: (channelId, beforeSeq) =>
        drain((after) => store.messages.retention.removeFromChannel(channelId, beforeSeq, after), 'operator'),
    } satisfies Retention)

    if (keep === null) return
    const every = Math.min(PASS_EVERY.max, Math.max(PASS_EVERY.min, Math.round(keep / PASS_EVERY.share)))
    let first: NodeJS.Timeout | undefined
    let timer: NodeJS.Timeout | undefined
    app.addHook('onReady', async () => {
      app.log.info({ retention: app.config.MESSAGE_RETENTION, every_ms: every }, 'messages older than MESSAGE_RETENTION are removed')
      // The first pass soon after start (a hub that was down has catching up to do), then every `every`.
      first = setTimeout(background, FIRST_PASS_MS).unref()
      timer = setInterval(background, every).unref()
    })
    app.addHook('preClose', async () => {
      closing = true
      clearTimeout(first)
      clearInterval(timer)
      await queue.catch(() => undefined)
    })
  },
  { name: 'retention', dependencies: ['metrics', 'store'] },
)
