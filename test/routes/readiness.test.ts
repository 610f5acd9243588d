// /readyz tells whether the hub can serve: it follows the database while the hub runs, and the
// hub outlives the database server ending its connections.
import pg from 'pg'
import { expect, it } from 'vitest'
import { buildTestApp } from '../helpers/hub.js'
import { tempPostgresUrl } from '../helpers/database.js'

it('reports the database down (503) once it is gone, while /healthz still answers', async () => {
  const database = await tempPostgresUrl()
  const { app, close } = await buildTestApp({ databaseUrl: database.url })
  try {
    const before = await app.inject({ url: '/readyz' })
    expect(before.statusCode).toBe(200)
    expect(before.json()).toMatchObject({ status: 'ready', database: 'up' })

    await database.remove()
    const after = await app.inject({ url: '/readyz' })
    expect(after.statusCode).toBe(503)
    expect(after.json()).toMatchObject({ status: 'unavailable', database: 'down' })
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200)
  } finally {
    await close()
  }
})

it('recovers when the database server ends its connections, and keeps serving', async () => {
  const database = await tempPostgresUrl()
  const { app, close } = await buildTestApp({ databaseUrl: database.url })
  try {
    const opened = await app.inject({ method: 'POST', url: '/channels', payload: { provider_id: 'p', consumer_id: 'c' } })
    const channelId = opened.json<{ channel_id: string }>().channel_id
    const admin = new pg.Client({ connectionString: database.url })
    await admin.connect()
    const ended = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    )
    await admin.end()
    expect(ended.rowCount).toBeGreaterThan(0)

    await expect.poll(async () => (await app.inject({ url: '/readyz' })).statusCode).toBe(200)
    const sent = await app.inject({
      method: 'POST',
      url: `/channels/${channelId}/messages`,
      payload: { sender_id: 'c', content: 'after the restart' },
    })
    expect(sent.statusCode).toBe(201)
  } finally {
    await close()
    await database.remove()
  }
})
