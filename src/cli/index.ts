#!/usr/bin/env node
// The `claw-chat-hub` command: run the hub (`serve`, `migrate`) and talk to one (`send`,
// `listen`, `history`, `channels`, `agents`, `services`, `end`, `keys`). Parsing and help come
// from commander; every failure ends in one line on stderr and an exit code from exit-codes.ts.
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { registerKeyCommands } from './commands/keys.js'
import { registerListenCommand } from './commands/listen.js'
import { registerResourceCommands } from './commands/resources.js'
import { registerSendCommand } from './commands/send.js'
import { registerServerCommands } from './commands/server.js'
import { CliError, ExitCode } from './exit-codes.js'
import { addGlobalOptions } from './globals.js'

const EXIT_CODES_HELP = `
Exit codes:
  0   success
  1   the hub refused the request, or the command failed
  2   bad usage (unknown command or option, missing or malformed argument)
  3   the hub could not be reached
  4   the credentials or the action were refused (401, 403)
  5   not found (404)
  6   conflict with the current state (409)
  78  invalid hub configuration (serve, migrate)`

/** The version in the package.json above this file (src/cli/ or dist/src/cli/). */
function version(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (manifest.name === 'claw-chat-hub' && manifest.version) return manifest.version
    } catch {
      // Not this level.
    }
  }
  return 'unknown'
}

function buildProgram(): Command {
  const program = new Command('claw-chat-hub')
    .description('Run a claw-chat-hub, or talk to one: send and receive messages, read history, manage agents and keys.')
    .version(version())
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
  addGlobalOptions(program)
  program.addHelpText('afterAll', EXIT_CODES_HELP)
  registerServerCommands(program)
  registerSendCommand(program)
  registerListenCommand(program)
  registerResourceCommands(program)
  registerKeyCommands(program)
  return program
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv)
  } catch (error) {
    process.exitCode = exitCodeFor(error)
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version end in "errors" too; commander has already printed whatever applies.
    const fine = ['commander.helpDisplayed', 'commander.version'].includes(error.code)
    return fine ? ExitCode.OK : ExitCode.USAGE
  }
  if (error instanceof CliError) {
    console.error(`claw-chat-hub: ${error.message}`)
    return error.exitCode
  }
  console.error(`claw-chat-hub: ${error instanceof Error ? error.message : String(error)}`)
  return ExitCode.FAILED
}

await main(process.argv)
