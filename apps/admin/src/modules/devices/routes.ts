import {
  createDeviceRequest,
  deviceConfigView,
  deviceCreatedView,
  deviceParams,
  deviceView,
  orgParams,
} from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdminContext } from '../../context.js';
import { cursorId, pageOf, pageSchema, paginationQuery } from '../../http/pagination.js';
import { requirePrincipal } from '../../plugins/authenticate.js';
import { orgRoute, requireOrg } from '../../plugins/authorize.js';
import { sourceOf } from '../change-source.js';
import { createDevice, deleteDevice, getDevice, getDeviceConfig, listDevices } from './service.js';

const TAG = ['devices'];

/**
 * `/api/v1/orgs/:orgId/devices`: client devices (VPN mode), WireGuard peers of the org's tunnel hub. Creating one
 * answers its wg-quick config and QR code; a generated private key appears in that answer only.
 */
export function deviceRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/orgs/:orgId/devices',
      {
        ...orgRoute(ctx, 'device:read'),
        schema: {
          summary: 'Client devices of an organisation',
          tags: TAG,
          params: orgParams,
          querystring: paginationQuery,
          response: { 200: pageSchema(deviceView) },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const views = await listDevices(ctx, requireOrg(request).id, cursorId(cursor), limit);
        return pageOf(views, limit, (view) => view);
      },
    );

    r.post(
      '/api/v1/orgs/:orgId/devices',
      {
        ...orgRoute(ctx, 'device:create'),
        schema: {
          summary: 'Create a client device for yourself; the answer carries its config (and generated key) once',
          tags: TAG,
          params: orgParams,
          body: createDeviceRequest,
          response: { 201: deviceCreatedView },
        },
      },
      async (request, reply) => {
        const org = requireOrg(request).id;
        const created = await createDevice(ctx, org, requirePrincipal(request), request.body, sourceOf(request));
        return reply.status(201).send(created);
      },
    );

    r.get(
      '/api/v1/orgs/:orgId/devices/:deviceId',
      {
        ...orgRoute(ctx, 'device:read'),
        schema: { summary: 'One client device', tags: TAG, params: deviceParams, response: { 200: deviceView } },
      },
      async (request) => getDevice(ctx, requireOrg(request).id, request.params.deviceId),
    );

    r.get(
      '/api/v1/orgs/:orgId/devices/:deviceId/config',
      {
        ...orgRoute(ctx, 'device:read'),
        schema: {
          summary: "A device's wg-quick config and QR code, without a private key (it is never stored)",
          tags: TAG,
          params: deviceParams,
          response: { 200: deviceConfigView },
        },
      },
      async (request) => getDeviceConfig(ctx, requireOrg(request).id, request.params.deviceId),
    );

    r.delete(
      '/api/v1/orgs/:orgId/devices/:deviceId',
      {
        ...orgRoute(ctx, 'device:delete'),
        schema: {
          summary: 'Delete a client device (the hub drops it; its address is released)',
          tags: TAG,
          params: deviceParams,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deleteDevice(ctx, requireOrg(request).id, request.params.deviceId, sourceOf(request));
        return reply.status(204).send(null);
      },
    );
  };
}
