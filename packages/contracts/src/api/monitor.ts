import { z } from 'zod';
import { timestampSchema } from './common.js';

/** Query of `GET /api/v1/orgs/{orgId}/monitor/summary`. */
export const monitorSummaryQuery = z.strictObject({
  windowSeconds: z.coerce
    .number()
    .int()
    .min(10)
    .max(86_400)
    .default(300)
    .describe('How far back to count, in seconds (10 to 86400, default 300).'),
});

/** Query of `GET /api/v1/orgs/{orgId}/monitor/stream`: none (resume with the `Last-Event-ID` header). */
export const monitorStreamQuery = z.strictObject({});

/** Gateway traffic of an organisation over a recent window, from the access decisions in its audit log. */
export const monitorSummary = z
  .object({
    since: timestampSchema.describe('Start of the window.'),
    windowSeconds: z.number().int(),
    requests: z.number().int().describe('Access decisions in the window (allowed, denied and blocked).'),
    requestsPerSecond: z.number().describe('`requests` divided by the window.'),
    denied: z.number().int().describe('Requests the gateway refused (`access.denied`, `access.blocked`).'),
    errors: z.number().int().describe('Allowed requests answered with a 5xx status.'),
    errorRate: z.number().describe('`errors` divided by `requests`; 0 without requests.'),
    topResources: z
      .array(
        z.object({
          resource: z
            .string()
            .describe('Id of the resource (the target of the access events); empty when none matched.'),
          host: z.string(),
          requests: z.number().int(),
          denied: z.number().int(),
        }),
      )
      .describe('The five resources with the most requests in the window.'),
  })
  .describe('Requests, denials, errors and top resources over a recent window.');
/** The monitor summary. */
export type MonitorSummary = z.infer<typeof monitorSummary>;
