// The commands that read the hub's resources over REST (`channels`, `agents`, `services`,
// `history`) and `end`. They act as the operator with --admin-token (or keyless from the hub's
// machine), else as --agent, who sees only its own channels.
import { Option, type Command } from 'commander'
import type { AgentInfo, ChannelInfo, HistoryPageInfo, MessageInfo, ServiceInfo } from '../../protocol/shapes.js'
import { ChannelStatus, HISTORY_MAX_LIMIT } from '../../protocol/shapes.js'
import { globalsOf, hubApi, positiveInt, seqNumber, type Globals } from '../globals.js'
import type { HubApi } from '../hub-api.js'
import { printJson, printLine, printTable } from '../output.js'

interface ListFlags {
  limit: number
  all?: boolean
}

const STATUSES = ChannelStatus.anyOf.map((literal) => String(literal.const))
const limitOption = () => new Option('--limit <n>', 'at most this many').argParser(positiveInt).default(50)
const allOption = () => new Option('--all', 'every one, however many (overrides --limit)')
const upTo = (flags: ListFlags) => (flags.all ? Infinity : flags.limit)

function show<T>(globals: Globals, rows: T[], human: (rows: T[]) => void): void {
  if (globals.json) printJson(rows)
  else human(rows)
}

export function registerResourceCommands(program: Command): void {
  program
    .command('channels')
    .description('list channels, oldest first')
    .option('--with <agent>', 'only the channels this agent belongs to')
    .option('--service <id>', 'only the channels of this service')
    .addOption(new Option('--status <status>', 'only channels in this state').choices(STATUSES))
    .addOption(limitOption())
    .addOption(allOption())
    .action(async (flags: ListFlags & { with?: string; service?: string; status?: string }, command: Command) => {
      const globals = globalsOf(command)
      const query = { agent_id: flags.with, service_id: flags.service, status: flags.status }
      const channels = await hubApi(globals).list<ChannelInfo>('/channels', 'channels', query, upTo(flags))
      show(globals, channels, (rows) =>
        printTable(
          rows,
          [
            ['CHANNEL', (c) => c.channel_id],
            ['STATUS', (c) => c.status],
            ['PROVIDER', (c) => c.provider_id],
            ['CONSUMER', (c) => c.consumer_id],
            ['SERVICE', (c) => c.service_id],
            ['MESSAGES', (c) => c.last_seq],
            ['CREATED', (c) => c.created_at],
          ],
          'no channels',
        ),
      )
    })

  program
    .command('agents')
    .description('list the agents the hub knows, with whether they are connected now')
    .addOption(limitOption())
    .addOption(allOption())
    .action(async (flags: ListFlags, command: Command) => {
      const globals = globalsOf(command)
      const agents = await hubApi(globals).list<AgentInfo>('/agents', 'agents', {}, upTo(flags))
      show(globals, agents, (rows) =>
        printTable(
          rows,
          [
            ['AGENT', (a) => a.agent_id],
            ['ONLINE', (a) => (a.online ? 'yes' : 'no')],
            ['CONNECTIONS', (a) => a.connections],
            ['LAST SEEN', (a) => a.last_seen_at],
            ['NAME', (a) => a.display_name],
          ],
          'no agents',
        ),
      )
    })

  program
    .command('services')
    .description('list the services and their providers')
    .option('--provider <agent>', 'only the services of this provider')
    .addOption(limitOption())
    .addOption(allOption())
    .action(async (flags: ListFlags & { provider?: string }, command: Command) => {
      const globals = globalsOf(command)
      const services = await hubApi(globals).list<ServiceInfo>('/services', 'services', { provider_id: flags.provider }, upTo(flags))
      show(globals, services, (rows) =>
        printTable(
          rows,
          [
            ['SERVICE', (s) => s.service_id],
            ['PROVIDER', (s) => s.provider_id],
            ['DESCRIPTION', (s) => s.description],
          ],
          'no services',
        ),
      )
    })

  program
    .command('history')
    .description("print a channel's messages, oldest first (by default the latest 50)")
    .argument('<channel>', 'the channel id')
    .addOption(limitOption())
    .addOption(allOption())
    .addOption(new Option('--before <seq>', 'only messages before this seq').argParser(seqNumber).conflicts('after'))
    .addOption(new Option('--after <seq>', 'only messages after this seq, the oldest first').argParser(seqNumber))
    .action(async (channelId: string, flags: ListFlags & { before?: number; after?: number }, command: Command) => {
      const globals = globalsOf(command)
      const messages = await readHistory(hubApi(globals), channelId, upTo(flags), flags)
      show(globals, messages, (rows) => {
        for (const m of rows) printLine(formatMessage(m))
      })
    })

  program
    .command('end')
    .description('end an active channel; both agents are told')
    .argument('<channel>', 'the channel id')
    .option('--reason <text>', 'why, shown to both agents')
    .action(async (channelId: string, flags: { reason?: string }, command: Command) => {
      const globals = globalsOf(command)
      // The operator ends in an agent's name when one is given, else as "admin".
      const endedBy = globals.adminToken !== undefined ? globals.agent : undefined
      const channel = await hubApi(globals).request<ChannelInfo>('POST', `/channels/${encodeURIComponent(channelId)}/end`, {
        body: { reason: flags.reason, ended_by: endedBy },
      })
      if (globals.json) printJson(channel)
      else printLine(`ended ${channel.channel_id} (${channel.provider_id} ↔ ${channel.consumer_id}, ${channel.last_seq} messages)`)
    })
}

/** A message as one line: seq, time, sender and text. */
export function formatMessage(m: MessageInfo): string {
  return `#${m.seq}  ${m.timestamp}  ${m.sender_id}: ${m.content}`
}

/** Up to `limit` messages in seq order: pages read backwards from `before` (or the end), or forwards from `after`. */
async function readHistory(api: HubApi, channelId: string, limit: number, from: { before?: number; after?: number }): Promise<MessageInfo[]> {
  const path = `/channels/${encodeURIComponent(channelId)}/messages`
  const messages: MessageInfo[] = []
  let before = from.before
  let after = from.after
  for (;;) {
    const pageSize = Math.min(HISTORY_MAX_LIMIT, limit - messages.length)
    const page = await api.request<HistoryPageInfo>('GET', path, { query: { limit: pageSize, before_seq: before, after_seq: after } })
    if (after !== undefined) messages.push(...page.messages)
    else messages.unshift(...page.messages)
    if (!page.has_more || page.messages.length === 0 || messages.length >= limit) return messages
    if (after !== undefined) after = (page.messages.at(-1) as MessageInfo).seq
    else before = (page.messages[0] as MessageInfo).seq
  }
}
