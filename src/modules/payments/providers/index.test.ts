import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import type { Database } from '../../../platform/db/index.js';
import { Secret } from '../../../platform/secret.js';
import { createProviders, SANDBOX_NOTIFY_JOB, type JobsPort, type PaymentsConfig } from './index.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

async function build(overrides: Partial<PaymentsConfig>) {
  const registered: string[] = [];
  const jobs: JobsPort = {
    register: (kind) => void registered.push(kind),
    enqueue: async () => 'job_1',
  };
  const config: PaymentsConfig = {
    requested: [],
    webhookToleranceSeconds: 300,
    sandbox: { secret: new Secret('s'), notifyUrl: 'http://localhost:3000/webhooks/payments/sandbox', publicUrl: 'http://localhost:3000' },
    ...overrides,
  };
  return { ...(await createProviders(config, { db: {} as Kysely<Database>, jobs, log: pino({ level: 'silent' }) })), registered };
}

const alipay = {
  appId: '2021000000000001',
  privateKey: new Secret(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
  alipayPublicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  gateway: 'https://openapi.alipay.com/gateway.do',
  mode: 'page' as const,
};
const stripe = { secretKey: new Secret('sk_test_1'), webhookSecret: new Secret('whsec_1') };

describe('createProviders', () => {
  test('builds the enabled, configured providers; the sandbox registers its notifier job', async () => {
    const all = (await build({ requested: ['sandbox', 'alipay', 'stripe'], alipay, stripe }));
    assert.deepEqual([...all.providers.keys()], ['sandbox', 'alipay', 'stripe']);
    assert.deepEqual(
      [...all.providers.values()].map((p) => [p.id, p.merchantId]),
      [
        ['sandbox', 'bazaar-sandbox'],
        ['alipay', '2021000000000001'],
        ['stripe', null],
      ],
    );
    assert.deepEqual(all.warnings, []);
    assert.ok(all.sandbox);
    assert.deepEqual(all.registered, [SANDBOX_NOTIFY_JOB]);

    const none = (await build({ requested: [], alipay, stripe }));
    assert.equal(none.providers.size, 0);
    assert.equal(none.sandbox, null);
    assert.deepEqual(none.registered, []);
    assert.equal((await build({ requested: ['stripe', ' stripe '], stripe })).providers.size, 1);
    assert.equal((await build({ requested: ['sandbox'], sandbox: { secret: new Secret('s'), notifyUrl: 'x', publicUrl: 'y', merchantId: 'acme' } })).providers.get('sandbox')!.merchantId, 'acme');
  });

  test('a provider asked for without its credentials is left out with a message naming the variables', async () => {
    const result = (await build({ requested: ['sandbox', 'alipay', 'stripe', 'paypal'], sandbox: { secret: new Secret(''), notifyUrl: 'x', publicUrl: 'y' } }));
    assert.equal(result.providers.size, 0);
    assert.equal(result.sandbox, null);
    assert.deepEqual(result.warnings, [
      'sandbox disabled: SANDBOX_PAYMENT_SECRET is required',
      'alipay disabled: ALIPAY_APP_ID, ALIPAY_PRIVATE_KEY and ALIPAY_PUBLIC_KEY are required',
      'stripe disabled: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are required',
      'unknown payment provider "paypal" in PAYMENT_PROVIDERS (known: sandbox, alipay, stripe)',
    ]);
    assert.deepEqual((await build({ requested: ['alipay'], alipay: { ...alipay, privateKey: new Secret('') } })).warnings, ['alipay disabled: ALIPAY_PRIVATE_KEY is required']);
    assert.deepEqual((await build({ requested: ['stripe'], stripe: { ...stripe, webhookSecret: new Secret('') } })).warnings, ['stripe disabled: STRIPE_WEBHOOK_SECRET is required']);
  });

  test('takes the configuration as the platform builds it: top-level publicUrl, requested, messages already given', async () => {
    const lead = (await build({
      requested: ['sandbox', 'alipay'],
      publicUrl: 'https://shop.example',
      sandbox: { secret: new Secret('s'), notifyUrl: 'https://shop.example/webhooks/payments/sandbox' },
      disabled: ['alipay disabled: set ALIPAY_APP_ID'],
    }));
    assert.deepEqual([...lead.providers.keys()], ['sandbox']);
    assert.deepEqual(lead.warnings, []);
    assert.equal(lead.sandbox!.payUrl('pay_1'), 'https://shop.example/sandbox/pay/pay_1');
    const noUrl = (await build({ requested: ['sandbox'], sandbox: { secret: new Secret('s'), notifyUrl: 'x' } }));
    assert.deepEqual(noUrl.warnings, ['sandbox disabled: PUBLIC_URL is required']);
  });

  test('unreadable Alipay keys disable Alipay with a message, without the key in it', async () => {
    const bad = (await build({ requested: ['alipay'], alipay: { ...alipay, privateKey: new Secret('not-a-key') } }));
    assert.deepEqual(bad.warnings, ['alipay disabled: ALIPAY_PRIVATE_KEY is not a readable RSA private key']);
    const badPublic = (await build({ requested: ['alipay'], alipay: { ...alipay, alipayPublicKey: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' } }));
    assert.deepEqual(badPublic.warnings, ['alipay disabled: ALIPAY_PUBLIC_KEY is not a readable RSA public key']);
  });
});
