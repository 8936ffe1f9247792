import { z } from 'zod';

/** `GET /healthz` on the admin and the gateway's ops listener. */
export const healthResponse = z
  .object({
    status: z.literal('ok').describe('Always `ok` when the process answers.'),
  })
  .describe('Liveness report.');
/** Body of a health response. */
export type HealthResponse = z.infer<typeof healthResponse>;

/** `GET /readyz` on the admin: the process can serve (its database answers). */
export const readyResponse = z
  .object({ status: z.literal('ready').describe('Always `ready`; otherwise the answer is a 503 problem.') })
  .describe('Readiness report.');
/** Body of a readiness response. */
export type ReadyResponse = z.infer<typeof readyResponse>;

/** `GET /api/v1/version`. */
export const versionResponse = z
  .object({
    name: z.literal('rustronaut').describe('Product name.'),
    version: z.string().describe('Semantic version of the running build.'),
    node: z.string().describe('Node.js version the process runs on.'),
    database: z.enum(['pglite', 'postgres']).describe('Database driver in use.'),
  })
  .describe('Build and runtime versions.');
/** Body of a version response. */
export type VersionResponse = z.infer<typeof versionResponse>;

/** An RFC 9457 problem document; every API error has this shape. */
export const problemResponse = z
  .object({
    type: z.string().describe('URI naming the problem type (`about:blank` or a docs link).'),
    title: z.string().describe('Short summary of the problem type.'),
    status: z.number().int().describe('HTTP status code.'),
    code: z.string().describe('Stable error code, listed in docs/errors.md.'),
    detail: z.string().describe('Explanation of this occurrence, safe to show.'),
    requestId: z.string().describe('Request id, for finding the server log line.'),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('Field errors, for validation failures.'),
  })
  .describe('RFC 9457 problem details.');
/** Body of an error response. */
export type ProblemResponse = z.infer<typeof problemResponse>;
