import type { MigrationSet } from '../../../platform/db/index.js';

/** The sandbox gateway's ledger: `sandbox_charge`, `sandbox_refund`. */
export const sandboxMigrations: MigrationSet = {
  '202611281006_payments_sandbox': [
    `create table sandbox_charge (
       id text primary key,
       merchant_payment_id text not null,
       order_id text not null,
       order_number text not null,
       description text not null,
       amount bigint not null,
       currency text not null,
       status text not null,
       refunded_amount bigint not null default 0,
       return_url text,
       created_at timestamptz not null,
       updated_at timestamptz not null,
       settled_at timestamptz,
       constraint sandbox_charge_merchant_payment_id_key unique (merchant_payment_id),
       constraint sandbox_charge_amount_positive check (amount > 0),
       constraint sandbox_charge_currency_format check (currency ~ '^[A-Z]{3}$'),
       constraint sandbox_charge_status check (status in ('pending', 'succeeded', 'failed', 'refunded', 'partially_refunded')),
       constraint sandbox_charge_refunded_range check (refunded_amount >= 0 and refunded_amount <= amount)
     )`,
    `create index sandbox_charge_settled_idx on sandbox_charge (settled_at) where settled_at is not null`,
    `create table sandbox_refund (
       id text primary key,
       charge_id text not null references sandbox_charge (id),
       merchant_refund_id text not null,
       amount bigint not null,
       reason text not null,
       status text not null,
       failure_reason text,
       created_at timestamptz not null,
       constraint sandbox_refund_merchant_refund_id_key unique (merchant_refund_id),
       constraint sandbox_refund_amount_positive check (amount > 0),
       constraint sandbox_refund_status check (status in ('succeeded', 'failed'))
     )`,
    `create index sandbox_refund_charge_idx on sandbox_refund (charge_id)`,
    `create index sandbox_refund_created_idx on sandbox_refund (created_at)`,
  ],
};
