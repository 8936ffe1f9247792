import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { fieldErrorsOf } from '../api/problem.js';
import { useApi } from '../shell/session.js';
import { Banner, ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { TextField } from '../ui/field.js';

/** First run: create the owner account with the one-time setup link from the server log. */
export function SetupPage() {
  const api = useApi();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [token, setToken] = useState(params.get('token') ?? '');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.request(
        'POST',
        '/api/v1/auth/setup',
        { token, email, password, ...(name === '' ? {} : { name }) },
        { noRefresh: true },
      );
      await api.request('POST', '/api/v1/auth/login', { email, password }, { noRefresh: true });
      void navigate('/', { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const fields = fieldErrorsOf(error);
  return (
    <main className="centered">
      <div className="card auth-card">
        <h1>Set up Rustronaut</h1>
        <Banner tone="info">
          Create the owner account. The setup link from the server log works once, within an hour of the first start.
        </Banner>
        <form onSubmit={(e) => void submit(e)} noValidate>
          <ErrorBanner error={error} title="Setup failed" />
          <TextField
            label="Setup token"
            name="token"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            error={fields.token}
            required
          />
          <TextField
            label="Your name"
            name="name"
            autoComplete="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={fields.name}
          />
          <TextField
            label="Email"
            name="email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={fields.email}
            required
          />
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete="new-password"
            hint="At least 12 characters."
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={fields.password}
            required
          />
          <Button type="submit" variant="primary" busy={busy} className="btn-block">
            Create the owner account
          </Button>
        </form>
      </div>
    </main>
  );
}
