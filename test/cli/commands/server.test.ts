// `serve` and `migrate` as processes: serve runs the hub until SIGTERM; both exit 78 on a bad
// configuration; migrate reports what it applied, and nothing the second time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDatabase, type TempDatabase } from '../../helpers/database.js'
import { freshPort } from '../../helpers/process.js'
import { cli, SEVERAL_RUNS, spawnCli } from '../run-cli.js'

let database: TempDatabase
beforeAll(async () => (database = await tempDatabase()))
afterAll(() => database.remove())

describe('migrate', SEVERAL_RUNS, () => {
  it('applies the migrations once, then finds the database up to date', async () => {
    const first = await cli(['migrate', '--json', '--database-url', database.url])
    expect(first.code, first.stderr).toBe(0)
    const report = JSON.parse(first.stdout) as { applied: string[]; migrations: string[] }
    expect(report.migrations.length).toBeGreaterThan(0)
    expect(report.applied).toEqual(report.migrations)
    const second = await cli(['migrate'], { DATABASE_URL: database.url })
    expect(second).toMatchObject({ code: 0, stdout: `the database is up to date (${report.migrations.length} migrations)\n` })
  })

  it('exits 78 on a bad DATABASE_URL, 1 on a database it cannot reach', async () => {
    const bad = await cli(['migrate'], { DATABASE_URL: 'mysql://localhost/hub' })
    expect(bad.code).toBe(78)
    expect(bad.stderr).toContain('invalid DATABASE_URL')
    const unreachable = await cli(['migrate', '--database-url', 'postgresql://postgres@127.0.0.1:9/hub'])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toContain('cannot migrate the database')
  })
})

describe('serve', SEVERAL_RUNS, () => {
  it('runs the hub until SIGTERM, then exits 0', async () => {
    const port = freshPort()
    const hub = spawnCli(['serve', '--port', port, '--host', '127.0.0.1', '--database-url', database.url])
    let ready = 0
    for (const deadline = Date.now() + 90_000; Date.now() < deadline && ready !== 200 && hub.child.exitCode === null; ) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)
      if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(ready, hub.stderr()).toBe(200)
    hub.child.kill('SIGTERM')
    expect(await hub.exited).toBe(0)
  })

  it('exits 78 on a bad configuration, naming the variable', async () => {
    const run = await cli(['serve'], { PORT: 'eighty' })
    expect(run.code).toBe(78)
    expect(run.stderr).toContain('invalid PORT')
  })
})
