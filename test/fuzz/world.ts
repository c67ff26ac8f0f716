import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { signInActors } from '../helpers/actors.js';
import type { TestApp } from '../helpers/app.js';
import { client, type Call } from '../helpers/http.js';
import { ADDRESS, shop } from '../helpers/shop.js';

export const OWNER = { email: 'owner@example.com', password: 'ownerpass123' };
const STAFF_PASSWORD = 'staffpass123';
const CUSTOMER_PASSWORD = 'shopperpass1';

/** Staff roles with a signed-in member each (from roles.ts: owner, admin, operator, support). */
export interface StaffMember {
  id: string;
  email: string;
  password: string;
  token: string;
}

/** Resources a customer owns: the access walk calls them as another customer. */
export interface Owned {
  customerId: string;
  addressId: string;
  /** An active cart with a line. */
  cartId: string;
  cartItemId: string;
  /** An order waiting for payment. */
  pendingOrderId: string;
  /** An order paid, shipped and received, with a review and a return request. */
  deliveredOrderId: string;
  deliveredLineId: string;
  reviewId: string;
  returnId: string;
}

export interface World {
  staff: Record<string, StaffMember>;
  /** Customer A: owns `owned`. */
  customerA: { token: string; email: string };
  /** Customer B: owns nothing of A's. */
  customerB: { token: string; email: string };
  owned: Owned;
  sku: string;
  productId: string;
  productHandle: string;
  variantId: string;
  couponId: string;
  /** IDs, SKUs, handles and codes that exist, for path parameters. */
  known: string[];
}

const ID = /^[a-z]{2,8}_[0-9A-HJKMNP-TV-Z]{26}$/;

function collectIds(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') {
    if (ID.test(value)) out.add(value);
  } else if (Array.isArray(value)) value.forEach((v) => collectIds(v, out));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => collectIds(v, out));
}

function ok(res: Call, what: string): Call {
  assert.ok(res.status >= 200 && res.status < 300, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/** Registers a customer and returns its token. */
export async function registerCustomer(app: TestApp, label = 'c'): Promise<{ token: string; email: string; password: string }> {
  const email = `${label}-${randomBytes(4).toString('hex')}@example.com`;
  const res = ok(await client(app.server).post('/store/auth/register', { email, password: CUSTOMER_PASSWORD }), 'register');
  return { token: res.body.token as string, email, password: CUSTOMER_PASSWORD };
}

/** Signs a staff member in again: a new session. */
export async function staffLogin(app: TestApp, email: string, password: string): Promise<string> {
  const res = ok(await client(app.server).post('/admin/auth/login', { email, password }), `login ${email}`);
  return res.body.token as string;
}

/**
 * A small shop both suites start from: a staff member per role, two customers, a product with
 * stock, and customer A's address, carts, orders (one pending, one delivered with a review
 * and a return request) and coupon.
 */
export async function buildWorld(app: TestApp): Promise<World> {
  const http = client(app.server);
  const ids = new Set<string>();
  const seen = (res: Call) => {
    collectIds(res.body, ids);
    return res;
  };
  const actors = await signInActors(app);
  const owner = actors.owner.token;
  const as = { token: owner };
  const staff: Record<string, StaffMember> = {
    owner: { id: actors.owner.id, email: OWNER.email, password: OWNER.password, token: owner },
  };
  for (const role of ['admin', 'operator', 'support']) {
    const email = `${role}-member@example.com`;
    const created = ok(await http.post('/admin/staff', { email, name: role, role, password: STAFF_PASSWORD }, as), `staff ${role}`);
    staff[role] = { id: created.body.id as string, email, password: STAFF_PASSWORD, token: await staffLogin(app, email, STAFF_PASSWORD) };
  }
  const a = await registerCustomer(app, 'alice');
  const b = await registerCustomer(app, 'bob');

  const s = shop(app, owner);
  const sku = 'FZ-TEE';
  const product = await s.product(sku, { cny: 8800, stock: 1_000 });
  await s.product('FZ-MUG', { cny: 3900, stock: 1_000 });
  const full = seen(ok(await http.get(`/admin/products/${product.id}`, as), 'product'));
  const variantId = (full.body.variants as { id: string }[])[0]!.id;
  seen(ok(await http.post('/admin/categories', { handle: 'fz-shirts', name: 'Shirts' }, as), 'category'));
  seen(ok(await http.post('/admin/collections', { handle: 'fz-summer', title: 'Summer', productIds: [product.id] }, as), 'collection'));
  const coupon = seen(ok(await http.post('/admin/coupons', { name: 'fuzz coupon', actions: [{ type: 'free_shipping' }], claimable: true }, as), 'coupon'));
  const couponId = coupon.body.id as string;
  seen(ok(await http.post(`/store/coupons/${couponId}/claim`, undefined, { token: a.token }), 'claim'));

  const address = seen(ok(await http.post('/store/me/addresses', { name: 'Alice', country: 'CN', city: '上海', line1: '人民路 1 号', phone: '13800000000' }, { token: a.token }), 'address'));

  // The delivered order: placed, paid, shipped, received, reviewed, and a return asked for.
  const deliveredCart = await s.readyCart([[sku, 2]], { token: a.token });
  const delivered = seen(ok(await s.checkout(deliveredCart.id, { token: a.token }), 'checkout'));
  const deliveredOrderId = delivered.body.id as string;
  await s.paySandbox(deliveredOrderId, { token: a.token });
  ok(await http.post(`/admin/orders/${deliveredOrderId}/ship`, { carrier: 'SF', trackingNumber: 'SF1234567890' }, as), 'ship');
  seen(ok(await http.post(`/store/orders/${deliveredOrderId}/receive`, undefined, { token: a.token }), 'receive'));
  const deliveredLineId = (delivered.body.items as { id: string }[])[0]!.id;
  const review = seen(ok(await http.post(`/store/orders/${deliveredOrderId}/reviews`, { items: [{ sku, rating: 5, body: 'Fits well.' }] }, { token: a.token }), 'review'));
  const reviewId = (review.body.items as { id: string }[])[0]!.id;
  const returned = seen(ok(await http.post(`/store/orders/${deliveredOrderId}/returns`, { items: [{ lineId: deliveredLineId, quantity: 1 }], reason: 'too small' }, { token: a.token }), 'return'));

  const pendingCart = await s.readyCart([[sku, 1]], { token: a.token });
  const pending = seen(ok(await s.checkout(pendingCart.id, { token: a.token }), 'checkout pending'));

  // An active cart (the last one, since checkout closes the others).
  const cart = seen(ok(await http.post('/store/carts', { currency: 'CNY' }, { token: a.token }), 'cart'));
  const item = seen(ok(await http.post(`/store/carts/${cart.body.id as string}/items`, { sku, quantity: 1 }, { token: a.token }), 'cart item'));
  const cartItemId = (item.body.items as { id: string }[])[0]!.id;
  ok(await http.patch(`/store/carts/${cart.body.id as string}`, { shippingAddress: ADDRESS }, { token: a.token }), 'cart address');

  // A guest order too, so guest-token routes have something to find.
  const guestCart = await s.readyCart([['FZ-MUG', 1]]);
  seen(ok(await s.checkout(guestCart.id), 'guest checkout'));

  const me = ok(await http.get('/store/me', { token: a.token }), 'me');
  const known = [...ids, sku, 'FZ-MUG', product.handle, 'fz-shirts', 'fz-summer', 'default', 'sandbox', 'CNY', 'USD'];
  return {
    staff,
    customerA: { token: a.token, email: a.email },
    customerB: { token: b.token, email: b.email },
    owned: {
      customerId: me.body.id as string,
      addressId: address.body.id as string,
      cartId: cart.body.id as string,
      cartItemId,
      pendingOrderId: pending.body.id as string,
      deliveredOrderId,
      deliveredLineId,
      reviewId,
      returnId: returned.body.id as string,
    },
    sku,
    productId: product.id,
    productHandle: product.handle,
    variantId,
    couponId,
    known,
  };
}
