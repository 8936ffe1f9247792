import type { ReactNode } from 'react';
import { describeError } from '../api/problem.js';

/** A message across the page: errors are announced (role=alert), the rest politely. */
export function Banner({
  tone,
  title,
  children,
}: {
  tone: 'error' | 'info' | 'success' | 'warning';
  title?: string;
  children?: ReactNode;
}) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {title === undefined ? null : <strong className="banner-title">{title}</strong>}
      {children === undefined ? null : <div>{children}</div>}
    </div>
  );
}

/** The banner of a failed API call, or nothing. */
export function ErrorBanner({ error, title = 'That did not work' }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) return null;
  return (
    <Banner tone="error" title={title}>
      {describeError(error)}
    </Banner>
  );
}
