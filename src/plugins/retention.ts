// Message retention as a Fastify plugin: with MESSAGE_RETENTION set, a background pass every
// little while removes the messages older than it, one bounded batch at a time with a pause
// between batches, so that the message path (group commits, history reads) runs between them.
// app.retention also removes one channel's messages for the operator (DELETE /channels/:id/messages).
import { setTimeout as sleep } from 'node:timers/promises'
import fp from 'fastify-plugin'
import { retentionMs } from '../config.js'
import { PURGE_BATCH } from '../store/retention.js'

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

/** Pause between two batches: the writer and readers get the database in between. */
const BATCH_PAUSE_MS = 10
const PASS_EVERY = { min: 10_000, max: 600_000, share: 100 }

export const retentionPlugin = fp(
  async (app) => {
    const { store, metrics } = app
    const keep = retentionMs(app.config)
    let closing = false
    let running: Promise<number> | null = null

    /** Runs `batch` until it removes less than a full batch (or the app closes). */
    const drain = async (batch: () => Promise<number>, by: 'retention' | 'operator'): Promise<number> => {
      let total = 0
      for (;;) {
        const removed = await batch()
        total += removed
        metrics.messagesRemoved.inc({ by }, removed)
        if (removed < PURGE_BATCH || closing) return total
        await sleep(BATCH_PAUSE_MS)
      }
    }

    const pass = async (): Promise<number> => {
      if (keep === null) return 0
      const started = performance.now()
      const cutoff = Date.now() - keep
      const removed = await drain(() => store.messages.retention.removeOlderThan(cutoff), 'retention')
      if (removed > 0) app.log.info({ removed, ms: Math.round(performance.now() - started) }, 'retention removed old messages')
      return removed
    }
    const runOnce = () => (running ??= pass().finally(() => (running = null)))

    app.decorate('retention', {
      runOnce,
      removeFromChannel: (channelId, beforeSeq) =>
        drain(() => store.messages.retention.removeFromChannel(channelId, beforeSeq), 'operator'),
    } satisfies Retention)

    if (keep === null) return
    const every = Math.min(PASS_EVERY.max, Math.max(PASS_EVERY.min, Math.round(keep / PASS_EVERY.share)))
    let timer: NodeJS.Timeout | undefined
    app.addHook('onReady', async () => {
      app.log.info({ retention: app.config.MESSAGE_RETENTION, every_ms: every }, 'messages older than MESSAGE_RETENTION are removed')
      timer = setInterval(() => {
        runOnce().catch((error: unknown) => app.log.warn({ err: error }, 'retention pass failed; the next one retries'))
      }, every).unref()
    })
    app.addHook('preClose', async () => {
      closing = true
      clearInterval(timer)
      await running?.catch(() => undefined)
    })
  },
  { name: 'retention', dependencies: ['metrics', 'store'] },
)
