// The operations console in a real browser (Debian's Chromium through playwright-core): sign in,
// create a product, ship a paid order and see it in the dashboard's GMV, a pass over customers,
// coupons, flash sales and the audit log, and check that a support member sees no write actions.
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
  await page.getByRole('button', { name: 'Save' }).click();
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
