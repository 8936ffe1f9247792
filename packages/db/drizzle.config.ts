// drizzle-kit configuration: `npm run db:generate` (from packages/db) writes a new SQL migration into ./migrations
// after a change to the schema. Both drivers (PGlite and node-postgres) apply the same files, so there is one
// dialect: postgresql. A plain object rather than drizzle-kit's `defineConfig()`, because drizzle-kit is a root dev
// dependency and this package may import only what its package.json declares.
export default {
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './migrations',
};
