// The operations console in a real browser (Debian's Chromium through playwright-core): sign in,
// create a product, ship a paid order and see it in the dashboard's GMV, a pass over customers,
// coupons, flash sales and the audit log, and check that a support member sees no write actions;
// then the product editor (translations, images, variants, prices, stock per location) and the
// CSV import with its progress bar.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { signInActors, type Actors } from '../helpers/actors.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { shop } from '../helpers/shop.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
// The README's picture of the console (the dashboard with data): an artifact of every run, and
// docs/images/console-dashboard.png itself with UPDATE_README_SCREENSHOT=1.
const README_SHOT = process.env.UPDATE_README_SCREENSHOT === '1' ? fileURLToPath(new URL('../../docs/images/console-dashboard.png', import.meta.url)) : `${ARTIFACTS}readme-dashboard.png`;
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: the console's browser tests cannot be skipped in CI (apt-get install chromium)`);
if (missing) process.stderr.write(`note: ${CHROMIUM} not found; console browser tests skipped (apt-get install chromium)\n`);

const OWNER = { email: 'owner@example.com', password: 'ownerpass123' };
const SUPPORT = { email: 'support@example.com', password: 'supportpass1' };

let app: TestApp;
let actors: Actors;
let browser: Browser;
let base: string;

before(async () => {
  if (missing) return;
  // The same check `npm start` runs: a fresh clone (or edited console sources) gets a new build.
  execFileSync(process.execPath, ['scripts/build-if-needed.mjs', 'console'], { cwd: ROOT, stdio: 'inherit' });
  mkdirSync(ARTIFACTS, { recursive: true });
  mkdirSync(dirname(README_SHOT), { recursive: true });
  app = await buildTestApp('pglite');
  actors = await signInActors(app);
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
});

after(async () => {
  await browser?.close();
  await app?.close();
});

/** A page whose script errors fail the test. */
async function openPage(): Promise<{ page: Page; errors: string[] }> {
  // Reduced motion: the chart draws at once, so screenshots show its final state.
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return { page, errors };
}

async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}

/** A paid guest order for `quantity` units of the SKU. */
async function paidOrder(sku: string, quantity: number): Promise<{ id: string; number: string }> {
  const s = shop(app, actors.owner.token);
  const cart = await s.readyCart([[sku, quantity]]);
  const placed = await s.checkout(cart.id);
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  await s.paySandbox(placed.body.id, { orderToken: placed.body.accessToken });
  return { id: placed.body.id, number: placed.body.number };
}

test('console: sign in, create a product, ship an order, see it in GMV; support sees no write actions', { skip: missing ? `${CHROMIUM} not installed` : false, timeout: 120_000 }, async () => {
  const http = shop(app, actors.owner.token).http;
  const token = actors.owner.token;
  const { page, errors } = await openPage();
  const nav = page.getByRole('navigation', { name: 'Main' });
  const gmv = page.getByTestId('kpi-gmv').locator('.tile-value');

  // Sign-in: a wrong password is reported next to the password field.
  await page.goto(`${base}/console/orders`);
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Email or password is incorrect.').waitFor();
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Orders' }).waitFor();
  await page.getByText('No orders match.').waitFor();
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  const gmvBefore = await gmv.innerText();
  await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });

  // Create a product with a CNY and a USD price; empty required fields are flagged first.
  await page.getByRole('link', { name: 'Products' }).click();
  await page.getByRole('link', { name: 'New product' }).click();
  await page.getByRole('heading', { name: 'New product' }).waitFor();
  await page.getByRole('button', { name: 'Create product' }).click();
  assert.ok((await page.locator('.field-error').count()) >= 3, 'required fields are flagged');
  await page.locator('input[name="handle"]').fill('e2e-mug');
  await page.locator('input[name="title"]').fill('E2E Mug');
  await page.locator('select[name="status"]').selectOption('published');
  await page.locator('input[name="variant-0-sku"]').fill('E2E-MUG');
  await page.locator('input[name="variant-0-price-0-amount"]').fill('59.90');
  await page.getByRole('button', { name: 'Add price' }).click();
  await page.locator('input[name="variant-0-price-1-currency"]').fill('USD');
  await page.locator('input[name="variant-0-price-1-amount"]').fill('8.50');
  await page.screenshot({ path: `${ARTIFACTS}product-new.png`, fullPage: true });
  await page.getByRole('button', { name: 'Create product' }).click();
  await page.getByRole('heading', { name: 'Edit E2E Mug' }).waitFor();
  await page.getByText('Product created.').waitFor();

  // Rename it, then read it back through the store API.
  await page.locator('input[name="title"]').fill('E2E Mug Blue');
  await page.getByRole('button', { name: 'Save details' }).click();
  await page.getByText('Saved.').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}product-edit.png`, fullPage: true });
  const stored = await http.get('/store/products/e2e-mug');
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  assert.equal(stored.body.title, 'E2E Mug Blue');
  assert.equal(stored.body.variants[0].sku, 'E2E-MUG');
  assert.equal(stored.body.variants[0].price.amount, 5990);
  const usd = await http.get('/store/products/e2e-mug?currency=USD');
  assert.equal(usd.body.variants[0].price.amount, 850, JSON.stringify(usd.body.variants[0]));

  // A paid order for it, placed through the store API.
  const stock = await http.call('PUT', '/admin/inventory/E2E-MUG', { body: { onHand: 10 }, token });
  assert.equal(stock.status, 200, JSON.stringify(stock.body));
  const method = await http.post('/admin/shipping-methods', { name: 'Flat CNY', countries: ['CN'], currency: 'CNY', type: 'flat', amount: 1000 }, { token });
  assert.equal(method.status, 201, JSON.stringify(method.body));
  const order = await paidOrder('E2E-MUG', 2);

  // Find it by status filter and search, open it, ship it.
  await page.getByRole('link', { name: 'Orders' }).click();
  await page.getByLabel('Status').selectOption('paid');
  await page.getByRole('searchbox', { name: 'Search' }).fill(order.number);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: order.number }).click();
  await page.getByRole('heading', { name: `Order ${order.number}` }).waitFor();
  assert.equal(await page.getByTestId('order-status').innerText(), 'Paid');

  // Refund asks for confirmation first; cancelling the dialog refunds nothing.
  await page.locator('input[name="reason"]').fill('goodwill');
  await page.getByRole('button', { name: 'Refund', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await page.screenshot({ path: `${ARTIFACTS}refund-confirm.png` });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await http.get(`/admin/orders/${order.id}`, { token })).body.refundedTotal, 0);

  // Shipping without a tracking number is refused next to the field.
  await page.getByLabel('Carrier').fill('SF Express');
  await page.getByRole('button', { name: 'Ship', exact: true }).click();
  await page.getByText('Required').waitFor();
  await page.getByLabel('Tracking number').fill('SF1234567890');
  await page.getByRole('button', { name: 'Ship', exact: true }).click();
  await page.getByText('Order shipped.').waitFor();
  await page.getByTestId('order-status').getByText('Shipped').waitFor();
  await page.getByRole('region', { name: 'Shipments' }).getByText('SF Express SF1234567890').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}order-shipped.png`, fullPage: true });
  const shipped = await http.get(`/admin/orders/${order.id}`, { token });
  assert.equal(shipped.body.status, 'shipped');
  assert.equal(shipped.body.shipments[0].trackingNumber, 'SF1234567890');

  // The overview report is built from the outbox, and the test app runs no background loops:
  // deliver the pending events, then the dashboard's GMV has moved.
  await app.jobs.drain();
  await app.dispatcher.drain();
  await nav.getByRole('link', { name: 'Dashboard' }).click();
  await page.reload();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  const gmvAfter = await gmv.innerText();
  assert.notEqual(gmvAfter, gmvBefore, `GMV still ${gmvBefore}`);
  await page.getByRole('link', { name: order.number }).waitFor();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: README_SHOT });
  await page.setViewportSize({ width: 1280, height: 860 });

  // Customers: the registered shopper is listed and found; deleting asks first, and Cancel keeps them.
  await nav.getByRole('link', { name: 'Customers' }).click();
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
  await page.getByRole('link', { name: 'shopper@example.com' }).waitFor();
  await page.getByRole('searchbox', { name: 'Search' }).fill('shopper');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'shopper@example.com' }).click();
  await page.getByRole('heading', { name: 'shopper@example.com' }).waitFor();
  await page.getByRole('button', { name: 'Delete account' }).click();
  await page.getByRole('dialog').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}customer-delete-confirm.png` });
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  const shopper = (await http.get('/admin/customers?q=shopper', { token })).body.items[0] as { id: string };
  assert.ok(shopper, 'the customer is still there');

  // A coupon with a shared code, created through the form.
  await nav.getByRole('link', { name: 'Coupons' }).click();
  await page.getByRole('link', { name: 'New coupon' }).click();
  await page.locator('input[name="name"]').fill('E2E ten off');
  await page.locator('input[name="code"]').fill('E2E10');
  await page.locator('input[name="value"]').fill('10');
  await page.getByRole('button', { name: 'Create coupon' }).click();
  await page.getByRole('heading', { name: 'E2E ten off' }).waitFor();
  await page.getByText('10% off the order').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}coupon.png`, fullPage: true });

  // A flash sale scheduled through the form; its detail re-reads the stock on its own.
  await nav.getByRole('link', { name: 'Flash sales' }).click();
  await page.getByRole('link', { name: 'New flash sale' }).click();
  await page.locator('input[name="sku"]').fill('E2E-MUG');
  await page.locator('input[name="price"]').fill('39.90');
  await page.locator('input[name="quantity"]').fill('3');
  await page.getByRole('button', { name: 'Schedule flash sale' }).click();
  await page.getByRole('heading', { name: 'Flash sale E2E-MUG' }).waitFor();
  await page.getByTestId('flash-remaining').getByText('3 of 3 left').waitFor();
  const saleId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  const patched = await http.patch(`/admin/flash-sales/${saleId}`, { quantity: 2 }, { token });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  await page.getByTestId('flash-remaining').getByText('2 of 2 left').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}flash-sale.png`, fullPage: true });

  // The other new screens open without errors.
  for (const name of ['Reviews', 'Promotions', 'Campaigns', 'Staff']) {
    await nav.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { name, exact: true }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}${name.toLowerCase()}.png`, fullPage: true });
  }
  await page.getByRole('cell', { name: 'support@example.com' }).waitFor();

  // The audit log lists what staff did, and filters by action.
  await nav.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  await page.getByRole('cell', { name: 'promotion.created' }).waitFor();
  await page.getByLabel('Action').fill('staff.created');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByRole('cell', { name: 'staff.created' }).first().waitFor();
  await page.getByRole('cell', { name: 'promotion.created' }).waitFor({ state: 'detached' });
  assert.ok((await page.locator('tr[data-audit-id]').count()) > 0);
  await page.screenshot({ path: `${ARTIFACTS}audit-log.png`, fullPage: true });

  // Support, in its own browser session, on a paid order that could be shipped: read only.
  const other = await paidOrder('E2E-MUG', 1);
  const support = await openPage();
  await signIn(support.page, SUPPORT);
  await support.page.getByRole('link', { name: 'Products' }).waitFor();
  assert.equal(await support.page.getByRole('link', { name: 'New product' }).count(), 0);
  await support.page.goto(`${base}/console/orders/${other.id}`);
  await support.page.getByRole('heading', { name: `Order ${other.number}` }).waitFor();
  await support.page.getByText('Your role can view but not change this.').waitFor();
  assert.equal(await support.page.getByRole('button', { name: 'Ship', exact: true }).count(), 0);
  assert.equal(await support.page.getByRole('button', { name: 'Cancel order' }).count(), 0);
  assert.equal(await support.page.getByRole('button', { name: 'Refund', exact: true }).count(), 0);
  // Support reads customers but may not delete them, and sees neither staff nor the audit log.
  await support.page.goto(`${base}/console/customers/${shopper.id}`);
  await support.page.getByRole('heading', { name: 'shopper@example.com' }).waitFor();
  assert.equal(await support.page.getByRole('button', { name: 'Delete account' }).count(), 0);
  assert.equal(await support.page.getByRole('link', { name: 'Audit log' }).count(), 0);
  assert.equal(await support.page.getByRole('link', { name: 'Staff' }).count(), 0);
  await support.page.goto(`${base}/console/orders/${other.id}`);
  // The language switch re-labels the console and is remembered.
  await support.page.getByLabel('Language').selectOption('zh');
  await support.page.getByRole('link', { name: '订单' }).waitFor();
  await support.page.reload();
  await support.page.getByRole('heading', { name: `订单 ${other.number}` }).waitFor();
  await support.page.screenshot({ path: `${ARTIFACTS}support-order-zh.png`, fullPage: true });
  await support.page.getByRole('link', { name: '客户' }).click();
  await support.page.getByRole('heading', { name: '客户' }).waitFor();
  await support.page.getByRole('link', { name: 'shopper@example.com' }).waitFor();
  await support.page.screenshot({ path: `${ARTIFACTS}support-customers-zh.png`, fullPage: true });
  // The API refuses support's writes anyway.
  const refused = await http.post(`/admin/orders/${other.id}/ship`, { carrier: 'SF', trackingNumber: 'X1' }, { token: actors.supportToken });
  assert.equal(refused.status, 403);

  // A tablet-width window keeps navigation reachable.
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).waitFor();
  await page.screenshot({ path: `${ARTIFACTS}order-tablet.png`, fullPage: true });

  assert.deepEqual([...errors, ...support.errors], []);
});

test('console: product editor (translations, images, variants, prices, stock per location) and CSV import', { skip: missing ? `${CHROMIUM} not installed` : false, timeout: 120_000 }, async () => {
  const token = actors.owner.token;
  const http = shop(app, token).http;
  const created = await http.post(
    '/admin/products',
    {
      handle: 'e2e-tee',
      title: 'E2E 短袖',
      status: 'published',
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [
        { sku: 'E2E-TEE-S', options: { Size: 'S' }, prices: [{ currency: 'CNY', amount: 9900 }] },
        { sku: 'E2E-TEE-M', options: { Size: 'M' }, prices: [{ currency: 'CNY', amount: 9900 }] },
      ],
    },
    { token },
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const productId = created.body.id as string;
  const location = await http.post('/admin/inventory-locations', { code: 'warehouse-2', name: 'Warehouse 2' }, { token });
  assert.equal(location.status, 201, JSON.stringify(location.body));

  const { page, errors } = await openPage();
  await signIn(page, OWNER);
  await page.goto(`${base}/console/products/${productId}`);
  await page.getByRole('heading', { name: 'Edit E2E 短袖' }).waitFor();

  // Details: subtitle, brand and tags.
  await page.locator('input[name="subtitle"]').fill('Organic cotton');
  await page.locator('input[name="brand"]').fill('Bazaar Basics');
  await page.locator('input[name="tags"]').fill('summer, cotton，summer');
  await page.getByRole('button', { name: 'Save details' }).click();
  await page.getByText('Saved.', { exact: true }).waitFor();
  const details = (await http.get(`/admin/products/${productId}`, { token })).body;
  assert.equal(details.subtitle, 'Organic cotton');
  assert.equal(details.brand, 'Bazaar Basics');
  assert.deepEqual(details.tags, ['summer', 'cotton']);

  // Translations: the shop's locales (GET /store/shop) are offered, and one it does not serve is
  // refused when added; en-US is saved and the store answers in it. (zh-CN is the test shop's
  // default locale, so its text is the product's own.)
  const translations = page.getByRole('region', { name: 'Translations' });
  await translations.getByText('No translations yet.').waitFor();
  await translations.locator('#served-locales option[value="en-US"]').waitFor({ state: 'attached' });
  await page.getByLabel('Add a locale').fill('fr-fr');
  await page.getByRole('button', { name: 'Add locale' }).click();
  await translations.getByText('The shop does not serve fr-FR: use one of en-US.').waitFor();
  assert.equal(await translations.getByRole('group', { name: 'Locale fr-FR' }).count(), 0);
  await page.getByLabel('Add a locale').fill('en-us');
  await page.getByRole('button', { name: 'Add locale' }).click();
  await page.locator('input[name="tr-en-US-title"]').fill('E2E Tee');
  await page.locator('input[name="tr-en-US-subtitle"]').fill('Organic cotton tee');
  await page.getByRole('button', { name: 'Save translations' }).click();
  await page.getByText('Translations saved.').waitFor();
  const english = await http.get('/store/products/e2e-tee?locale=en-US');
  assert.equal(english.status, 200, JSON.stringify(english.body));
  assert.equal(english.body.title, 'E2E Tee');
  assert.equal(english.body.subtitle, 'Organic cotton tee');
  assert.equal((await http.get('/store/products/e2e-tee?locale=zh-CN')).body.title, 'E2E 短袖');

  // Images: two added, the second moved up with the keyboard, saved as one ordered list.
  const images = page.getByRole('region', { name: 'Images' });
  await images.getByRole('button', { name: 'Add image' }).click();
  await page.locator('input[name="image-0-url"]').fill(`${base}/img/front.jpg`);
  await page.locator('input[name="image-0-alt"]').fill('Front');
  await images.getByRole('button', { name: 'Add image' }).click();
  await page.locator('input[name="image-1-url"]').fill('not a url');
  await images.getByRole('button', { name: 'Save images' }).click();
  await images.getByText('Enter a web address starting with http:// or https://.').waitFor();
  await page.locator('input[name="image-1-url"]').fill(`${base}/img/back.jpg`);
  await page.locator('input[name="image-1-alt"]').fill('Back');
  await images.getByRole('group', { name: 'Image 2' }).getByRole('button', { name: 'Move up' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('input[name="image-0-alt"]').inputValue(), 'Back');
  await images.getByRole('button', { name: 'Save images' }).click();
  await page.getByText('Images saved.').waitFor();
  const withImages = (await http.get(`/admin/products/${productId}`, { token })).body;
  assert.deepEqual(
    withImages.images.map((i: { alt: string }) => i.alt),
    ['Back', 'Front'],
  );

  // A variant's price: a bad amount is caught beside the field, then the new price reaches the store.
  const small = page.getByRole('group', { name: 'Variant 1: E2E-TEE-S' });
  await small.locator('input[name="variant-0-price-0-amount"]').fill('79,00');
  await small.getByRole('button', { name: 'Save variant' }).click();
  await small.getByText('Enter a price such as 19.90.').waitFor();
  await small.locator('input[name="variant-0-price-0-amount"]').fill('79.00');
  await small.getByRole('button', { name: 'Add price' }).click();
  await small.locator('input[name="variant-0-price-1-currency"]').fill('USD');
  await small.locator('input[name="variant-0-price-1-amount"]').fill('11.50');
  await small.getByRole('button', { name: 'Save variant' }).click();
  await page.getByText('Variant E2E-TEE-S saved.').waitFor();
  const priced = await http.get('/store/products/e2e-tee');
  const smallInStore = priced.body.variants.find((v: { sku: string }) => v.sku === 'E2E-TEE-S');
  assert.equal(smallInStore.price.amount, 7900, JSON.stringify(smallInStore));
  const usd = (await http.get('/store/products/e2e-tee?currency=USD')).body.variants.find((v: { sku: string }) => v.sku === 'E2E-TEE-S');
  assert.equal(usd.price.amount, 1150, JSON.stringify(usd));

  // A variant with a new option value (L is declared on the product first), then removed after a
  // confirmation; Cancel keeps it.
  await page.locator('input[name="new-variant-sku"]').fill('E2E-TEE-L');
  await page.locator('input[name="new-variant-option-0"]').fill('L');
  await page.locator('input[name="new-variant-price-0-amount"]').fill('109');
  await page.getByRole('button', { name: 'Add variant' }).click();
  await page.getByText('Variant E2E-TEE-L added.').waitFor();
  const large = page.getByRole('group', { name: 'Variant 3: E2E-TEE-L' });
  await large.waitFor();
  const withLarge = (await http.get(`/admin/products/${productId}`, { token })).body;
  assert.deepEqual(withLarge.options[0].values, ['S', 'M', 'L']);
  await large.getByRole('button', { name: 'Remove variant' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await http.get(`/admin/products/${productId}`, { token })).body.variants.length, 3);
  await large.getByRole('button', { name: 'Remove variant' }).click();
  await dialog.getByRole('button', { name: 'Remove variant' }).click();
  await page.getByText('Variant E2E-TEE-L removed.').waitFor();
  await large.waitFor({ state: 'detached' });
  assert.equal((await http.get(`/admin/products/${productId}`, { token })).body.variants.length, 2);

  // Stock per location: a count at the second warehouse moves its available figure and the total.
  const available = page.getByTestId('available-E2E-TEE-S-warehouse-2');
  assert.equal(await available.innerText(), '0');
  const row = page.locator('.variant-block', { has: small }).locator('tr[data-location="warehouse-2"]');
  await row.getByLabel('On hand at Warehouse 2').fill('-3');
  await row.getByRole('button', { name: 'Set' }).click();
  await row.getByText('Enter a whole number.').waitFor();
  await row.getByLabel('On hand at Warehouse 2').fill('7');
  await row.getByRole('button', { name: 'Set' }).click();
  await row.getByText('Stock updated.').waitFor();
  assert.equal(await available.innerText(), '7');
  assert.equal(await page.getByTestId('available-E2E-TEE-S').innerText(), '7');
  const stock = await http.get('/admin/inventory/E2E-TEE-S', { token });
  assert.equal(stock.body.locations.find((l: { location: string }) => l.location === 'warehouse-2')?.available, 7, JSON.stringify(stock.body));
  await page.screenshot({ path: `${ARTIFACTS}product-editor.png`, fullPage: true });
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.screenshot({ path: `${ARTIFACTS}product-editor-tablet.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });

  // A product made without options gets one in the editor; its variant takes the first value,
  // and a second variant follows.
  const plain = await http.post('/admin/products', { handle: 'e2e-plain', title: 'E2E plain', status: 'draft', variants: [{ sku: 'E2E-PLAIN', prices: [{ currency: 'CNY', amount: 500 }] }] }, { token });
  assert.equal(plain.status, 201, JSON.stringify(plain.body));
  await page.goto(`${base}/console/products/${plain.body.id as string}`);
  await page.getByRole('heading', { name: 'Edit E2E plain' }).waitFor();
  await page.locator('input[name="first-option-name"]').fill('Size');
  await page.locator('input[name="first-option-values"]').fill('S, M');
  await page.getByRole('button', { name: 'Add option' }).click();
  await page.getByText('Option added. You can now add variants.').waitFor();
  await page.locator('input[name="new-variant-sku"]').fill('E2E-PLAIN-M');
  await page.locator('input[name="new-variant-option-0"]').fill('M');
  await page.locator('input[name="new-variant-price-0-amount"]').fill('6');
  await page.getByRole('button', { name: 'Add variant' }).click();
  await page.getByText('Variant E2E-PLAIN-M added.').waitFor();
  const grown = (await http.get(`/admin/products/${plain.body.id as string}`, { token })).body;
  assert.deepEqual(grown.variants.map((v: { sku: string; options: Record<string, string> }) => [v.sku, v.options.Size]), [['E2E-PLAIN', 'S'], ['E2E-PLAIN-M', 'M']]);

  // CSV import: three products and one with a bad price; the bar fills as the job runs (the test
  // app runs no background loops, so the job runs when drained), then the counts and the row problems.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
  await page.getByRole('link', { name: 'Import products' }).click();
  await page.getByRole('heading', { name: 'Import products' }).waitFor();
  await page.getByRole('button', { name: 'Start import' }).click();
  await page.getByText('Choose a file to import.').waitFor();
  const csv = [
    'handle,title,title.en-US,status,option1_name,option1_value,sku,price_CNY,stock',
    'e2e-imp-cap,E2E 帽子,E2E Cap,published,,,E2E-IMP-CAP,4900,12',
    'e2e-imp-sock,E2E 袜子,E2E Socks,published,Size,S,E2E-IMP-SOCK-S,1900,5',
    'e2e-imp-sock,,,,Size,M,E2E-IMP-SOCK-M,1900,6',
    'e2e-imp-bag,E2E 包,E2E Bag,draft,,,E2E-IMP-BAG,12900,',
    'e2e-imp-bad,E2E 坏行,,draft,,,E2E-IMP-BAD,abc,',
  ].join('\n');
  await page.getByLabel('CSV or NDJSON file').setInputFiles({ name: 'catalog.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Start import' }).click();
  const bar = page.getByTestId('import-progress');
  await bar.waitFor();
  await page.getByText('Waiting to start…').first().waitFor();
  await app.jobs.drain();
  await page.getByText('Import finished.').first().waitFor();
  const [value, max] = await bar.evaluate((el) => {
    const progress = el as unknown as { value: number; max: number };
    return [progress.value, progress.max];
  });
  assert.equal(max, 5);
  assert.equal(value, 5);
  await page.getByText('5 of 5 rows').waitFor();
  const summary = page.getByTestId('import-summary');
  assert.match(await summary.innerText(), /Products created\s+3/);
  assert.match(await summary.innerText(), /Products failed\s+1/);
  await page.getByRole('table', { name: 'Problems by row' }).getByText('price_CNY: "abc" is not a whole number').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}product-import.png`, fullPage: true });
  const imported = await http.get('/admin/products?q=e2e-imp', { token });
  assert.deepEqual(imported.body.items.map((p: { handle: string }) => p.handle).sort(), ['e2e-imp-bag', 'e2e-imp-cap', 'e2e-imp-sock']);
  const sock = (await http.get('/store/products/e2e-imp-sock?locale=en-US')).body;
  assert.equal(sock.title, 'E2E Socks');
  assert.equal(sock.variants.length, 2);

  // Support reads the same product: everything shown, nothing to press.
  const support = await openPage();
  await signIn(support.page, SUPPORT);
  await support.page.goto(`${base}/console/products/${productId}`);
  await support.page.getByRole('heading', { name: 'Edit E2E 短袖' }).waitFor();
  await support.page.getByText('Your role can view but not change this.').waitFor();
  assert.equal(await support.page.getByTestId('available-E2E-TEE-S-warehouse-2').innerText(), '7');
  assert.equal(await support.page.locator('input[name="tr-en-US-title"]').inputValue(), 'E2E Tee');
  for (const name of ['Save details', 'Save translations', 'Save images', 'Save variant', 'Remove variant', 'Add variant', 'Set']) {
    assert.equal(await support.page.getByRole('button', { name, exact: true }).count(), 0, name);
  }
  await support.page.screenshot({ path: `${ARTIFACTS}support-product.png`, fullPage: true });
  await support.page.goto(`${base}/console/products`);
  await support.page.getByRole('heading', { name: 'Products' }).waitFor();
  assert.equal(await support.page.getByRole('link', { name: 'Import products' }).count(), 0);

  assert.deepEqual([...errors, ...support.errors], []);
});
