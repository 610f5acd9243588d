// The hub's entry point: read the configuration, build the app, listen, and shut down
// gracefully on SIGINT/SIGTERM (stop accepting, store and ack what was received, close sockets
// with 1001, close the database).
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { installSafetyNet, MAX_EXCEPTIONS } from './lib/safety-net.js'

async function main(): Promise<void> {
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`claw-chat-hub: ${error.message}`)
    process.exit(78)
  }

  let app
  try {
    app = await buildApp(config)
  } catch (error) {
    console.error(`claw-chat-hub: cannot start: ${describe(error)}`)
    process.exit(1)
  }

  // Errors no handler caught are the safety net's (src/lib/safety-net.ts), not a reason to exit.
  const grace = closeWithGrace(
    {
      delay: config.SHUTDOWN_TIMEOUT_MS,
      skip: ['uncaughtException', 'unhandledRejection'],
      // The last 'shutdown: …' line before this one names the step that did not finish.
      onTimeout: (delay) => app.log.error({ delay_ms: delay }, 'shutdown did not finish within SHUTDOWN_TIMEOUT_MS; exiting'),
    },
    async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'shutting down after an error')
      else app.log.info({ signal }, 'shutting down')
      await app.close()
    },
  )
  const running = app
  installSafetyNet({
    report: (kind, err) => {
      running.metrics.uncaughtErrors.inc({ kind })
      running.log.error({ err }, `uncaught ${kind}; serving on`)
    },
    giveUp: (err) => {
      running.log.fatal({ err }, `${MAX_EXCEPTIONS} uncaught exceptions within a minute; shutting down`)
      void grace.close()
    },
  })

  try {
    await app.listen({ port: config.PORT, host: config.HOST })
  } catch (error) {
    console.error(`claw-chat-hub: cannot listen on ${config.HOST}:${config.PORT}: ${describe(error)}`)
    await app.close()
    process.exit(1)
  }
}

/** One line for a start-up failure (a bad database URL, a port in use), not a stack trace. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as { cause?: unknown }).cause
  return cause instanceof Error && cause.message !== error.message ? `${error.message} (${cause.message})` : error.message
}

await main()
