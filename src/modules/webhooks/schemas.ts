import { Type, type Static, type TSchema } from 'typebox';
import { Timestamp } from '../../platform/http/schemas.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Cursor = Type.String({ minLength: 1, maxLength: 512 });

export const WebhookUrl = Type.String({ format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$', maxLength: 2048, description: 'http(s) URL that receives the POSTs' });
export const EventName = Type.String({ pattern: '^(\\*|[a-z][a-z_]*\\.[a-z][a-z_]*)$', maxLength: 100, description: 'An event name (`order.paid`) or `*` for every event' });
const Events = Type.Array(EventName, { minItems: 1, maxItems: 100 });
const Description = Type.String({ maxLength: 500 });

export const DeliveryStatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]);

/** An endpoint as staff see it; `secret` is in full only when created or rotated. */
export const WebhookEndpointSchema = Type.Object({
  id: Type.String({ examples: ['whe_01JDB4X8K3M0Q9W2E5R7T6Y1U3'] }),
  url: Type.String(),
  description: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  secret: Type.String({ description: 'The signing secret: in full in the answers to creation and rotation, otherwise masked (`whsec_…abcd`)' }),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.Literal('manual'), Type.Literal('failing'), Type.Null()], { description: '`failing`: turned off after failing continuously' }),
  disabledAt: Nullable(Timestamp),
  consecutiveFailures: Type.Integer(),
  failingSince: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type WebhookEndpoint = Static<typeof WebhookEndpointSchema>;

export const CreateWebhookBody = Type.Object(
  { url: WebhookUrl, events: Events, description: Type.Optional(Description), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  { url: Type.Optional(WebhookUrl), events: Type.Optional(Events), description: Type.Optional(Nullable(Description)), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

export const WebhookListQuery = Type.Object(
  { enabled: Type.Optional(Type.Boolean()), limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type WebhookListQuery = Static<typeof WebhookListQuery>;

export const WebhookAttemptSchema = Type.Object({
  id: Type.String(),
  trigger: Type.Union([Type.Literal('scheduled'), Type.Literal('replay'), Type.Literal('test')]),
  url: Type.String(),
  statusCode: Nullable(Type.Integer()),
  succeeded: Type.Boolean(),
  durationMs: Type.Integer(),
  error: Nullable(Type.String()),
  responseBody: Nullable(Type.String({ description: 'The start of the answer (at most 2 KB)' })),
  startedAt: Timestamp,
});
export type WebhookAttempt = Static<typeof WebhookAttemptSchema>;

export const WebhookDeliverySchema = Type.Object({
  id: Type.String(),
  endpointId: Type.String(),
  eventId: Type.String(),
  eventName: Type.String(),
  status: DeliveryStatusSchema,
  attemptCount: Type.Integer({ description: 'Attempts so far, replays and tests included' }),
  nextAttemptAt: Nullable(Timestamp),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  deliveredAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type WebhookDelivery = Static<typeof WebhookDeliverySchema>;

/** One delivery with what it sends and every attempt, oldest first. */
export const WebhookDeliveryDetailSchema = Type.Object({
  ...WebhookDeliverySchema.properties,
  eventCreatedAt: Timestamp,
  data: Type.Unknown({ description: 'The event payload, sent as `data`' }),
  attempts: Type.Array(WebhookAttemptSchema),
});
export type WebhookDeliveryDetail = Static<typeof WebhookDeliveryDetailSchema>;

export const DeliveryListQuery = Type.Object(
  {
    status: Type.Optional(DeliveryStatusSchema),
    event: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type DeliveryListQuery = Static<typeof DeliveryListQuery>;

export const DeliveryParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }), deliveryId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
