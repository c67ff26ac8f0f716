import { Type, type Static } from 'typebox';

/** Most events one request may carry. */
export const MAX_BATCH = 100;

/**
 * One event as a storefront sends it. Fields are loosely typed strings on purpose: what each
 * type needs (a product, a query) and whether values make sense is checked per event, so one bad
 * event is rejected with a reason instead of failing the batch.
 */
export const EventInput = Type.Object(
  {
    type: Type.String({ maxLength: 40, description: 'view | search | add_to_cart | remove_from_cart | purchase | click_recommendation' }),
    productId: Type.Optional(Type.String({ maxLength: 64, examples: ['prod_01JDB4X8K3M0Q9W2E5R7T6Y1V3'] })),
    sku: Type.Optional(Type.String({ maxLength: 100 })),
    query: Type.Optional(Type.String({ maxLength: 200, description: 'The search text (search events)' })),
    sessionId: Type.Optional(Type.String({ maxLength: 200, description: 'The storefront’s anonymous session id (required)' })),
    occurredAt: Type.Optional(Type.String({ maxLength: 64, description: 'ISO 8601 date-time; default: when received' })),
    recommendationId: Type.Optional(
      Type.String({ maxLength: 64, description: 'The `recommendationId` of the recommended item the shopper acted on (click_recommendation, or a view or cart add that followed it)', examples: ['rec_01JDB4X8K3M0Q9W2E5R7T6Y1V3'] }),
    ),
  },
  { additionalProperties: false },
);
export type EventInput = Static<typeof EventInput>;

export const EventBatchBody = Type.Object({ events: Type.Array(EventInput, { minItems: 1, maxItems: MAX_BATCH }) }, { additionalProperties: false });
export type EventBatchBody = Static<typeof EventBatchBody>;

export const Rejection = Type.Object({
  index: Type.Integer({ description: 'Position of the event in `events`' }),
  code: Type.String({ examples: ['RECS_EVENT_UNKNOWN_TYPE'] }),
  message: Type.String(),
});
export type Rejection = Static<typeof Rejection>;

export const IngestResult = Type.Object({ accepted: Type.Integer(), rejected: Type.Array(Rejection) });
export type IngestResult = Static<typeof IngestResult>;
