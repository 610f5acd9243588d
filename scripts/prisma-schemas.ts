// Writes prisma/sqlite/schema.prisma and prisma/postgres/schema.prisma from the single model
// source prisma/models.prisma (`write`), or fails when a checked-in schema is stale (`check`).
import { readFileSync } from 'node:fs'
import { writeOrCheck } from './generated-file.js'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

export const PROVIDERS = { sqlite: 'sqlite', postgres: 'postgresql' } as const
export type ProviderDir = keyof typeof PROVIDERS

export function schemaPath(dir: ProviderDir): string {
  return `${root}prisma/${dir}/schema.prisma`
}

export function renderSchema(dir: ProviderDir): string {
  const models = readFileSync(`${root}prisma/models.prisma`, 'utf8')
  const body = models.slice(models.indexOf('model '))
  return `// Generated from prisma/models.prisma by scripts/prisma-schemas.ts: edit models.prisma, not this file.

generator client {
  provider             = "prisma-client"
  output               = "../../src/generated/${dir}"
  engineType           = "client"
  moduleFormat         = "esm"
  importFileExtension  = "js"
}

datasource db {
  provider = "${PROVIDERS[dir]}"
  url      = env("DATABASE_URL")
}

${body}`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const dir of Object.keys(PROVIDERS) as ProviderDir[]) {
    writeOrCheck(schemaPath(dir), renderSchema(dir), process.argv[2], 'npm run prisma:schemas')
  }
}
