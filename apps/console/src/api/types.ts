// API shapes, from the schemas the admin validates and serializes with (packages/contracts): types only, so
// nothing of zod reaches the bundle.
import type {
  apiKeyCreatedResponse,
  createResourceRequest,
  explainRequest,
  meResponse,
  orgView,
  sessionView,
} from '@rustronaut/contracts';
import type { z } from 'zod';

export type {
  ApiKeyView,
  AuditEventView,
  CertificateStatusView,
  DeviceCaView,
  DeviceConfigView,
  DeviceCreatedView,
  DeviceView,
  ExplainResponse,
  GatewayTokenResponse,
  GatewayView,
  IdentityProviderView,
  MemberView,
  MonitorSummary,
  PolicyView,
  ResourceView,
  RoleView,
  SiteTargetView,
  SiteTokenView,
  SiteView,
} from '@rustronaut/contracts';

/** `GET /api/v1/me`. */
export type Me = z.output<typeof meResponse>;
/** An organisation. */
export type OrgView = z.output<typeof orgView>;
/** A session of a user. */
export type SessionView = z.output<typeof sessionView>;
/** A created API key: its view and, this once, the key. */
export type ApiKeyCreated = z.output<typeof apiKeyCreatedResponse>;
/** Body of a resource creation, as sent (defaults left to the server). */
export type ResourceInput = z.input<typeof createResourceRequest>;
/** Body of an explain request, as sent. */
export type ExplainInput = z.input<typeof explainRequest>;

/** A page of a list endpoint. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}
