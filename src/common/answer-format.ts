import type { Request } from 'express';

/**
 * Whether a route that answers JSON should answer its other format instead (`text/html` for the
 * call summary, `text/csv` for reports): when `?format=` names it, or, without `?format=`, when
 * the client prefers it to JSON. JSON for `*\/*`, no Accept, or anything else. Express's
 * `accepts` (negotiator) weighs the q-values.
 */
export function wantsOtherFormat(
  other: { format: string; mediaType: string },
  format: string | undefined,
  request: Pick<Request, 'accepts'>,
): boolean {
  if (format !== undefined) return format === other.format;
  return request.accepts(['application/json', other.mediaType]) === other.mediaType;
}
