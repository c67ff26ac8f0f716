import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { customerOf, staffOf, type Guards } from '../../platform/http/auth.js';
import { sendEmpty } from '../../platform/http/reply.js';
import { IdParams, NoBody, Page, problems } from '../../platform/http/schemas.js';
import type { Promotions } from './index.js';
import {
  CampaignReportSchema,
  CampaignSchema,
  CodeListQuery,
  CodeSchema,
  CreateCampaignBody,
  CreatePromotionBody,
  GenerateCodesBody,
  GeneratedCodesSchema,
  PreviewBody,
  PreviewSchema,
  PromotionListQuery,
  PromotionSchema,
  UpdateCampaignBody,
  UpdatePromotionBody,
  WalletEntrySchema,
} from './schemas.js';

interface Options {
  promotions: Promotions;
  guards: Guards;
}

const bearer = [{ bearer: [] }];
const actorOf = (request: FastifyRequest) => ({ staffId: staffOf(request).staffId, ip: request.ip });

const SHAPE =
  'Conditions and actions are tagged objects (`type`). Amounts are integer minor units; percentages are basis points (1000 = 10 %). ' +
  'Fixed amounts need a currency (a `currency` condition with one currency, or `min_subtotal.currency`). Higher `priority` applies first; ' +
  '`stacking`: `exclusive` applies alone, `stackable` with other stackable ones (at most one coupon per order); the engine picks the combination giving the most.';

/** Promotions, coupons and campaigns for staff, mounted under `/admin` (read `promotions:read`, write `promotions:write`). */
export const promotionAdminRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { promotions, guards }) => {
  const read = guards.staff('promotions:read');
  const write = guards.staff('promotions:write');
  const tags = ['admin: promotions'];

  for (const [base, kind] of [
    ['/promotions', undefined],
    ['/coupons', 'coupon'],
  ] as const) {
    const what = kind ? 'coupon' : 'promotion';
    app.get(
      base,
      { onRequest: read, schema: { tags, summary: `List ${what}s`, security: bearer, querystring: PromotionListQuery, response: { 200: Page(PromotionSchema), ...problems(400, 401, 403) } } },
      async (request) => promotions.list({ ...request.query, kind: kind ?? request.query.kind }),
    );
    app.post(
      base,
      {
        onRequest: write,
        schema: {
          tags,
          summary: `Create a ${what}`,
          description: kind ? `Always a coupon: a shared \`code\`, generated codes, or both. ${SHAPE}` : `Without \`code\` the promotion is automatic. ${SHAPE}`,
          security: bearer,
          body: CreatePromotionBody,
          response: { 201: PromotionSchema, ...problems(400, 401, 403, 409) },
        },
      },
      async (request, reply) => reply.code(201).send(await promotions.create(actorOf(request), request.body, kind === 'coupon')),
    );
    app.get(
      `${base}/:id`,
      { onRequest: read, schema: { tags, summary: `A ${what}`, security: bearer, params: IdParams, response: { 200: PromotionSchema, ...problems(401, 403, 404) } } },
      async (request) => promotions.get(request.params.id, kind),
    );
    app.patch(
      `${base}/:id`,
      { onRequest: write, schema: { tags, summary: `Change a ${what}`, security: bearer, params: IdParams, body: UpdatePromotionBody, response: { 200: PromotionSchema, ...problems(400, 401, 403, 404, 409) } } },
      async (request) => promotions.update(actorOf(request), request.params.id, request.body, kind),
    );
    app.delete(
      `${base}/:id`,
      { onRequest: write, schema: { tags, summary: `Delete a ${what}`, description: 'It stops applying at once; redemptions keep their reference.', security: bearer, params: IdParams, response: { 204: NoBody, ...problems(401, 403, 404) } } },
      async (request, reply) => {
        await promotions.remove(actorOf(request), request.params.id, kind);
        return sendEmpty(reply, 204);
      },
    );
  }

  app.post(
    '/promotions/preview',
    {
      onRequest: read,
      schema: {
        tags,
        summary: 'Dry run: what a cart would get',
        description: 'Evaluates the live promotions (and the given codes) against a described cart, now or `at`; lists every candidate with why it did or did not apply. Writes nothing.',
        security: bearer,
        body: PreviewBody,
        response: { 200: PreviewSchema, ...problems(400, 401, 403) },
      },
    },
    async (request) => promotions.preview(request.body),
  );

  app.post(
    '/coupons/:id/codes',
    {
      onRequest: write,
      schema: { tags, summary: 'Generate unique single-use codes', security: bearer, params: IdParams, body: GenerateCodesBody, response: { 201: GeneratedCodesSchema, ...problems(400, 401, 403, 404, 409) } },
    },
    async (request, reply) => reply.code(201).send({ codes: await promotions.generateCodes(actorOf(request), request.params.id, request.body.count, request.body.prefix) }),
  );
  app.get(
    '/coupons/:id/codes',
    { onRequest: read, schema: { tags, summary: "A coupon's generated codes", security: bearer, params: IdParams, querystring: CodeListQuery, response: { 200: Page(CodeSchema), ...problems(401, 403, 404, 409) } } },
    async (request) => promotions.listCodes(request.params.id, request.query.limit, request.query.cursor),
  );

  const campaignTags = ['admin: campaigns'];
  app.get(
    '/campaigns',
    { onRequest: read, schema: { tags: campaignTags, summary: 'Campaigns, newest first', security: bearer, response: { 200: Page(CampaignSchema), ...problems(401, 403) } } },
    async () => promotions.listCampaigns(),
  );
  app.post(
    '/campaigns',
    { onRequest: write, schema: { tags: campaignTags, summary: 'Create a campaign', security: bearer, body: CreateCampaignBody, response: { 201: CampaignSchema, ...problems(400, 401, 403) } } },
    async (request, reply) => reply.code(201).send(await promotions.createCampaign(actorOf(request), request.body)),
  );
  app.get(
    '/campaigns/:id',
    { onRequest: read, schema: { tags: campaignTags, summary: 'A campaign', security: bearer, params: IdParams, response: { 200: CampaignSchema, ...problems(401, 403, 404) } } },
    async (request) => promotions.getCampaign(request.params.id),
  );
  app.patch(
    '/campaigns/:id',
    { onRequest: write, schema: { tags: campaignTags, summary: 'Change a campaign', security: bearer, params: IdParams, body: UpdateCampaignBody, response: { 200: CampaignSchema, ...problems(400, 401, 403, 404) } } },
    async (request) => promotions.updateCampaign(actorOf(request), request.params.id, request.body),
  );
  app.get(
    '/campaigns/:id/report',
    { onRequest: read, schema: { tags: campaignTags, summary: 'Orders, GMV, discount spent and redemptions, per promotion', security: bearer, params: IdParams, response: { 200: CampaignReportSchema, ...problems(401, 403, 404) } } },
    async (request) => promotions.campaignReport(request.params.id),
  );
};

/** The coupon wallet, mounted under `/store` (customer token). */
export const promotionStoreRoutes: FastifyPluginAsyncTypebox<Options> = async (app, { promotions, guards }) => {
  const tags = ['store: coupons'];
  app.post(
    '/coupons/:id/claim',
    {
      onRequest: guards.customer,
      schema: { tags, summary: 'Claim a personal code of a coupon into the wallet', security: bearer, params: IdParams, response: { 201: WalletEntrySchema, ...problems(401, 403, 404, 409) } },
    },
    async (request, reply) => reply.code(201).send(await promotions.claim(customerOf(request).customerId, request.params.id)),
  );
  app.get(
    '/me/coupons',
    { onRequest: guards.customer, schema: { tags, summary: 'Codes in my wallet', security: bearer, response: { 200: Page(WalletEntrySchema), ...problems(401, 403) } } },
    async (request) => ({ items: await promotions.wallet(customerOf(request).customerId), nextCursor: null }),
  );
};
