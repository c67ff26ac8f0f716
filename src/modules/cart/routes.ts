import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { platformError } from '../../platform/errors.js';
import { customerOf, optionalPrincipal, staffOf, type Authenticate, type Guards } from '../../platform/http/auth.js';
import { sendEmpty } from '../../platform/http/reply.js';
import { IdParams, NoBody, Page, problems } from '../../platform/http/schemas.js';
import type { Cart } from './index.js';
import {
  AddItemBody,
  CartCodeBody,
  CartCodeParams,
  CartItemParams,
  CartParams,
  CreateCartBody,
  CreateShippingMethodBody,
  CreateTaxRateBody,
  PricedCartSchema,
  ShippingMethodSchema,
  ShippingOptionSchema,
  TaxRateSchema,
  UpdateCartBody,
  UpdateItemBody,
  UpdateShippingMethodBody,
  UpdateTaxRateBody,
} from './schemas.js';

const bearer = [{ bearer: [] }];
/** The store cart routes work with a customer token or without any. */
const optionalBearer: Record<string, string[]>[] = [{}, { bearer: [] }];

/**
 * An onRequest hook for routes where a customer token is optional: none → anonymous; an
 * invalid, expired or staff token → 401 (a token that was sent must be a customer's).
 */
function optionalCustomer(authenticate: Authenticate): onRequestAsyncHookHandler {
  return async (request) => {
    const principal = await optionalPrincipal(authenticate, request);
    if (principal && principal.kind !== 'customer') {
      request.principal = null;
      throw platformError('AUTH_REQUIRED', { detail: 'Carts take a customer token or none', headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
    }
  };
}

const customerIdOf = (request: FastifyRequest) => (request.principal?.kind === 'customer' ? request.principal.customerId : null);

const ACCESS =
  'Send the customer token when signed in: a signed-in customer touching a guest cart adopts it (their other active cart is folded in). ' +
  'An owned cart is 404 to everyone but its owner.';

interface StoreOptions {
  cart: Cart;
  guards: Guards;
  authenticate: Authenticate;
}

/** Store cart routes, mounted under `/store`. */
export const cartStoreRoutes: FastifyPluginAsyncTypebox<StoreOptions> = async (app, { cart, guards, authenticate }) => {
  const tags = ['store: cart'];
  const onRequest = optionalCustomer(authenticate);
  const CartReply = PricedCartSchema;

  app.post(
    '/carts',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Create a cart',
        description: `A guest cart (its id is the key to it), or the customer's when a customer token is sent. ${ACCESS}`,
        security: optionalBearer,
        body: CreateCartBody,
        response: { 201: CartReply, ...problems(400, 401) },
      },
    },
    async (request, reply) => reply.code(201).send(await cart.create(request.body, customerIdOf(request))),
  );

  app.get(
    '/carts/:id',
    {
      onRequest,
      schema: { tags, summary: 'A cart, priced now', description: `Prices, stock, shipping, tax and discounts are computed on every read. ${ACCESS}`, security: optionalBearer, params: CartParams, response: { 200: CartReply, ...problems(401, 404) } },
    },
    async (request) => cart.view(request.params.id, customerIdOf(request)),
  );

  app.patch(
    '/carts/:id',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Set email, addresses or shipping method',
        description: '`null` clears a field. The shipping method must apply to the cart (its currency, shipping country and weight).',
        security: optionalBearer,
        params: CartParams,
        body: UpdateCartBody,
        response: { 200: CartReply, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => cart.update(request.params.id, customerIdOf(request), request.body),
  );

  app.post(
    '/carts/:id/items',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Add a SKU',
        description: 'A SKU already in the cart grows its line. The price always comes from the catalog.',
        security: optionalBearer,
        params: CartParams,
        body: AddItemBody,
        response: { 200: CartReply, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => cart.addItem(request.params.id, customerIdOf(request), request.body),
  );

  app.patch(
    '/carts/:id/items/:itemId',
    {
      onRequest,
      schema: { tags, summary: 'Change a line quantity', security: optionalBearer, params: CartItemParams, body: UpdateItemBody, response: { 200: CartReply, ...problems(400, 401, 404, 409) } },
    },
    async (request) => cart.setItemQuantity(request.params.id, customerIdOf(request), request.params.itemId, request.body.quantity),
  );

  app.delete(
    '/carts/:id/items/:itemId',
    {
      onRequest,
      schema: { tags, summary: 'Remove a line', security: optionalBearer, params: CartItemParams, response: { 200: CartReply, ...problems(401, 404, 409) } },
    },
    async (request) => cart.removeItem(request.params.id, customerIdOf(request), request.params.itemId),
  );

  app.post(
    '/carts/:id/coupons',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Enter a coupon code',
        description:
          'The code is checked now: unknown → 400 COUPON_NOT_FOUND; 409 COUPON_NOT_ACTIVE, COUPON_EXPIRED, COUPON_USAGE_LIMIT_REACHED, COUPON_CUSTOMER_LIMIT_REACHED, ' +
          'COUPON_LOGIN_REQUIRED, COUPON_NOT_APPLICABLE (currency, customer), COUPON_ONE_PER_ORDER. Whether it gives a discount depends on the cart (see `appliedPromotions`).',
        security: optionalBearer,
        params: CartParams,
        body: CartCodeBody,
        response: { 200: CartReply, ...problems(400, 401, 404, 409) },
      },
    },
    async (request) => cart.addCode(request.params.id, customerIdOf(request), request.body.code),
  );

  app.delete(
    '/carts/:id/coupons/:code',
    {
      onRequest,
      schema: { tags, summary: 'Remove a coupon code', security: optionalBearer, params: CartCodeParams, response: { 200: CartReply, ...problems(401, 404, 409) } },
    },
    async (request) => cart.removeCode(request.params.id, customerIdOf(request), request.params.code),
  );

  app.get(
    '/carts/:id/shipping-methods',
    {
      onRequest,
      schema: {
        tags,
        summary: 'Shipping methods for this cart',
        description: 'Methods that apply to the cart currency, its shipping country (without an address: only methods for everywhere) and its weight, with the amount for this cart.',
        security: optionalBearer,
        params: CartParams,
        response: { 200: Page(ShippingOptionSchema), ...problems(401, 404) },
      },
    },
    async (request) => ({ items: await cart.shippingOptions(request.params.id, customerIdOf(request)), nextCursor: null }),
  );

  app.get(
    '/me/cart',
    { onRequest: guards.customer, schema: { tags, summary: "The signed-in customer's active cart", security: bearer, response: { 200: CartReply, ...problems(401, 403, 404) } } },
    async (request) => cart.activeCartOf(customerOf(request).customerId),
  );
};

interface AdminOptions {
  cart: Cart;
  guards: Guards;
}

const actorOf = (request: FastifyRequest) => ({ staffId: staffOf(request).staffId, ip: request.ip });

/**
 * Shipping methods and tax rates, mounted under `/admin`: reading needs `orders:read`, writing
 * `settings:write`. Writes are audited in their transaction.
 */
export const cartAdminRoutes: FastifyPluginAsyncTypebox<AdminOptions> = async (app, { cart, guards }) => {
  const read = guards.staff('orders:read');
  const write = guards.staff('settings:write');

  const shipTags = ['admin: shipping'];
  app.get(
    '/shipping-methods',
    { onRequest: read, schema: { tags: shipTags, summary: 'Shipping methods in display order', security: bearer, response: { 200: Page(ShippingMethodSchema), ...problems(401, 403) } } },
    async () => ({ items: await cart.listShippingMethods(), nextCursor: null }),
  );
  app.post(
    '/shipping-methods',
    {
      onRequest: write,
      schema: { tags: shipTags, summary: 'Add a shipping method', security: bearer, body: CreateShippingMethodBody, response: { 201: ShippingMethodSchema, ...problems(400, 401, 403) } },
    },
    async (request, reply) => reply.code(201).send(await cart.createShippingMethod(actorOf(request), request.body)),
  );
  app.patch(
    '/shipping-methods/:id',
    {
      onRequest: write,
      schema: { tags: shipTags, summary: 'Change a shipping method', security: bearer, params: IdParams, body: UpdateShippingMethodBody, response: { 200: ShippingMethodSchema, ...problems(400, 401, 403, 404) } },
    },
    async (request) => cart.updateShippingMethod(actorOf(request), request.params.id, request.body),
  );
  app.delete(
    '/shipping-methods/:id',
    {
      onRequest: write,
      schema: {
        tags: shipTags,
        summary: 'Remove a shipping method',
        description: 'Carts that chose it lose the choice.',
        security: bearer,
        params: IdParams,
        response: { 204: NoBody, ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await cart.deleteShippingMethod(actorOf(request), request.params.id);
      return sendEmpty(reply, 204);
    },
  );

  const taxTags = ['admin: tax'];
  app.get(
    '/tax-rates',
    { onRequest: read, schema: { tags: taxTags, summary: 'Tax rates by country and region', security: bearer, response: { 200: Page(TaxRateSchema), ...problems(401, 403) } } },
    async () => ({ items: await cart.listTaxRates(), nextCursor: null }),
  );
  app.post(
    '/tax-rates',
    {
      onRequest: write,
      schema: {
        tags: taxTags,
        summary: 'Add a tax rate',
        description: 'Carts use the rate of their shipping address: region-specific first, then country-wide; none → no tax.',
        security: bearer,
        body: CreateTaxRateBody,
        response: { 201: TaxRateSchema, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await cart.createTaxRate(actorOf(request), request.body)),
  );
  app.patch(
    '/tax-rates/:id',
    {
      onRequest: write,
      schema: { tags: taxTags, summary: 'Change a tax rate', security: bearer, params: IdParams, body: UpdateTaxRateBody, response: { 200: TaxRateSchema, ...problems(400, 401, 403, 404, 409) } },
    },
    async (request) => cart.updateTaxRate(actorOf(request), request.params.id, request.body),
  );
  app.delete(
    '/tax-rates/:id',
    { onRequest: write, schema: { tags: taxTags, summary: 'Remove a tax rate', security: bearer, params: IdParams, response: { 204: NoBody, ...problems(401, 403, 404) } } },
    async (request, reply) => {
      await cart.deleteTaxRate(actorOf(request), request.params.id);
      return sendEmpty(reply, 204);
    },
  );
};
