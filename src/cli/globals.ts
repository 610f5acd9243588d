// The options every command shares: where the hub is and who is calling, each from a flag or
// its environment variable (the flag wins), and --json. Also the parsers of option values,
// so that a malformed one is a usage error (exit 2) with a clear message.
import { InvalidArgumentError, Option, type Command } from 'commander'
import { CliError, ExitCode } from './exit-codes.js'
import { HubApi } from './hub-api.js'

export interface Globals {
  hubUrl: string
  agent?: string
  apiKey?: string
  adminToken?: string
  json: boolean
  timeout: number
}

export const DEFAULT_HUB_URL = 'http://127.0.0.1:8765'

export function addGlobalOptions(program: Command): void {
  program
    .addOption(new Option('--hub-url <url>', 'the hub (http(s):// or ws(s)://)').env('HUB_URL').default(DEFAULT_HUB_URL))
    .addOption(new Option('--agent <id>', 'act as this agent').env('AGENT_ID'))
    .addOption(new Option('--api-key <key>', "the agent's API key").env('HUB_API_KEY'))
    .addOption(new Option('--admin-token <token>', "the operator's token (the hub's HUB_ADMIN_TOKEN)").env('HUB_ADMIN_TOKEN'))
    .addOption(new Option('--json', 'print JSON instead of text').default(false))
    .addOption(new Option('--timeout <ms>', 'how long one request may wait for the hub').argParser(positiveInt).default(30_000))
}

/** The shared options as a command's action sees them (flags given before or after it). */
export function globalsOf(command: Command): Globals {
  const globals = command.optsWithGlobals<Globals>()
  // An empty variable (HUB_API_KEY= in a script) means unset, not an empty key.
  for (const key of ['agent', 'apiKey', 'adminToken'] as const) if (globals[key] === '') delete globals[key]
  return globals
}

export function hubApi(globals: Globals): HubApi {
  return new HubApi(globals.hubUrl, { agentId: globals.agent, apiKey: globals.apiKey, adminToken: globals.adminToken }, globals.timeout)
}

/** The agent a command acts as; commands that speak for an agent cannot go on without one. */
export function requireAgent(globals: Globals, command: string): string {
  if (globals.agent === undefined) throw new CliError(`${command} needs an agent: pass --agent <id> or set AGENT_ID`, ExitCode.USAGE)
  return globals.agent
}

export function positiveInt(value: string): number {
  const number = Number(value)
  if (!/^\d+$/.test(value) || number < 1) throw new InvalidArgumentError('expected a whole number ≥ 1')
  return number
}

export function seqNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a seq (a whole number ≥ 0)')
  return Number(value)
}
