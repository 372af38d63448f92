/* OpenAPI schemas: see openapi-schemas.ts. Signing keys, OpenID discovery and health. */
import { str, bool, nullable, dateTime, object } from './base.schemas';
import { nameSchemas } from './zod-openapi';

// ---------------------------------------------------------------------------------------------
// Signing keys, discovery, health

export const signingKeySchema = object({
  kid: str(),
  created_at: nullable(dateTime()),
  retired_at: nullable(dateTime()),
  published_until: nullable(dateTime()),
  active: bool(),
  published: bool(),
});
export const rotateSigningKeyAnswerSchema = object({
  kid: str(),
  activates_at: dateTime(),
  previous_kid: nullable(str()),
  previous_published_until: nullable(dateTime()),
  immediate: bool({ description: 'Signs before every gateway can know the new key' }),
  gateways_may_refuse: { type: 'array', items: str({ format: 'uri' }) },
  gateways_may_refuse_until: nullable(dateTime()),
  warning: nullable(str({ description: 'For an immediate rotation: who refuses what, how long' })),
});

export const openidConfigurationSchema = object({
  issuer: str({ format: 'uri' }),
  jwks_uri: str({ format: 'uri' }),
  response_types_supported: { type: 'array', items: str() },
  subject_types_supported: { type: 'array', items: str() },
  id_token_signing_alg_values_supported: { type: 'array', items: str() },
  claim_types_supported: { type: 'array', items: str() },
  claims_supported: { type: 'array', items: str() },
  scopes_supported: { type: 'array', items: str() },
});
export const jwksSchema = object(
  {
    keys: {
      type: 'array',
      items: object({
        kty: str({ example: 'RSA' }),
        kid: str(),
        use: str(),
        alg: str({ example: 'RS256' }),
        n: str(),
        e: str(),
      }),
    },
  },
  ['keys'],
);
export const livenessSchema = object({ status: str({ enum: ['ok'] }) });
export const readinessSchema = object({
  status: str({ enum: ['ok', 'degraded', 'failed'] }),
  checks: {
    type: 'object',
    additionalProperties: object({ ok: bool(), degraded: bool(), detail: {} }),
  },
});

// Named components of the document (#/components/schemas/<name>).
nameSchemas({
  SigningKey: signingKeySchema,
  RotateSigningKeyAnswer: rotateSigningKeyAnswerSchema,
  OpenidConfiguration: openidConfigurationSchema,
  Jwks: jwksSchema,
  Liveness: livenessSchema,
  Readiness: readinessSchema,
});
