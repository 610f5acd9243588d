// `keys issue|rotate|revoke <agent>`: the operator's API key management, over the hub's REST
// endpoints (POST /agents, POST /agents/:id/key, DELETE /agents/:id/key). The operator is the
// bearer of --admin-token, or, on a hub without HUB_ADMIN_TOKEN, any caller from its own
// machine; agent credentials are never sent. A new key is printed once, alone on stdout
// (`KEY=$(claw-chat-hub keys issue bot)`); the hub keeps only its hash.
import type { Command } from 'commander'
import type { AgentInfo } from '../../protocol/shapes.js'
import { globalsOf, hubApi } from '../globals.js'
import { note, printJson, printLine } from '../output.js'

interface IssuedKey {
  agent: AgentInfo
  api_key: string
}

const agentPath = (agentId: string) => `/agents/${encodeURIComponent(agentId)}/key`

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description("issue, rotate and revoke agents' API keys (operator)")

  keys
    .command('issue')
    .description('register an agent and print its new API key (refused if it has one: rotate it)')
    .argument('<agent>', 'the agent id')
    .option('--name <display-name>', "the agent's display name")
    .action(async (agentId: string, flags: { name?: string }, command: Command) => {
      const globals = globalsOf(command)
      const issued = await hubApi(globals).request<IssuedKey>('POST', '/agents', {
        as: 'operator',
        body: { agent_id: agentId, display_name: flags.name },
      })
      printIssued(globals.json, issued, 'issued')
    })

  keys
    .command('rotate')
    .description("replace an agent's API key; connections made with the old one are closed")
    .argument('<agent>', 'the agent id')
    .action(async (agentId: string, _flags: unknown, command: Command) => {
      const globals = globalsOf(command)
      const issued = await hubApi(globals).request<IssuedKey>('POST', agentPath(agentId), { as: 'operator' })
      printIssued(globals.json, issued, 'rotated')
    })

  keys
    .command('revoke')
    .description("revoke an agent's API key; it cannot connect until a key is issued again")
    .argument('<agent>', 'the agent id')
    .action(async (agentId: string, _flags: unknown, command: Command) => {
      const globals = globalsOf(command)
      const agent = await hubApi(globals).request<AgentInfo>('DELETE', agentPath(agentId), { as: 'operator' })
      if (globals.json) printJson(agent)
      else printLine(`revoked the API key of ${agent.agent_id}`)
    })
}

function printIssued(json: boolean, issued: IssuedKey, verb: string): void {
  if (json) return printJson(issued)
  note(`${verb} an API key for ${issued.agent.agent_id}; it is shown only now`)
  printLine(issued.api_key)
}
