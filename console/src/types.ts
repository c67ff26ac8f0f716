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

export interface Product {
  id: string;
  handle: string;
  status: string;
  title: string;
  options: { name: string; values: string[] }[];
  variants: { id: string; sku: string; options: Record<string, string>; prices: { currency: string; amount: number }[] }[];
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
