// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for the console's
// end-to-end tests. CONSOLE_SCREENSHOTS=<dir> keeps the screenshots there (docs/ for the README);
// otherwise they go to a temporary directory.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking'] })
}

/** Where a screenshot of this name goes. */
export function screenshotPath(name: string): string {
  const dir = process.env.CONSOLE_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'console-shots-'))
  return join(dir, name)
}
