// Recognises Prisma's known request errors by code (both generated clients share one runtime).
const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code

/** A unique constraint refused the write (P2002). */
export const isUniqueViolation = (error: unknown): boolean => codeOf(error) === 'P2002'
