/** The parts of the admin API's responses the console reads. */

export interface OrderSummary {
  id: string;
  number: string;
  status: string;
  paymentStatus: string;
  fulfillmentStatus: string;
  email: string;
  currency: string;
  total: number;
  paidTotal: number;
  refundedTotal: number;
  createdAt: string;
}

export interface OrderLine {
  id: string;
  sku: string;
  title: string;
  variantTitle: string | null;
  quantity: number;
  unitPrice: number;
  total: number;
  shippedQuantity: number;
}

export interface Address {
  firstName: string;
  lastName: string;
  phone?: string | null;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode?: string | null;
  country: string;
}

export interface Order extends OrderSummary {
  subtotal: number;
  discountTotal: number;
  shippingTotal: number;
  taxTotal: number;
  items: OrderLine[];
  shippingAddress: Address | null;
  shipments: { id: string; carrier: string; trackingNumber: string; createdAt: string }[];
  history: { from: string | null; to: string; actorType: string; actorId: string | null; note: string | null; at: string }[];
}

export interface ProductListItem {
  id: string;
  handle: string;
  status: string;
  title: string;
  variantCount: number;
  updatedAt: string;
}

export interface Price {
  currency: string;
  amount: number;
  compareAtAmount?: number | null;
}

export interface Variant {
  id: string;
  sku: string;
  options: Record<string, string>;
  position?: number;
  prices: Price[];
}

/** One locale's text; `seo` and `options` are kept as they are when the console edits the rest. */
export interface Translation {
  title?: string;
  subtitle?: string;
  description?: string;
  [field: string]: unknown;
}

export interface ProductImage {
  url: string;
  alt: string | null;
  position?: number;
}

export interface Product {
  id: string;
  handle: string;
  status: string;
  title: string;
  subtitle?: string | null;
  description?: string | null;
  brand?: string | null;
  tags?: string[];
  images?: ProductImage[];
  translations?: Record<string, Translation>;
  options: { name: string; values: string[] }[];
  variants: Variant[];
  updatedAt?: string;
}

/** A SKU's stock: totals, then each location that holds a level (GET /admin/inventory/:sku). */
export interface StockSummary {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
  allowBackorder: boolean;
  lowStockThreshold: number;
  locations: { location: string; onHand: number; reserved: number; available: number }[];
}

export interface StockLocation {
  id: string;
  code: string;
  name: string;
  isDefault: boolean;
}

/** A background job's progress (GET /admin/jobs/:id). */
export interface Job {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  total: number | null;
  processed: number;
  failed: number;
  errors: { row: number; message: string }[];
  result: unknown;
  createdAt: string;
  finishedAt: string | null;
}

/** The result of a finished catalog import job. */
export interface ImportSummary {
  rows: number;
  products: { created: number; updated: number; failed: number };
  rowsFailed: number;
}

export interface Figure {
  value: number;
  previous: number;
  change: number | null;
}

export interface Overview {
  currency: string;
  figures: Record<'gmv' | 'paidOrders' | 'averageOrderValue' | 'refundRate' | 'newCustomers', Figure>;
  series: { bucket: string; gmv: number }[];
}

export interface Customer {
  id: string;
  email: string;
  name: string | null;
  locale: string | null;
  phone: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CustomerAddress {
  id: string;
  name: string;
  phone: string | null;
  country: string;
  province: string | null;
  city: string;
  district: string | null;
  line1: string;
  line2: string | null;
  postalCode: string | null;
  isDefaultShipping: boolean;
}

export interface CustomerDetail extends Customer {
  addresses: CustomerAddress[];
}

export interface Review {
  id: string;
  productId: string;
  sku: string;
  rating: number;
  title: string | null;
  body: string;
  status: 'published' | 'hidden';
  hiddenReason: string | null;
  customerId: string;
  orderId: string;
  createdAt: string;
}

/** A condition or action of a promotion: a tagged object, the rest of its fields depend on `type`. */
export interface Rule {
  type: string;
  [field: string]: unknown;
}

export interface Promotion {
  id: string;
  name: string;
  kind: 'automatic' | 'coupon';
  code: string | null;
  priority: number;
  stacking: 'exclusive' | 'stackable';
  conditions: Rule[];
  actions: Rule[];
  usageLimit: number | null;
  perCustomerLimit: number | null;
  usedCount: number;
  claimable: boolean;
  active: boolean;
  startsAt: string | null;
  endsAt: string | null;
  campaignId: string | null;
  createdAt: string;
}

export interface CouponCode {
  code: string;
  customerId: string | null;
  usedCount: number;
  claimedAt: string | null;
  createdAt: string;
}

export interface Campaign {
  id: string;
  name: string;
  startsAt: string | null;
  endsAt: string | null;
  budget: number | null;
  currency: string;
  spent: number;
  active: boolean;
  createdAt: string;
}

export interface FlashSale {
  id: string;
  sku: string;
  title: string | null;
  price: number;
  currency: string;
  quantity: number;
  sold: number;
  remaining: number;
  startsAt: string;
  endsAt: string;
  perCustomerLimit: number;
  status: 'scheduled' | 'live' | 'ended' | 'cancelled';
  campaignId: string | null;
}

export interface StaffRow {
  id: string;
  email: string;
  name: string;
  role: string;
  active: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export interface AuditEntry {
  id: string;
  actorType: 'staff' | 'system';
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: Record<string, unknown>;
  ip: string | null;
  createdAt: string;
}
