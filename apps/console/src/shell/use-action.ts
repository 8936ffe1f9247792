import { useState } from 'react';
import { fieldErrorsOf } from '../api/problem.js';

/** The state of what a user set off: which one runs (by key), the API's error and its field errors, success. */
export interface Action {
  /** The key of the run in flight (`''` for a form's), or undefined. */
  readonly running: string | undefined;
  readonly error: unknown;
  readonly fields: Readonly<Record<string, string>>;
  /** The last run succeeded. */
  readonly done: boolean;
  /** Runs `work`, keeping its error for a banner or the fields; `key` tells rows of a list apart. */
  run(work: () => Promise<void>, key?: string): Promise<void>;
}

/** One action's state (a form's submit, or the buttons of a list's rows). */
export function useAction(): Action {
  const [running, setRunning] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState(false);
  const run = async (work: () => Promise<void>, key = '') => {
    setRunning(key);
    setError(undefined);
    setDone(false);
    try {
      await work();
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setRunning(undefined);
    }
  };
  return { running, error, done, run, fields: fieldErrorsOf(error) };
}
