import { Link } from 'react-router';
import { EmptyState } from '../ui/empty-state.js';

/** A console address that is no page. */
export function NotFoundPage() {
  return (
    <EmptyState title="There is no page here" action={<Link to="/">Go to the dashboard</Link>}>
      The link may be old, or mistyped.
    </EmptyState>
  );
}
