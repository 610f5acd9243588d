// The process-level safety net: an error no handler caught (an unhandled rejection, an uncaught
// exception) is logged and counted, and the hub serves on — one agent's bad input must not take
// every other agent's connection down. A burst of uncaught exceptions, though, says the process
// is no longer sound: past MAX_EXCEPTIONS within WINDOW_MS it shuts down gracefully instead.
export const MAX_EXCEPTIONS = 10
export const WINDOW_MS = 60_000

export type UncaughtKind = 'exception' | 'rejection'

export interface SafetyNetOptions {
  report(kind: UncaughtKind, error: unknown): void
  /** Too many uncaught exceptions in a row: shut down. */
  giveUp(error: unknown): void
  now?: () => number
}

/** Installs the handlers; returns the function that removes them. */
export function installSafetyNet(options: SafetyNetOptions): () => void {
  const now = options.now ?? (() => Date.now())
  let recent: number[] = []
  const onRejection = (reason: unknown) => options.report('rejection', reason)
  const onException = (error: unknown) => {
    options.report('exception', error)
    const at = now()
    recent = [...recent.filter((time) => at - time < WINDOW_MS), at]
    if (recent.length >= MAX_EXCEPTIONS) options.giveUp(error)
  }
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return () => {
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtException', onException)
  }
}
