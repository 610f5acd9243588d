// One console's live stream, as Server-Sent Events on a raw HTTP response: the hub's events
// (observe/events.ts) that pass the console's filter, a comment every beat so that proxies keep
// it open, and — when the browser reads slower than the hub writes — no queue without bound:
// events are dropped until the socket drains, then one `resync` event tells the page to read the
// lists again.
import type { ServerResponse } from 'node:http'
import type { HubEvent, HubEvents } from '../observe/events.js'

const BEAT_MS = 15_000

export interface StreamFilter {
  /** Only this channel's messages and changes (presence is always told). */
  channelId?: string | undefined
}

export class EventStream {
  private dropping = false
  private readonly stop: () => void
  private readonly beat: NodeJS.Timeout
  /** Settles when the stream has ended, from either side. */
  readonly ended: Promise<void>

  constructor(
    private readonly response: ServerResponse,
    events: HubEvents,
    private readonly filter: StreamFilter,
  ) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    this.write('hello', { at: new Date().toISOString() })
    this.stop = events.listen((event) => this.tell(event))
    this.beat = setInterval(() => response.write(': beat\n\n'), BEAT_MS).unref()
    this.ended = new Promise((resolve) => response.once('close', resolve))
    void this.ended.then(() => this.release())
  }

  end(): void {
    this.release()
    this.response.end()
  }

  private release(): void {
    this.stop()
    clearInterval(this.beat)
  }

  private tell(event: HubEvent): void {
    const { channelId } = this.filter
    if (channelId !== undefined) {
      if (event.kind === 'message' && event.message.channel_id !== channelId) return
      if (event.kind === 'channel' && event.channel_id !== channelId) return
    }
    if (this.dropping) return
    if (this.write(event.kind, event)) return
    this.dropping = true
    this.response.once('drain', () => {
      this.dropping = false
      this.write('resync', {})
    })
  }

  private write(name: string, data: unknown): boolean {
    return this.response.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`)
  }
}
