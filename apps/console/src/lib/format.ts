/** "just now", "5 min ago", "3 h ago", "2 days ago", or "never". */
export function timeAgo(iso: string | null | undefined, now: Date = new Date()): string {
  if (iso === null || iso === undefined) return 'never';
  const seconds = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (Number.isNaN(seconds)) return 'unknown';
  // A little ahead is the admin's clock running ahead of this browser's, not news from the future.
  if (seconds < -120) return 'in the future';
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${String(Math.round(seconds / 60))} min ago`;
  if (seconds < 86_400) return `${String(Math.round(seconds / 3600))} h ago`;
  const days = Math.round(seconds / 86_400);
  return `${String(days)} day${days === 1 ? '' : 's'} ago`;
}

/** "seen 5 min ago", or "never seen". */
export function lastSeen(iso: string | null | undefined, now: Date = new Date()): string {
  return iso === null || iso === undefined ? 'never seen' : `seen ${timeAgo(iso, now)}`;
}

/** A rate with at most two decimals ("0.25", "12"). */
export function formatRate(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** A ratio as a percentage with one decimal ("2.5 %"). */
export function formatPercent(ratio: number): string {
  return `${String(Math.round(ratio * 1000) / 10)} %`;
}

/** A timestamp in the reader's locale, down to the second. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}
