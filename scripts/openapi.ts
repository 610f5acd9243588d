// Writes openapi/openapi.json from the app's routes (`write`), or fails when the checked-in
// file differs from what the code generates (`check`).
import { fileURLToPath } from 'node:url'
import { documentOfApp } from './app-document.js'
import { writeOrCheck } from './generated-file.js'

export const OPENAPI_PATH = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url))

export const generateOpenApi = (): Promise<string> => documentOfApp((app) => app.swagger())

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeOrCheck(OPENAPI_PATH, await generateOpenApi(), process.argv[2], 'npm run openapi')
}
