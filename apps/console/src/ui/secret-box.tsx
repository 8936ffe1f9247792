import type { ReactNode } from 'react';
import { CopyButton } from './copy-button.js';

/** A value shown once (a key, a token, a command), selectable, with a copy button. */
export function SecretBox({ label, value, children }: { label: string; value: string; children?: ReactNode }) {
  return (
    <div className="secret">
      <p className="secret-label">{label}</p>
      <pre className="secret-value" tabIndex={0} aria-label={label}>
        {value}
      </pre>
      <div className="secret-actions">
        <CopyButton text={value} />
        {children}
      </div>
    </div>
  );
}
