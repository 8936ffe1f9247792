import { errors } from '@rustronaut/errors';
import type { AccessDecision, AccessVerdict } from './access-decision.js';
import type { CertificateRefusal } from './client-certificate.js';

const CERTIFICATE_DETAIL: Readonly<Record<CertificateRefusal, string>> = {
  'plain-http': 'this route needs HTTPS with a client certificate',
  absent: 'this route needs a client certificate',
  untrusted: 'the client certificate is not accepted for this route',
};

/** The 403 of a refused client certificate, with the verdict a managed route reports. */
export const certificateRefused = (refusal: CertificateRefusal, verdict?: AccessVerdict): AccessDecision => ({
  ok: false,
  def: errors.gatewayForbidden,
  detail: CERTIFICATE_DETAIL[refusal],
  headers: undefined,
  ...(verdict === undefined ? {} : { verdict }),
});
