import type { CallLog } from '../xassist-contract/xassist-contract.js';
import { SimulatorValidationError } from './simulator-state.js';

/** Spring's own cap on `size` (spring.data.web.pageable.max-page-size). */
const MAX_PAGE_SIZE = 2000;

/**
 * getFilteredCallLogsV2 as a Spring Data pageable endpoint answers it: `page` (from 0), `size`
 * (default 20, capped), `sort=<id|callId|title>,<asc|desc>` (default newest first), and the full
 * Page envelope. Filters beyond paging are not documented, so the simulator takes none.
 */
export function listingPage(calls: readonly CallLog[], query: URLSearchParams): unknown {
  const size = Math.min(MAX_PAGE_SIZE, whole(query.get('size'), 20, 1));
  const number = whole(query.get('page'), 0, 0);
  const [field = 'id', direction = 'desc'] = (query.get('sort') ?? 'id,desc').split(',');
  if (!['id', 'callId', 'title'].includes(field))
    throw new SimulatorValidationError(`No property '${field}' found for type 'CallLog'`);
  const sign = direction.toLowerCase() === 'asc' ? 1 : -1;
  const sorted = [...calls].sort((a, b) => {
    const [x, y] = [a[field], b[field]] as [string | number, string | number];
    return (x < y ? -1 : x > y ? 1 : 0) * sign;
  });
  const content = sorted.slice(number * size, (number + 1) * size);
  const totalPages = Math.ceil(sorted.length / size);
  return {
    content,
    pageable: { pageNumber: number, pageSize: size, offset: number * size, paged: true },
    totalElements: sorted.length,
    totalPages,
    number,
    size,
    numberOfElements: content.length,
    first: number === 0,
    last: number + 1 >= totalPages,
    empty: content.length === 0,
    sort: { sorted: true, unsorted: false, empty: false },
  };
}

/** A Spring pageable parameter: garbage falls back to the default, as Spring does. */
function whole(raw: string | null, fallback: number, min: number): number {
  const value = Number(raw);
  return raw !== null && Number.isInteger(value) && value >= min ? value : fallback;
}
