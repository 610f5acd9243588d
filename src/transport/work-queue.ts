// The frames accepted from the hub's connections and not yet handled, counted per connection by
// each dispatcher and hub-wide here, so that neither a connection nor all of them queue unbounded.

/** Frames waiting to be handled: at most `perConnection` of one connection, `total` of all. */
export class WorkQueue {
  waiting = 0
  constructor(
    readonly perConnection: number,
    readonly total: number,
  ) {}
}
