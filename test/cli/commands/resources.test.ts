// `history`, `channels`, `agents`, `services` and `end` against a real hub, as the operator
// (keyless from this machine) and as an agent, which sees only its own channels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../../helpers/hub.js'
import { WsAgent } from '../../helpers/ws-agent.js'
import { cli, SEVERAL_RUNS } from '../run-cli.js'

const MESSAGES = 505

let hub: TestHub
let env: Record<string, string>
let channelId: string
beforeAll(async () => {
  hub = await startHub()
  env = { HUB_URL: hub.httpUrl }
  const opened = await fetch(`${hub.httpUrl}/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider_id: 'oracle', consumer_id: 'seeker' }),
  })
  channelId = ((await opened.json()) as { channel_id: string }).channel_id
  // More than one page of history (at most 500 a page).
  for (let i = 1; i <= MESSAGES; i++) {
    await fetch(`${hub.httpUrl}/channels/${channelId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-agent-id': i % 2 ? 'seeker' : 'oracle' },
      body: JSON.stringify({ content: `message ${i}` }),
    })
  }
}, SEVERAL_RUNS.timeout)
afterAll(() => hub.close())

const json = <T>(stdout: string) => JSON.parse(stdout) as T
type Seqs = { seq: number }[]
const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('history', SEVERAL_RUNS, () => {
  it('prints the latest 50 messages, oldest first, one line each', async () => {
    const { code, stdout } = await cli(['history', channelId], env)
    expect(code).toBe(0)
    const lines = stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(50)
    expect(lines[0]).toMatch(/^#456 {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}oracle: message 456$/)
    expect(lines.at(-1)).toMatch(/seeker: message 505$/)
  })

  it('reads across pages for a --limit over 500, and with --all', async () => {
    const limited = json<Seqs>((await cli(['history', channelId, '--limit', '503', '--json'], env)).stdout)
    expect(limited.map((m) => m.seq)).toEqual(seqs(3, MESSAGES))
    const all = json<Seqs>((await cli(['history', channelId, '--all', '--json'], env)).stdout)
    expect(all.map((m) => m.seq)).toEqual(seqs(1, MESSAGES))
  })

  it('reads before or after a seq', async () => {
    expect(json<Seqs>((await cli(['history', channelId, '--before', '4', '--json'], env)).stdout).map((m) => m.seq)).toEqual([1, 2, 3])
    expect(json<Seqs>((await cli(['history', channelId, '--after', '500', '--limit', '3', '--json'], env)).stdout).map((m) => m.seq)).toEqual([501, 502, 503])
  })

  it("is refused to an agent outside the channel (4), and for a channel that does not exist (5)", async () => {
    const outsider = await cli(['history', channelId], { ...env, AGENT_ID: 'mallory' })
    expect(outsider.code).toBe(4)
    expect((await cli(['history', 'ch_nothing'], env)).code).toBe(5)
  })
})

describe('channels, agents and services', SEVERAL_RUNS, () => {
  it('lists channels as a table, or as JSON, filtered; an agent sees only its own', async () => {
    await cli(['--agent', 'walker', 'send', '--to', 'runner', 'on your marks'], env)
    const table = await cli(['channels', '--status', 'active'], env)
    expect(table.code).toBe(0)
    expect(table.stdout.split('\n')[0]).toMatch(/^CHANNEL +STATUS +PROVIDER +CONSUMER +SERVICE +MESSAGES +CREATED$/)
    expect(table.stdout).toMatch(new RegExp(`^${channelId} +active +oracle +seeker +- +${MESSAGES} `, 'm'))
    const mine = json<{ consumer_id: string }[]>((await cli(['channels', '--json'], { ...env, AGENT_ID: 'walker' })).stdout)
    expect(mine.map((c) => c.consumer_id)).toEqual(['walker'])
    const filtered = json<unknown[]>((await cli(['channels', '--with', 'oracle', '--json'], env)).stdout)
    expect(filtered).toHaveLength(1)
  })

  it('lists agents with their presence, and services with their providers', async () => {
    const online = await WsAgent.connect(hub.wsUrl, 'sage')
    online.send({ type: 'register_service', service_id: 'prophecy', description: 'the future' })
    await online.next('register_service')
    try {
      const agents = json<{ agent_id: string; online: boolean }[]>((await cli(['agents', '--json'], env)).stdout)
      expect(agents).toContainEqual(expect.objectContaining({ agent_id: 'sage', online: true, connections: 1 }))
      expect(agents).toContainEqual(expect.objectContaining({ agent_id: 'seeker', online: false }))
      const services = await cli(['services'], env)
      expect(services.stdout).toMatch(/^prophecy +sage +the future$/m)
      expect((await cli(['services', '--provider', 'nobody', '--json'], env)).stdout.trim()).toBe('[]')
    } finally {
      await online.close()
    }
  })
})

describe('end', SEVERAL_RUNS, () => {
  it('ends a channel once: again is a conflict (6), an unknown one not found (5)', async () => {
    const sent = json<{ channel_id: string }>((await cli(['--agent', 'quitter', 'send', '--to', 'stayer', 'bye', '--json'], env)).stdout)
    const ended = await cli(['end', sent.channel_id, '--reason', 'done', '--json'], { ...env, AGENT_ID: 'quitter' })
    expect(ended.code).toBe(0)
    expect(json(ended.stdout)).toMatchObject({ status: 'ended', end_reason: 'done', ended_by: 'quitter' })
    const again = await cli(['end', sent.channel_id], env)
    expect(again.code).toBe(6)
    expect(again.stderr).toContain('409 CHANNEL_NOT_ACTIVE')
    expect((await cli(['end', 'ch_nothing'], env)).code).toBe(5)
  })
})
