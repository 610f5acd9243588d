// `serve` and `migrate`: the commands that run on the hub's own machine, configured by the
// hub's environment variables (README, Configuration); flags set the common ones.
// The hub's modules load only when one of these runs: the other commands start without them.
import type { Command } from 'commander'
import { CliError, ExitCode } from '../exit-codes.js'
import { globalsOf } from '../globals.js'
import { printJson, printLine } from '../output.js'

interface ServerFlags {
  port?: string
  host?: string
  databaseUrl?: string
}

/** Flags override the environment variables of the same meaning, which the hub reads. */
function applyFlags(flags: ServerFlags): void {
  if (flags.port !== undefined) process.env.PORT = flags.port
  if (flags.host !== undefined) process.env.HOST = flags.host
  if (flags.databaseUrl !== undefined) process.env.DATABASE_URL = flags.databaseUrl
}

export function registerServerCommands(program: Command): void {
  program
    .command('serve')
    .description('run the hub (what `npm start` runs), configured by its environment variables')
    .option('--port <port>', 'TCP port (PORT, default 8765)')
    .option('--host <address>', 'listen address (HOST, default 0.0.0.0)')
    .option('--database-url <url>', 'file:<path> or postgresql://… (DATABASE_URL, default file:./data/hub.db)')
    .action(async (flags: ServerFlags) => {
      applyFlags(flags)
      // The hub's own entry point: it listens until SIGINT or SIGTERM, then shuts down gracefully,
      // and exits 78 on a bad configuration, 1 when it cannot start.
      await import('../../server.js')
    })

  program
    .command('migrate')
    .description('bring the database up to date (`serve` does it at start too) and report what was applied')
    .option('--database-url <url>', 'file:<path> or postgresql://… (DATABASE_URL, default file:./data/hub.db)')
    .action(async (flags: ServerFlags, command: Command) => {
      applyFlags(flags)
      const { ConfigError, loadConfig } = await import('../../config.js')
      const { openDatabase } = await import('../../store/database.js')
      const { loadMigrations } = await import('../../store/migrate.js')
      const { providerOf } = await import('../../store/database-url.js')
      let url: string
      try {
        url = loadConfig().DATABASE_URL
      } catch (error) {
        if (error instanceof ConfigError) throw new CliError(error.message, ExitCode.CONFIG)
        throw error
      }
      let applied: string[]
      try {
        const database = await openDatabase(url)
        applied = database.migrated
        await database.close()
      } catch (error) {
        throw new CliError(`cannot migrate the database: ${error instanceof Error ? error.message : String(error)}`, ExitCode.FAILED)
      }
      const known = loadMigrations(providerOf(url)).map((migration) => migration.name)
      if (globalsOf(command).json) printJson({ provider: providerOf(url), applied, migrations: known })
      else if (applied.length === 0) printLine(`the database is up to date (${known.length} migrations)`)
      else printLine(`applied ${applied.length} of ${known.length} migrations: ${applied.join(', ')}`)
    })
}
