// The command as a whole: help on every command, usage errors and an unreachable hub with the
// exit codes that scripts rely on (README, CLI).
import { describe, expect, it } from 'vitest'
import { cli, SEVERAL_RUNS } from './run-cli.js'

const COMMANDS = ['serve', 'migrate', 'send', 'listen', 'history', 'channels', 'agents', 'services', 'end', 'keys']

describe('claw-chat-hub', SEVERAL_RUNS, () => {
  it('lists every command and the exit codes in --help', async () => {
    const { code, stdout } = await cli(['--help'])
    expect(code).toBe(0)
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'))
    expect(stdout).toContain('Exit codes:')
    expect(stdout).toContain('env: HUB_URL')
  })

  it('has --help on every command and key subcommand', async () => {
    // One at a time: a burst of processes would starve the other tests running beside these.
    for (const command of [...COMMANDS, 'keys issue', 'keys rotate', 'keys revoke']) {
      const { code, stdout } = await cli([...command.split(' '), '--help'])
      expect(code, command).toBe(0)
      expect(stdout, command).toContain(`Usage: claw-chat-hub ${command}`)
      expect(stdout, command).toContain('Exit codes:')
    }
  })

  it('prints its version', async () => {
    const { code, stdout } = await cli(['--version'])
    expect(code).toBe(0)
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('exits 2 on bad usage, saying what is wrong', async () => {
    const cases: [string[], RegExp][] = [
      [[], /Usage: claw-chat-hub/],
      [['bogus'], /unknown command 'bogus'/],
      [['history'], /missing required argument 'channel'/],
      [['history', 'ch_1', '--limit', '0'], /--limit.*whole number/],
      [['channels', '--status', 'open'], /Allowed choices are pending, active, rejected, ended/],
      [['keys'], /Usage: claw-chat-hub keys/],
      [['send', '--to', 'bob', 'hi'], /send needs an agent: pass --agent <id> or set AGENT_ID/],
      [['send', '--agent', 'a', 'hi'], /send needs --to <agent> or --channel <id>/],
      [['send', '--agent', 'a', '--to', 'b', '--channel', 'ch_1', 'hi'], /cannot be used with option '--channel/],
      [['send', '--agent', 'a', '--to', 'b', '--metadata', '[1]', 'hi'], /--metadata.*expected a JSON object/],
      [['send', '--agent', 'a', '--to', 'b'], /send needs a text/],
      [['listen'], /listen needs an agent/],
      [['agents', '--hub-url', 'ftp://x'], /must be http:\/\/, https:\/\/, ws:\/\/ or wss:\/\//],
    ]
    for (const [args, expected] of cases) {
      const { code, stderr } = await cli(args)
      expect(code, args.join(' ')).toBe(2)
      expect(stderr, args.join(' ')).toMatch(expected)
    }
  })

  it('exits 3 when the hub cannot be reached', async () => {
    const { code, stderr } = await cli(['agents'], { HUB_URL: 'http://127.0.0.1:9' })
    expect(code).toBe(3)
    expect(stderr).toContain('cannot reach the hub at http://127.0.0.1:9')
  })
})
