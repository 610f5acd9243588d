// Shared by the scripts that write a document the app generates (OpenAPI, AsyncAPI): builds the
// app on a scratch database and returns the document as the JSON text that is checked in.
import type { App } from '../src/app.js'
import { buildTestApp } from '../test/helpers/hub.js'

export async function documentOfApp(read: (app: App) => unknown): Promise<string> {
  const { app, close } = await buildTestApp()
  try {
    return `${JSON.stringify(read(app), null, 2)}\n`
  } finally {
    await close()
  }
}
