// Writes openapi/openapi.json from the app's routes (`write`), or fails when the checked-in
// file differs from what the code generates (`check`).
import { fileURLToPath } from 'node:url'
import { buildTestApp } from '../test/helpers/hub.js'
import { writeOrCheck } from './generated-file.js'

export const OPENAPI_PATH = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url))

export async function generateOpenApi(): Promise<string> {
  const { app, close } = await buildTestApp()
  try {
    return `${JSON.stringify(app.swagger(), null, 2)}\n`
  } finally {
    await close()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeOrCheck(OPENAPI_PATH, await generateOpenApi(), process.argv[2], 'npm run openapi')
}
