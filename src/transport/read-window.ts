// Backpressure on one connection's reads: the frames (and bytes) it has in flight — received,
// not yet answered — are bounded, and past the bound the hub stops reading its socket, so TCP
// pushes back on the sender; reading resumes once enough of them are answered. The pace
// (MAX_FRAMES_PER_SECOND) slows a connection the same way: a pause until its next frame is due.
// Nothing is refused or dropped here; a sender is only made to wait.

/** What the window pauses and resumes: the connection's reading. */
export interface Readable {
  pauseReading(): void
  resumeReading(): void
}

export interface ReadWindowLimits {
  maxFrames: number
  maxBytes: number
}

export type PauseReason = 'in_flight' | 'pace'

export class ReadWindow {
  private frames = 0
  private bytes = 0
  private full = false
  private pacedUntil = 0
  private paceTimer: NodeJS.Timeout | undefined
  private reading = true

  constructor(
    private readonly socket: Readable,
    private readonly limits: ReadWindowLimits,
    private readonly onPause: (reason: PauseReason) => void = () => undefined,
  ) {}

  /** Frames received and not yet answered. */
  get inFlight(): number {
    return this.frames
  }

  /**
   * Counts a frame in; the returned release counts it out (once, however often it is called).
   * The frame that fills the window is taken: a frame larger than maxBytes alone still passes.
   */
  take(bytes: number): () => void {
    this.frames++
    this.bytes += bytes
    if (this.frames >= this.limits.maxFrames || this.bytes >= this.limits.maxBytes) {
      if (!this.full) this.onPause('in_flight')
      this.full = true
      this.update()
    }
    let released = false
    return () => {
      if (released) return
      released = true
      this.frames--
      this.bytes -= bytes
      // Resume at half the bound, not one under it: a pause per frame would cost more than it saves.
      if (this.full && this.frames <= this.limits.maxFrames / 2 && this.bytes <= this.limits.maxBytes / 2) {
        this.full = false
        this.update()
      }
    }
  }

  /** Stops reading for `ms` (the pace's wait for its next token). */
  pace(ms: number): void {
    const until = performance.now() + ms
    if (until <= this.pacedUntil) return
    if (this.pacedUntil === 0) this.onPause('pace')
    this.pacedUntil = until
    clearTimeout(this.paceTimer)
    this.paceTimer = setTimeout(() => {
      this.pacedUntil = 0
      this.update()
    }, ms)
    this.update()
  }

  /** The connection closed: no timer may outlive it. */
  close(): void {
    clearTimeout(this.paceTimer)
  }

  private update(): void {
    const read = !this.full && this.pacedUntil === 0
    if (read === this.reading) return
    this.reading = read
    if (read) this.socket.resumeReading()
    else this.socket.pauseReading()
  }
}
