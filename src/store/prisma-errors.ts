// Recognises Prisma's known request errors by code (both generated clients share one runtime).
const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code

/** A unique constraint refused the write (P2002). */
export const isUniqueViolation = (error: unknown): boolean => codeOf(error) === 'P2002'

/** A catch handler: should a unique constraint refuse the write (another instance got there first), `answer` answers. */
export const onUniqueViolation =
  <T>(answer: () => T | Promise<T>) =>
  (error: unknown): T | Promise<T> => {
    if (isUniqueViolation(error)) return answer()
    throw error
  }
