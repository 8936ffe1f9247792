/** The audit page's filters, as its inputs hold them. */
export interface AuditFilters {
  readonly action: string;
  readonly actorId: string;
  readonly targetId: string;
  /** `datetime-local` values (local time, no zone), or ''. */
  readonly from: string;
  readonly to: string;
}

/** No filter. */
export const NO_AUDIT_FILTERS: AuditFilters = { action: '', actorId: '', targetId: '', from: '', to: '' };

/** A `datetime-local` value as an ISO 8601 instant in the browser's zone; '' stays ''. */
export function localToIso(value: string): string {
  if (value === '') return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** The query string of the audit list or export for these filters (empty ones left out). */
export function auditQuery(filters: AuditFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  const put = (name: string, value: string) => {
    if (value.trim() !== '') params.set(name, value.trim());
  };
  put('action', filters.action);
  put('actorId', filters.actorId);
  put('targetId', filters.targetId);
  put('from', localToIso(filters.from));
  put('to', localToIso(filters.to));
  for (const [name, value] of Object.entries(extra)) put(name, value);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The filters in a page URL's search (so a filtered view can be shared and survives a reload). */
export function filtersFrom(search: URLSearchParams): AuditFilters {
  return {
    action: search.get('action') ?? '',
    actorId: search.get('actorId') ?? '',
    targetId: search.get('targetId') ?? '',
    from: search.get('from') ?? '',
    to: search.get('to') ?? '',
  };
}
