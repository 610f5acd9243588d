// /readyz tells whether the hub can serve: it follows the database while the hub runs.
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
