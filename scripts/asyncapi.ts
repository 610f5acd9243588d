// Writes asyncapi/asyncapi.json, the AsyncAPI 3.0 document of /ws, from the app as it is built
// (`write`), or fails when the checked-in file differs from what the code generates (`check`).
// The hub serves the same document at GET /asyncapi.json.
import { fileURLToPath } from 'node:url'
import { documentOfApp } from './app-document.js'
import { writeOrCheck } from './generated-file.js'

export const ASYNCAPI_FILE = fileURLToPath(new URL('../asyncapi/asyncapi.json', import.meta.url))

export const generateAsyncApi = (): Promise<string> => documentOfApp((app) => app.asyncapi())

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeOrCheck(ASYNCAPI_FILE, await generateAsyncApi(), process.argv[2], 'npm run asyncapi')
}
