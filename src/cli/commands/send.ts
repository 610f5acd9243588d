// `send`: one message from --agent, on a channel or to another agent, over REST. REST rather
// than /ws because a socket would take delivery of whatever the agent is owed meanwhile, out
// from under the agent's own connection. To an agent, the message goes on the pair's newest
// active channel (for --service, that service's); without one, a channel is opened in which
// the service's provider, or else the recipient, provides. The message carries a
// client_msg_id (pass --client-msg-id to retry a send safely): repeated, it is stored once.
import { randomUUID } from 'node:crypto'
import { InvalidArgumentError, Option, type Command } from 'commander'
import type { ChannelInfo, MessageInfo, ServiceInfo } from '../../protocol/shapes.js'
import { CliError, ExitCode } from '../exit-codes.js'
import { globalsOf, hubApi, requireAgent } from '../globals.js'
import type { HubApi } from '../hub-api.js'
import { printJson, printLine } from '../output.js'

interface SendFlags {
  to?: string
  channel?: string
  service?: string
  metadata?: Record<string, unknown>
  clientMsgId?: string
}

export function registerSendCommand(program: Command): void {
  program
    .command('send')
    .description('send a message as --agent, to an agent or on a channel; the text is the argument, or stdin when left out')
    .argument('[text]', 'the message (read from stdin when left out)')
    .addOption(new Option('--to <agent>', 'the recipient').conflicts('channel'))
    .addOption(new Option('--channel <id>', 'the channel'))
    .option('--service <id>', "with --to: the service's channel")
    .addOption(new Option('--metadata <json>', 'a JSON object attached to the message').argParser(jsonObject))
    .option('--client-msg-id <id>', 'idempotency key (default: a new UUID); retrying with the same key stores one message')
    .action(async (text: string | undefined, flags: SendFlags, command: Command) => {
      const globals = globalsOf(command)
      const sender = requireAgent(globals, 'send')
      if ((flags.to === undefined) === (flags.channel === undefined)) {
        throw new CliError('send needs --to <agent> or --channel <id>', ExitCode.USAGE)
      }
      if (flags.service !== undefined && flags.to === undefined) throw new CliError('--service goes with --to', ExitCode.USAGE)
      const content = text ?? (await readStdin())
      if (content === '') throw new CliError('send needs a text: as the argument, or on stdin', ExitCode.USAGE)
      const api = hubApi(globals)
      const channelId = flags.channel ?? (await channelTo(api, sender, flags.to as string, flags.service))
      const message = await api.request<MessageInfo>('POST', `/channels/${encodeURIComponent(channelId)}/messages`, {
        body: { sender_id: sender, content, metadata: flags.metadata, client_msg_id: flags.clientMsgId ?? randomUUID() },
      })
      if (globals.json) printJson(message)
      else printLine(`sent #${message.seq} on ${message.channel_id} (${message.message_id})`)
    })
}

async function channelTo(api: HubApi, sender: string, recipient: string, serviceId: string | undefined): Promise<string> {
  if (recipient === sender) throw new CliError('an agent cannot message itself', ExitCode.USAGE)
  const active = await api.list<ChannelInfo>('/channels', 'channels', { agent_id: sender, status: 'active', service_id: serviceId })
  const between = active.filter((c) => (c.provider_id === recipient || c.consumer_id === recipient) && (serviceId === undefined || c.service_id === serviceId))
  const newest = between.at(-1)
  if (newest) return newest.channel_id
  let provider = recipient
  if (serviceId !== undefined) {
    const own = await api.list<ServiceInfo>('/services', 'services', { provider_id: sender })
    if (own.some((s) => s.service_id === serviceId)) provider = sender
  }
  const opened = await api.request<ChannelInfo>('POST', '/channels', {
    body: { provider_id: provider, consumer_id: provider === sender ? recipient : sender, service_id: serviceId },
  })
  return opened.channel_id
}

function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    throw new InvalidArgumentError('expected JSON')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError('expected a JSON object')
  return parsed as Record<string, unknown>
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return ''
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  // A shell pipeline's closing newline is not part of the message.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}
