import type { ReactNode } from 'react';

/** What an empty list shows: what is missing and what to do next. */
export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children === undefined ? null : <p className="empty-text">{children}</p>}
      {action ?? null}
    </div>
  );
}
