// `listen`: connect as --agent and print its messages as they arrive, exactly once each and in
// order, until interrupted (or --count of them). The TypeScript client does the work: it
// reconnects with backoff and resumes where it left off, so nothing is missed or repeated
// across a lost connection or a hub restart. A hub that cannot be reached at the start is
// waited for too; only a refusal of the credentials ends the command (exit 4).
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { ChatClient, ChatHubError, type Message } from '@claw-chat-hub/client'
import type { Command } from 'commander'
import { CloseCode } from '../../protocol/close-codes.js'
import { CliError, exitCodeOf } from '../exit-codes.js'
import { globalsOf, positiveInt, requireAgent } from '../globals.js'
import { note, printJsonLine, printLine } from '../output.js'
import { formatMessage } from './resources.js'

interface ListenFlags {
  channel?: string
  count?: number
}

const FIRST_RETRY_MS = 500
const MAX_RETRY_MS = 10_000

export function registerListenCommand(program: Command): void {
  program
    .command('listen')
    .description("print --agent's messages as they arrive (with --json, one JSON object a line), reconnecting when the connection drops")
    .addHelpText(
      'after',
      '\nThe agent receives on this connection what it is sent meanwhile, on every channel: --channel only chooses what is printed.',
    )
    .option('--channel <id>', 'print only the messages of this channel')
    .option('--count <n>', 'stop after printing this many messages', positiveInt)
    .action(async (flags: ListenFlags, command: Command) => {
      const globals = globalsOf(command)
      const agentId = requireAgent(globals, 'listen')
      const client = new ChatClient({ hubUrl: globals.hubUrl, agentId, apiKey: globals.apiKey, reconnect: { maxMs: MAX_RETRY_MS } })
      let printed = 0
      let failure: CliError | undefined
      const stop = new AbortController()
      const finish = (error?: CliError) => {
        failure ??= error
        stop.abort()
      }

      client.listenForMessages((message: Message) => {
        if (flags.channel !== undefined && message.channel_id !== flags.channel) return
        if (globals.json) printJsonLine(message)
        else printLine(flags.channel === undefined ? `${message.channel_id}  ${formatMessage(message)}` : formatMessage(message))
        if (++printed === flags.count) finish()
      })
      client.on('connected', ({ reconnected }) => note(`${reconnected ? 'reconnected' : 'listening'} as ${agentId} on ${globals.hubUrl}`))
      client.on('reconnecting', ({ attempt, delayMs }) => note(`reconnecting in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt})`))
      client.on('disconnected', ({ code, reason, willReconnect, error }) => {
        if (willReconnect) note(`connection lost (${code}${reason ? ` ${reason}` : ''})`)
        else if (error) finish(new CliError(`stopped listening: ${error.message}`, exitCodeOf(error.status ?? statusOfClose(code))))
      })
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => finish())

      const refused = await connectUntilUp(client, globals.hubUrl, stop.signal)
      if (refused) finish(refused)
      if (!stop.signal.aborted) await once(stop.signal, 'abort')
      await client.disconnect()
      if (failure) throw failure
    })
}

/** The HTTP status a close code stands for: 4401, credentials no longer valid, is a 401. */
function statusOfClose(code: number): number {
  return code === CloseCode.UNAUTHORIZED ? 401 : 0
}

/** The first connect, retried with backoff while the hub cannot be reached; a refusal is final. */
async function connectUntilUp(client: ChatClient, hubUrl: string, stop: AbortSignal): Promise<CliError | undefined> {
  for (let delay = FIRST_RETRY_MS; !stop.aborted; delay = Math.min(MAX_RETRY_MS, delay * 2)) {
    try {
      await client.connect()
      return undefined
    } catch (error) {
      const status = error instanceof ChatHubError ? error.status : undefined
      const message = error instanceof Error ? error.message : String(error)
      if (status !== undefined && status !== 503) return new CliError(`the hub refused to connect: ${message}`, exitCodeOf(status))
      if (stop.aborted) return undefined
      note(`cannot reach the hub at ${hubUrl} (${message}); retrying in ${(delay / 1000).toFixed(1)} s`)
      await sleep(delay, undefined, { signal: stop }).catch(() => undefined)
    }
  }
  return undefined
}
