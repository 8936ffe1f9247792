import { loadConfig, type Config } from '@rustronaut/config';
import { configVersions, memberships, newId, openPglite, openPostgres, users, type Database } from '@rustronaut/db';
import { createLogger } from '@rustronaut/observability';
import { createPostgresTestDatabase, requirePostgres } from '@rustronaut/testkit';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { buildApp, type BuildAppOptions } from '../src/app.js';
import { hashPassword } from '../src/auth/passwords.js';
import type { AdminContext } from '../src/context.js';
import { startControlServer } from '../src/control/control-server.js';
import { createAdminContext } from '../src/create-context.js';
import { createOwner } from '../src/modules/auth/bootstrap.js';

/** A database driver the admin tests run on: PGlite always, PostgreSQL when a test server is configured. */
export interface TestDriver {
  readonly name: 'pglite' | 'postgres';
  /** Opens a fresh, migrated database; `drop` removes it. */
  open(): Promise<{ database: Database; drop: () => Promise<void> }>;
}

const pglite: TestDriver = {
  name: 'pglite',
  async open() {
    const database = await openPglite({});
    await database.migrate();
    return { database, drop: () => database.close() };
  },
};

const postgres: TestDriver = {
  name: 'postgres',
  async open() {
    const created = await createPostgresTestDatabase();
    const database = await openPostgres({ url: created.url });
    await database.migrate();
    return {
      database,
      drop: async () => {
        await database.close();
        await created.drop();
      },
    };
  },
};

/** The drivers to run on (use with `describe.each(testDrivers())('[$name] ...')`). */
export function testDrivers(): TestDriver[] {
  return requirePostgres() === undefined ? [pglite] : [pglite, postgres];
}

/** An HTTP answer, body parsed as JSON when there is one. */
export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read any field
}

/** The body of a problem answer: `application/problem+json` (RFC 9457) with the admin's stable `code`. */
export type TestProblem = Record<string, unknown>;

/** Expects `res` to be a problem document (by its content type) and returns its body. */
export function problemOf(res: TestResponse): TestProblem {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return res.body as TestProblem;
}

/** The items of a list answer (`{ items, nextCursor }`). */
export function itemsOf(res: TestResponse): Array<{ readonly id: string; readonly [field: string]: unknown }> {
  return (res.body as { items: Array<{ id: string; [field: string]: unknown }> }).items;
}

/** A user made by a test, signed in. */
export interface TestUser {
  readonly email: string;
  readonly userId: string;
  /** An access token of theirs. */
  readonly token: string;
}

/** An organisation of a user other than the owner, and that user, signed in. */
export interface OtherOrg extends TestUser {
  readonly orgId: string;
}

/** A running admin on a real database and a real port, with a clock tests can move. */
export interface TestAdmin {
  readonly ctx: AdminContext;
  readonly app: FastifyInstance;
  readonly url: string;
  /** The first owner and their "Default" organisation. */
  readonly owner: {
    readonly email: string;
    readonly password: string;
    readonly userId: string;
    readonly orgId: string;
  };
  /** Moves the clock forward. */
  advance(ms: number): void;
  /** Sends a request; `token` goes in `Authorization: Bearer`; a non-string body is sent as JSON. */
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<TestResponse>;
  /** Signs in and returns the access token (throws when sign-in fails). */
  login(email: string, password: string): Promise<string>;
  /** Creates a user (not a member of anything) and returns their id. */
  createUser(email: string, password?: string): Promise<string>;
  /** Makes a user a member of an org with these roles. */
  addMember(orgId: string, userId: string, roles: string[]): Promise<void>;
  /** A new user (member of nothing), signed in; `email` defaults to a fresh address. */
  newUser(email?: string): Promise<TestUser>;
  /** A new user, member of `orgId` (default: the owner's org) with `roles`, signed in. */
  newMember(roles: string[], options?: { orgId?: string; email?: string }): Promise<TestUser>;
  /** A new user and the organisation they create through the API (expected: 201), signed in. */
  otherOrg(options?: { email?: string; name?: string; slug?: string }): Promise<OtherOrg>;
  /** The org's config version: 0 until its first change a gateway must see. */
  configVersion(orgId: string): Promise<number>;
  /** POSTs `body` to `path`, expects 201 (the body is the failure message) and returns the created object. */
  created(path: string, options: { token: string; body: unknown }): Promise<{ id: string; [field: string]: unknown }>;
  close(): Promise<void>;
}

/** The password every test user gets unless a test picks one. */
export const TEST_PASSWORD = 'correct horse battery staple';

/** What runs beside the API. */
export interface TestAdminOptions {
  /**
   * Also the mTLS control channel on a free port, so real gateways (`rustronaut gateway --admin`) enrol and stay
   * connected. The admin's clock then runs (from `advance`'s offset): agents check its certificates and
   * heartbeat times against their own clock.
   */
  readonly control?: boolean;
}

/** Starts an admin for a test file on `driver`, with env overrides for the static config and app options. */
export async function startTestAdmin(
  driver: TestDriver,
  env: Record<string, string> = {},
  appOptions: BuildAppOptions = {},
  options: TestAdminOptions = {},
): Promise<TestAdmin> {
  const { database, drop } = await driver.open();
  const config: Config = loadConfig({
    env: options.control === true ? { RUSTRONAUT_ADMIN_CONTROL_LISTEN: '127.0.0.1:0', ...env } : env,
  });
  const frozenAt = Date.now();
  let offset = 0;
  const ctx = createAdminContext({
    config,
    logger: createLogger({ level: 'silent', format: 'json' }),
    database,
    masterKey: randomBytes(32),
    version: '0.0.0-test',
    now: () => new Date((options.control === true ? Date.now() : frozenAt) + offset),
  });
  let url = '';
  const control = options.control === true ? await startControlServer(ctx, { adminUrl: () => url }) : undefined;
  const app = buildApp(ctx, { ...(control === undefined ? {} : { controlUrl: control.url }), ...appOptions });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  const email = 'owner@example.com';
  const userId = await createOwner(ctx, { email, password: TEST_PASSWORD });
  const [membership] = await ctx.db.select().from(memberships);
  if (membership === undefined) throw new Error('owner has no org');

  const request: TestAdmin['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };

  let made = 0;
  const freshEmail = () => `user-${String(++made)}@example.com`;
  const t: TestAdmin = {
    ctx,
    app,
    url,
    owner: { email, password: TEST_PASSWORD, userId, orgId: membership.orgId },
    advance: (ms) => {
      offset += ms;
    },
    request,
    async login(loginEmail, password) {
      const res = await request('POST', '/api/v1/auth/login', { body: { email: loginEmail, password } });
      if (res.status !== 200) throw new Error(`login failed: ${String(res.status)} ${JSON.stringify(res.body)}`);
      return (res.body as { accessToken: string }).accessToken;
    },
    async createUser(userEmail, password = TEST_PASSWORD) {
      const id = newId();
      await ctx.db.insert(users).values({ id, email: userEmail, passwordHash: await hashPassword(password) });
      return id;
    },
    async addMember(orgId, memberId, roles) {
      await ctx.db.insert(memberships).values({ orgId, userId: memberId, roles });
    },
    async newUser(userEmail = freshEmail()) {
      const id = await t.createUser(userEmail);
      return { email: userEmail, userId: id, token: await t.login(userEmail, TEST_PASSWORD) };
    },
    async newMember(roles, { orgId = t.owner.orgId, email: memberEmail = freshEmail() } = {}) {
      const id = await t.createUser(memberEmail);
      await t.addMember(orgId, id, roles);
      return { email: memberEmail, userId: id, token: await t.login(memberEmail, TEST_PASSWORD) };
    },
    async otherOrg({ email: userEmail = 'bob@example.com', name = 'Bob', slug = 'bob' } = {}) {
      const user = await t.newUser(userEmail);
      const org = await t.created('/api/v1/orgs', { token: user.token, body: { name, slug } });
      return { ...user, orgId: org.id };
    },
    async configVersion(orgId) {
      const [row] = await ctx.db.select().from(configVersions).where(eq(configVersions.orgId, orgId));
      return row?.version ?? 0;
    },
    async created(path, options) {
      const res = await request('POST', path, options);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: string; [field: string]: unknown };
    },
    async close() {
      await control?.close();
      await app.close();
      await drop();
    },
  };
  return t;
}
