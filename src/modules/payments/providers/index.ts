import { createSandboxGateway, type SandboxGateway } from './sandbox-gateway.js';
import { createSandboxProvider } from './sandbox.js';
import type { PaymentProvider, PaymentsConfig, ProviderDeps } from './types.js';

export {
  ProviderError,
  type AlipayConfig,
  type CreatePaymentInput,
  type Deliver,
  type GatewayNotification,
  type GatewayStatus,
  type GatewayTransaction,
  type Headers,
  type JobsPort,
  type PaymentAction,
  type PaymentProvider,
  type PaymentsConfig,
  type ProviderDeps,
  type ProviderErrorReason,
  type ProviderId,
  type RefundInput,
  type RefundResult,
  type SandboxConfig,
  type StripeConfig,
} from './types.js';
export { sandboxMigrations } from './sandbox-migrations.js';
export { sandboxGatewayRoutes, SandboxChargeSchema } from './sandbox-routes.js';
export { sandboxError } from './sandbox-errors.js';
export { SANDBOX_SIGNATURE_HEADER, signSandboxPayload, verifySandboxSignature } from './sandbox-signature.js';
export { backoffMs, fetchDeliver, MAX_DELIVERY_ATTEMPTS, SANDBOX_NOTIFY_JOB, type NotifyJobInput, type SandboxNotification, type SandboxNotificationType } from './sandbox-notifier.js';
export { createSandboxGateway, SANDBOX_MERCHANT_ID, type SandboxCharge, type SandboxGateway, type SandboxRefund } from './sandbox-gateway.js';
export type { SandboxChargeStatus, SandboxChargeTable, SandboxRefundTable } from './sandbox-tables.js';
export { createSandboxProvider } from './sandbox.js';
export { parseDecimalAmount, toDecimalString } from './amounts.js';

/** The gateways `PAYMENT_PROVIDERS` may name. */
export const PROVIDER_IDS = ['sandbox', 'alipay', 'stripe'] as const;

/** What `createProviders` built. */
export interface Providers {
  /** The providers that are on and configured, by id. */
  providers: Map<string, PaymentProvider>;
  /** One line per provider that was asked for but cannot run (missing or unreadable credentials, unknown name): log them at start. */
  warnings: string[];
  /** The sandbox gateway behind the sandbox provider, for `sandboxGatewayRoutes`; null when the sandbox is off. */
  sandbox: SandboxGateway | null;
}

function missing(names: string[], what: string): string {
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
  return `${what} disabled: ${list} ${names.length === 1 ? 'is' : 'are'} required`;
}

/**
 * Builds the providers listed in `config.enabled` that have what they need. The sandbox also
 * gets its gateway (ledger, payer routes) and registers its notifier job
 * (`payments.sandbox.notify`) with `deps.jobs`. Nothing is contacted over the network here.
 *
 * @example
 * const payments = await createProviders(config.payments, { db, jobs, log });
 * for (const warning of payments.warnings) log.warn(warning);
 * if (payments.sandbox) await server.register(sandboxGatewayRoutes, { gateway: payments.sandbox });
 */
export async function createProviders(config: PaymentsConfig, deps: ProviderDeps): Promise<Providers> {
  const providers = new Map<string, PaymentProvider>();
  const warnings: string[] = [];
  let sandbox: SandboxGateway | null = null;
  const reported = (id: string) => (config.disabled ?? []).some((line) => line.startsWith(`${id} disabled`));
  const warn = (id: string, message: string) => {
    if (!reported(id)) warnings.push(message);
  };
  const wanted = config.requested ?? config.enabled ?? [];
  for (const id of new Set(wanted.map((s) => s.trim()).filter(Boolean))) {
    switch (id) {
      case 'sandbox': {
        const publicUrl = config.sandbox.publicUrl ?? config.publicUrl;
        const absent = [...(config.sandbox.secret.reveal() ? [] : ['SANDBOX_PAYMENT_SECRET']), ...(publicUrl ? [] : ['PUBLIC_URL'])];
        if (absent.length || !publicUrl) {
          warn(id, missing(absent, 'sandbox'));
          break;
        }
        sandbox = createSandboxGateway({
          db: deps.db,
          jobs: deps.jobs,
          log: deps.log.child({ component: 'sandbox-gateway' }),
          config: { ...config.sandbox, publicUrl },
          deliver: deps.deliver,
          now: deps.now,
          random: deps.random,
        });
        providers.set(id, createSandboxProvider({ gateway: sandbox, config: config.sandbox, toleranceSeconds: config.webhookToleranceSeconds }));
        break;
      }
      case 'alipay': {
        const a = config.alipay;
        const absent = [
          ...(a?.appId ? [] : ['ALIPAY_APP_ID']),
          ...(a?.privateKey.reveal() ? [] : ['ALIPAY_PRIVATE_KEY']),
          ...(a?.alipayPublicKey ? [] : ['ALIPAY_PUBLIC_KEY']),
        ];
        if (!a || absent.length) {
          warn(id, missing(absent, 'alipay'));
          break;
        }
        try {
          // Each SDK weighs about 20 MB: loaded only for a shop that uses it.
          const { createAlipayProvider } = await import('./alipay.js');
          providers.set(id, createAlipayProvider(a));
        } catch (err) {
          warn(id, `alipay disabled: ${err instanceof Error ? err.message : String(err)}`);
        }
        break;
      }
      case 'stripe': {
        const s = config.stripe;
        const absent = [...(s?.secretKey.reveal() ? [] : ['STRIPE_SECRET_KEY']), ...(s?.webhookSecret.reveal() ? [] : ['STRIPE_WEBHOOK_SECRET'])];
        if (!s || absent.length) {
          warn(id, missing(absent, 'stripe'));
          break;
        }
        const { createStripeProvider } = await import('./stripe.js');
        providers.set(id, createStripeProvider(s, config.webhookToleranceSeconds));
        break;
      }
      default:
        warnings.push(`unknown payment provider ${JSON.stringify(id)} in PAYMENT_PROVIDERS (known: ${PROVIDER_IDS.join(', ')})`);
    }
  }
  return { providers, warnings, sandbox };
}
