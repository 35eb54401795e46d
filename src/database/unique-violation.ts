/** A primary-key or unique-index clash, on SQLite or PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  const { code } = error as { code?: string };
  return (
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === '23505'
  );
}
