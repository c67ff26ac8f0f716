import type { Generated } from 'kysely';

export type SandboxChargeStatus = 'pending' | 'succeeded' | 'failed' | 'refunded' | 'partially_refunded';

/**
 * Table `sandbox_charge`: the sandbox gateway's own ledger of charges, one per merchant payment
 * id. It stands for an external system: only the sandbox gateway and provider touch it.
 */
export interface SandboxChargeTable {
  id: string;
  /** Our payment id (the merchant's order number at the gateway). Unique. */
  merchantPaymentId: string;
  orderId: string;
  orderNumber: string;
  description: string;
  amount: number;
  currency: string;
  status: SandboxChargeStatus;
  refundedAmount: Generated<number>;
  /** Where the payer page sends the buyer after paying, when the merchant gave one. */
  returnUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** When the payer's result was recorded (status left `pending`). */
  settledAt: Date | null;
}

/**
 * Table `sandbox_refund`: refund requests against sandbox charges, one per merchant refund id
 * (so a repeated request returns the first outcome). A `failed` one changed nothing.
 */
export interface SandboxRefundTable {
  id: string;
  chargeId: string;
  /** Our refund id. Unique. */
  merchantRefundId: string;
  amount: number;
  reason: string;
  status: 'succeeded' | 'failed';
  failureReason: string | null;
  createdAt: Date;
}

declare module '../../../platform/db/schema.js' {
  interface Database {
    sandboxCharge: SandboxChargeTable;
    sandboxRefund: SandboxRefundTable;
  }
}
