import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../platform/errors.js';
import { assertTranslationLocales, localised, parseAcceptLanguage, resolveLocale } from './locale.js';

const shop = { defaultLocale: 'zh-CN', locales: ['zh-CN', 'en-US'] };

test('an explicit ?locale= wins and must be served', () => {
  assert.equal(resolveLocale(shop, 'en-US', 'zh-CN'), 'en-US');
  assert.equal(resolveLocale(shop, 'en-us'), 'en-US', 'tags compare case-insensitively; the shop spelling is returned');
  assert.equal(resolveLocale(shop, 'zh-CN'), 'zh-CN');
  for (const bad of ['fr', 'en', 'en-GB', 'zh']) {
    assert.throws(
      () => resolveLocale(shop, bad, 'en-US'),
      (err: unknown) => err instanceof AppError && err.code === 'CATALOG_UNKNOWN_LOCALE' && err.status === 400 && err.fields?.[0]?.field === 'querystring:/locale',
      bad,
    );
  }
});

test('Accept-Language: exact tag, then its prefixes, then the same language', () => {
  assert.equal(resolveLocale(shop, undefined, 'en-US'), 'en-US');
  assert.equal(resolveLocale(shop, undefined, 'EN-us'), 'en-US');
  assert.equal(resolveLocale(shop, undefined, 'en'), 'en-US');
  assert.equal(resolveLocale(shop, undefined, 'en-GB'), 'en-US');
  assert.equal(resolveLocale(shop, undefined, 'zh-TW'), 'zh-CN');
  assert.equal(resolveLocale({ defaultLocale: 'en-US', locales: ['en-US', 'zh'] }, undefined, 'zh-Hans-CN'), 'zh', 'truncation finds a shorter served tag');
  assert.equal(resolveLocale({ defaultLocale: 'en-US', locales: ['en-US', 'zh-TW', 'zh-CN'] }, undefined, 'zh-CN'), 'zh-CN', 'an exact tag beats an earlier same-language one');
  assert.equal(resolveLocale({ defaultLocale: 'en-US', locales: ['en-US', 'zh-TW', 'zh-CN'] }, undefined, 'zh'), 'zh-TW', 'same language: shop order decides');
});

test('Accept-Language: q-values order the ranges; unmatched and q=0 ranges are skipped', () => {
  assert.equal(resolveLocale(shop, undefined, 'fr-FR, fr;q=0.9, en;q=0.8, zh;q=0.7'), 'en-US');
  assert.equal(resolveLocale(shop, undefined, 'zh;q=0.5, en-GB;q=0.8'), 'en-US');
  assert.equal(resolveLocale(shop, undefined, 'en;q=0, zh-CN;q=0.1'), 'zh-CN');
  assert.equal(resolveLocale(shop, undefined, 'en;q=0'), 'zh-CN');
  assert.equal(resolveLocale(shop, undefined, 'fr, *;q=0.1'), 'zh-CN', '* means the default');
  assert.equal(resolveLocale(shop, undefined, 'de, fr'), 'zh-CN');
});

test('without a preference the default locale is used; garbage is ignored', () => {
  assert.equal(resolveLocale(shop), 'zh-CN');
  assert.equal(resolveLocale(shop, undefined, ''), 'zh-CN');
  assert.equal(resolveLocale(shop, undefined, ';;;,,,q=1'), 'zh-CN');
  assert.equal(resolveLocale(shop, undefined, 'en;q=abc, zh-CN;q=2, en-US;q=0.3'), 'en-US', 'malformed q drops only its range');
  assert.equal(resolveLocale(shop, undefined, `${'x,'.repeat(5000)}en`), 'zh-CN', 'only the first ranges are read');
});

test('parseAcceptLanguage keeps header order among equal q', () => {
  assert.deepEqual(parseAcceptLanguage('da, en-gb;q=0.8, en;q=0.7, de;q=0.8'), [
    { range: 'da', q: 1 },
    { range: 'en-gb', q: 0.8 },
    { range: 'de', q: 0.8 },
    { range: 'en', q: 0.7 },
  ]);
  assert.deepEqual(parseAcceptLanguage('en ; q = 0.5'), [{ range: 'en', q: 0.5 }]);
});

test('translation keys must be served locales, spelled as configured', () => {
  assertTranslationLocales(shop, undefined);
  assertTranslationLocales(shop, {});
  assertTranslationLocales(shop, { 'en-US': {}, 'zh-CN': {} });
  assert.throws(
    () => assertTranslationLocales(shop, { fr: {}, 'en-us': {}, 'en-US': {} }),
    (err: unknown) =>
      err instanceof AppError &&
      err.code === 'CATALOG_UNKNOWN_LOCALE' &&
      JSON.stringify(err.fields?.map((f) => f.field)) === JSON.stringify(['/translations/fr', '/translations/en-us']),
  );
});

test('localised falls back to the own (default-locale) value', () => {
  const t = { 'en-US': { name: 'Shoes', description: '' } };
  assert.equal(localised('鞋', t, 'name', 'en-US', 'zh-CN'), 'Shoes');
  assert.equal(localised('鞋', t, 'name', 'zh-CN', 'zh-CN'), '鞋');
  assert.equal(localised('描述', t, 'description', 'en-US', 'zh-CN'), '描述', 'an empty translation falls back');
  assert.equal(localised(null, {}, 'description', 'en-US', 'zh-CN'), null);
});
