import { healthResponse, readyResponse, versionResponse } from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Database } from '@rustronaut/db';

/** What the system routes need. */
export interface SystemRoutesDeps {
  readonly version: string;
  readonly database: Pick<Database, 'driver' | 'ping'>;
}

/** Liveness, readiness and version. */
export function systemRoutes(deps: SystemRoutesDeps) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/healthz', { schema: { summary: 'Liveness', tags: ['system'], response: { 200: healthResponse } } }, () => ({
      status: 'ok' as const,
    }));
    r.get(
      '/readyz',
      { schema: { summary: 'Readiness: the database answers', tags: ['system'], response: { 200: readyResponse } } },
      async () => {
        // Throws ERR_DB_UNAVAILABLE (503) when the database does not answer: take this admin out of rotation.
        await deps.database.ping();
        return { status: 'ready' as const };
      },
    );
    r.get(
      '/api/v1/version',
      { schema: { summary: 'Version', tags: ['system'], response: { 200: versionResponse } } },
      () => ({
        name: 'rustronaut' as const,
        version: deps.version,
        node: process.versions.node,
        database: deps.database.driver,
      }),
    );
  };
}
