// The CLI's exit codes, which scripts may rely on, and the one error type commands throw to
// choose one. Anything else that escapes a command exits with FAILED.

export const ExitCode = {
  OK: 0,
  /** The hub refused the request (an error status not listed below), or the command failed. */
  FAILED: 1,
  /** Bad usage: an unknown command or option, a missing argument, a malformed value. */
  USAGE: 2,
  /** The hub could not be reached (connection refused, DNS, timeout). */
  UNREACHABLE: 3,
  /** The hub refused the credentials (401) or the action (403). */
  NOT_AUTHORIZED: 4,
  /** What was named does not exist (404). */
  NOT_FOUND: 5,
  /** The request conflicts with the current state (409): an ended channel, an agent that has a key. */
  CONFLICT: 6,
  /** The hub's configuration (environment) is invalid: `serve` and `migrate` (EX_CONFIG). */
  CONFIG: 78,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** The exit code for an HTTP error status. */
export function exitCodeOf(status: number): ExitCode {
  if (status === 401 || status === 403) return ExitCode.NOT_AUTHORIZED
  if (status === 404) return ExitCode.NOT_FOUND
  if (status === 409) return ExitCode.CONFLICT
  return ExitCode.FAILED
}

export class CliError extends Error {
  override readonly name = 'CliError'

  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** The hub's error code, when the hub refused. */
    readonly code?: string,
  ) {
    super(message)
  }
}
