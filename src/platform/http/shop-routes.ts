import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../config.js';

const ShopSchema = Type.Object(
  {
    defaultLocale: Type.String({ description: 'Content falls back to this locale', examples: ['zh-CN'] }),
    locales: Type.Array(Type.String(), { description: 'Locales the shop serves: accepted by `?locale=` and as translation keys' }),
    defaultCurrency: Type.String({ description: 'Prices are kept in this currency at least', examples: ['CNY'] }),
    currencies: Type.Array(Type.String(), { description: 'Currencies a cart, an order or `?currency=` may use' }),
    timeZone: Type.String({ description: 'The shop’s IANA time zone: report days and schedules are in it', examples: ['Asia/Shanghai'] }),
  },
  { $id: 'Shop' },
);

/** `GET /store/shop`: what a storefront or the console needs to offer the right locales and currencies. */
export const shopRoutes: FastifyPluginAsyncTypebox<{ shop: Config['shop'] }> = async (app, { shop }) => {
  const body = { defaultLocale: shop.defaultLocale, locales: [...shop.locales], defaultCurrency: shop.defaultCurrency, currencies: [...shop.currencies], timeZone: shop.timeZone };
  app.get(
    '/shop',
    { schema: { tags: ['store: shop'], summary: 'The shop’s locales, currencies and time zone', response: { 200: ShopSchema } } },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return body;
    },
  );
};
