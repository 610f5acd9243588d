// Shared by the scripts that generate checked-in files: `write` rewrites the file, `check`
// exits non-zero when the file differs from what the code generates.
import { readFileSync, writeFileSync } from 'node:fs'

export function writeOrCheck(path: string, generated: string, mode: string | undefined, regenerate: string): void {
  if (mode !== 'check') {
    writeFileSync(path, generated)
    console.log(`wrote ${path}`)
    return
  }
  let current = ''
  try {
    current = readFileSync(path, 'utf8')
  } catch {
    // A missing file is stale too.
  }
  if (current === generated) {
    console.log(`${path} is up to date`)
    return
  }
  console.error(`${path} is stale: run ${regenerate}`)
  process.exitCode = 1
}
