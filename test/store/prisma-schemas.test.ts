// The models have one source of truth: both checked-in Prisma schemas are exactly what
// scripts/prisma-schemas.ts renders from prisma/models.prisma, and their models are identical.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PROVIDERS, renderSchema, schemaPath, type ProviderDir } from '../../scripts/prisma-schemas.js'

const DIRS = Object.keys(PROVIDERS) as ProviderDir[]
const modelBlocks = (schema: string) => schema.slice(schema.indexOf('\nmodel '))

describe('prisma schemas', () => {
  it('covers a SQLite and a PostgreSQL schema', () => {
    expect(DIRS.sort()).toEqual(['postgres', 'sqlite'])
  })

  it.each(DIRS)('prisma/%s/schema.prisma is the rendering of models.prisma (run npm run prisma:schemas)', (dir) => {
    expect(readFileSync(schemaPath(dir), 'utf8')).toBe(renderSchema(dir))
  })

  it.each(DIRS)('prisma/%s/schema.prisma names its own provider and client output', (dir) => {
    const schema = readFileSync(schemaPath(dir), 'utf8')
    expect(schema).toContain(`provider = "${PROVIDERS[dir]}"`)
    expect(schema).toContain(`output               = "../../src/generated/${dir}"`)
    expect(schema).toContain('url      = env("DATABASE_URL")')
  })

  it('gives both providers the same model blocks', () => {
    const [sqlite, postgres] = (['sqlite', 'postgres'] as const).map((dir) => modelBlocks(readFileSync(schemaPath(dir), 'utf8')))
    expect(sqlite).toMatch(/model (Agent|Service|Channel|Message) \{/)
    for (const model of ['Agent', 'Service', 'Channel', 'Message']) expect(sqlite).toContain(`model ${model} {`)
    expect(postgres).toBe(sqlite)
  })
})
