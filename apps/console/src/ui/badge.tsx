import type { ReactNode } from 'react';

/** A small status label; the tone is also in the words, never in the colour alone. */
export function Badge({ tone, children }: { tone: 'ok' | 'bad' | 'warn' | 'neutral'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
