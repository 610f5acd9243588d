// `send` against a real hub: to an agent (the pair's channel, opened once), on a channel, from
// stdin, with a service, idempotent with --client-msg-id, delivered live to the recipient, and
// refused with the documented exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../../helpers/hub.js'
import { WsAgent } from '../../helpers/ws-agent.js'
import { cli, SEVERAL_RUNS } from '../run-cli.js'

let hub: TestHub
let env: Record<string, string>
beforeAll(async () => {
  hub = await startHub()
  env = { HUB_URL: hub.wsUrl }
})
afterAll(() => hub.close())

const json = <T>(stdout: string) => JSON.parse(stdout) as T
type Sent = { message_id: string; channel_id: string; seq: number; sender_id: string; content: string; metadata?: unknown }
const channel = async (id: string) => (await fetch(`${hub.httpUrl}/channels/${id}`)).json() as Promise<Record<string, unknown>>

describe('send', SEVERAL_RUNS, () => {
  it('sends to an agent on a direct channel the recipient provides, and reuses it', async () => {
    const first = await cli(['--agent', 'alice', 'send', '--to', 'bob', 'hello bob', '--json'], env)
    expect(first.code).toBe(0)
    const sent = json<Sent>(first.stdout)
    expect(sent).toMatchObject({ sender_id: 'alice', content: 'hello bob', seq: 1 })
    expect(await channel(sent.channel_id)).toMatchObject({ provider_id: 'bob', consumer_id: 'alice', service_id: null, status: 'active' })

    // Either side's later send goes on the same channel.
    const reply = await cli(['send', '--to', 'alice', 'hi alice'], { ...env, AGENT_ID: 'bob' })
    expect(reply.code).toBe(0)
    expect(reply.stdout).toBe(`sent #2 on ${sent.channel_id} (${reply.stdout.match(/\((msg_\w+)\)/)?.[1]})\n`)
  })

  it('sends on a channel, with metadata, and the text from stdin when there is no argument', async () => {
    const opened = json<Sent>((await cli(['--agent', 'carol', 'send', '--to', 'dave', 'first', '--json'], env)).stdout)
    const piped = await cli(['--agent', 'dave', 'send', '--channel', opened.channel_id, '--metadata', '{"lang":"en"}', '--json'], env, 'two\nlines\n')
    expect(piped.code).toBe(0)
    expect(json<Sent>(piped.stdout)).toMatchObject({ channel_id: opened.channel_id, seq: 2, sender_id: 'dave', content: 'two\nlines', metadata: { lang: 'en' } })
  })

  it('stores a send repeated with the same --client-msg-id once', async () => {
    const args = ['--agent', 'erin', 'send', '--to', 'frank', '--client-msg-id', 'job-42', 'once only', '--json']
    const [a, b] = [json<Sent>((await cli(args, env)).stdout), json<Sent>((await cli(args, env)).stdout)]
    expect(b.message_id).toBe(a.message_id)
    const history = await cli(['history', a.channel_id, '--json'], env)
    expect(json<Sent[]>(history.stdout).map((m) => m.content)).toEqual(['once only'])
  })

  it("with --service, uses the service's channel, whoever sends", async () => {
    await fetch(`${hub.httpUrl}/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service_id: 'translate', provider_id: 'translator' }),
    })
    const asked = json<Sent>((await cli(['--agent', 'writer', 'send', '--to', 'translator', '--service', 'translate', 'bonjour?', '--json'], env)).stdout)
    expect(await channel(asked.channel_id)).toMatchObject({ provider_id: 'translator', consumer_id: 'writer', service_id: 'translate' })
    const answered = json<Sent>((await cli(['--agent', 'translator', 'send', '--to', 'writer', '--service', 'translate', 'hello', '--json'], env)).stdout)
    expect(answered).toMatchObject({ channel_id: asked.channel_id, seq: 2 })
  })

  it('reaches the recipient live over /ws', async () => {
    const grace = await WsAgent.connect(hub.wsUrl, 'grace')
    try {
      const run = await cli(['--agent', 'heidi', 'send', '--to', 'grace', 'are you there?'], env)
      expect(run.code).toBe(0)
      expect(await grace.next('chat_message')).toMatchObject({ sender_id: 'heidi', content: 'are you there?' })
    } finally {
      await grace.close()
    }
  })

  it('exits 4 on a channel the agent is not in, 5 on one that does not exist, 3 on no hub', async () => {
    const opened = json<Sent>((await cli(['--agent', 'ivan', 'send', '--to', 'judy', 'private', '--json'], env)).stdout)
    const outsider = await cli(['--agent', 'mallory', 'send', '--channel', opened.channel_id, 'let me in'], env)
    expect(outsider.code).toBe(4)
    expect(outsider.stderr).toContain('403 FORBIDDEN')
    const missing = await cli(['--agent', 'ivan', 'send', '--channel', 'ch_missing', 'anyone?'], env)
    expect(missing.code).toBe(5)
    expect(missing.stderr).toContain('404 CHANNEL_NOT_FOUND')
    expect((await cli(['--agent', 'ivan', 'send', '--to', 'judy', 'x'], { HUB_URL: 'http://127.0.0.1:9' })).code).toBe(3)
  })
})
