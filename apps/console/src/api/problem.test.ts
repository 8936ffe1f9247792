import { describe, expect, it } from 'vitest';
import { ApiError, describeError, fieldErrorsOf, problemFrom } from './problem.js';

describe('problems', () => {
  it('reads a problem document, keeping only well-formed field errors', () => {
    expect(
      problemFrom(400, 'Bad Request', {
        code: 'ERR_VALIDATION',
        title: 'Invalid',
        detail: 'the request does not match the schema',
        requestId: 'abc',
        errors: [{ field: 'body.name', message: 'must not be empty' }, { field: 3 }, null],
      }),
    ).toEqual({
      status: 400,
      code: 'ERR_VALIDATION',
      title: 'Invalid',
      detail: 'the request does not match the schema',
      requestId: 'abc',
      errors: [{ field: 'body.name', message: 'must not be empty' }],
    });
    expect(problemFrom(500, '', undefined)).toEqual({ status: 500, code: 'HTTP_500', title: 'HTTP 500', detail: '' });
    expect(problemFrom(502, 'Bad Gateway', 'x'.repeat(400)).detail).toBe('');
  });

  it('maps field errors to form fields: nested paths to their top field, the first message wins', () => {
    const err = new ApiError(
      problemFrom(400, '', {
        code: 'ERR_VALIDATION',
        detail: 'd',
        errors: [
          { field: 'body.targets.0.url', message: 'expected a URL' },
          { field: 'body.targets.1.url', message: 'second' },
          { field: 'body', message: 'whole body' },
          { field: 'body.user.email', message: 'expected an email address' },
          { field: 'querystring.to', message: 'must not be before `from`' },
        ],
      }),
    );
    expect(fieldErrorsOf(err, { user: 'email' })).toEqual({
      targets: 'expected a URL',
      _: 'whole body',
      email: 'expected an email address',
      querystring: 'must not be before `from`',
    });
    expect(fieldErrorsOf(new Error('x'))).toEqual({});
    expect(fieldErrorsOf(undefined)).toEqual({});
  });

  it('describes an error in one sentence, with the request id to quote', () => {
    const err = new ApiError(
      problemFrom(403, '', { code: 'ERR_FORBIDDEN', detail: 'needs resource:create', requestId: 'r9' }),
    );
    expect(describeError(err)).toBe('needs resource:create (request r9)');
    expect(describeError(new ApiError(problemFrom(404, 'Not Found', {})))).toBe('Not Found');
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError('text')).toBe('text');
  });
});
