import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { isCurrency } from './money.js';
import { Secret } from './secret.js';

/**
 * Every environment variable Bazaar reads, with its default. `loadConfig` is the only place
 * that looks at them; the rest of the code receives the typed `Config` (or its slice).
 */
const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 500, default: 10 }),
  DATABASE_REPLICA_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  BAZAAR_SQL_COUNT: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '0' }),
  DATABASE_PREPARED_STATEMENTS: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  BAZAAR_WORKERS: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  BAZAAR_BACKGROUND: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  HEAP_GROWTH_PERCENT: Type.Integer({ minimum: 0, maximum: 400, default: 30 }),
  BAZAAR_DATA_DIR: Type.String({ minLength: 1, default: './.bazaar' }),
  BAZAAR_DEMO: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '1' }),
  BAZAAR_ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email' })),
  BAZAAR_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8 })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  TRUST_PROXY: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '0' }),
  CUSTOMER_SESSION_TTL_HOURS: Type.Integer({ minimum: 1, default: 720 }),
  STAFF_SESSION_TTL_HOURS: Type.Integer({ minimum: 1, default: 12 }),
  PASSWORD_RESET_TTL_MINUTES: Type.Integer({ minimum: 5, default: 60 }),
  LOGIN_THROTTLE_WINDOW_MINUTES: Type.Integer({ minimum: 1, default: 15 }),
  LOGIN_THROTTLE_MAX_PER_EMAIL: Type.Integer({ minimum: 1, default: 5 }),
  LOGIN_THROTTLE_MAX_PER_IP: Type.Integer({ minimum: 1, default: 50 }),
  BAZAAR_DEFAULT_LOCALE: Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', default: 'zh-CN' }),
  BAZAAR_LOCALES: Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*(,[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*)*$', default: 'zh-CN,en-US' }),
  BAZAAR_DEFAULT_CURRENCY: Type.String({ pattern: '^[A-Z]{3}$', default: 'CNY' }),
  BAZAAR_CURRENCIES: Type.String({ pattern: '^[A-Z]{3}(,[A-Z]{3})*$', default: 'CNY,USD' }),
  BAZAAR_TIME_ZONE: Type.String({ minLength: 1, maxLength: 64, default: 'UTC' }),
  STORE_CACHE_TTL_MS: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 2000 }),
  STORE_CACHE_MAX_ENTRIES: Type.Integer({ minimum: 1, default: 10_000 }),
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  MAIL_FROM: Type.String({ minLength: 3, default: 'Bazaar <no-reply@bazaar.local>' }),
  CART_MAX_LINES: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  CART_MAX_QUANTITY: Type.Integer({ minimum: 1, maximum: 100_000, default: 999 }),
  ORDER_PAYMENT_TIMEOUT_MINUTES: Type.Integer({ minimum: 1, maximum: 10_080, default: 30 }),
  ORDER_AUTO_RECEIVE_DAYS: Type.Integer({ minimum: 1, maximum: 365, default: 10 }),
  ORDER_AUTO_COMPLETE_DAYS: Type.Integer({ minimum: 0, maximum: 365, default: 7 }),
  ORDER_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 15_000 }),
  PAYMENT_PROVIDERS: Type.Optional(Type.String({ pattern: '^(sandbox|alipay|stripe)(,(sandbox|alipay|stripe))*$' })),
  PAYMENT_WEBHOOK_TOLERANCE_SECONDS: Type.Integer({ minimum: 10, maximum: 86_400, default: 300 }),
  SANDBOX_PAYMENT_SECRET: Type.String({ minLength: 16, default: 'bazaar-sandbox-signing-secret' }),
  SANDBOX_NOTIFY_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  ALIPAY_APP_ID: Type.Optional(Type.String({ minLength: 1 })),
  ALIPAY_PRIVATE_KEY: Type.Optional(Type.String({ minLength: 1 })),
  ALIPAY_PUBLIC_KEY: Type.Optional(Type.String({ minLength: 1 })),
  ALIPAY_GATEWAY: Type.String({ pattern: '^https?://', default: 'https://openapi.alipay.com/gateway.do' }),
  ALIPAY_MODE: Type.Union([Type.Literal('page'), Type.Literal('precreate')], { default: 'page' }),
  STRIPE_SECRET_KEY: Type.Optional(Type.String({ minLength: 1 })),
  STRIPE_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  STRIPE_PUBLISHABLE_KEY: Type.Optional(Type.String({ minLength: 1 })),
  STRIPE_API_HOST: Type.Optional(Type.String({ pattern: '^https?://' })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  NATS_URL: Type.Optional(Type.String({ pattern: '^(nats|tls)://[^,\\s]+(,(nats|tls)://[^,\\s]+)*$' })),
  NATS_STREAM: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'BAZAAR_EVENTS' }),
  NATS_SUBJECT_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$', default: 'bazaar' }),
  FLASH_SALE_PAYMENT_TIMEOUT_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 10 }),
  FLASH_SALE_RATE_PER_CUSTOMER: Type.Integer({ minimum: 1, maximum: 10_000, default: 5 }),
  FLASH_SALE_RATE_PER_IP: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 50 }),
  FLASH_SALE_RATE_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 10 }),
  BAZAAR_WEBHOOKS_ALLOW_PRIVATE: Type.Union([Type.Literal('0'), Type.Literal('1'), Type.Literal('false'), Type.Literal('true')], { default: '1' }),
});

/** Variables whose values are never echoed, not even in a configuration error. */
const SECRET_KEYS = new Set([
  'DATABASE_URL',
  'DATABASE_REPLICA_URL',
  'BAZAAR_ADMIN_PASSWORD',
  'SMTP_URL',
  'SANDBOX_PAYMENT_SECRET',
  'ALIPAY_PRIVATE_KEY',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'REDIS_URL',
  'NATS_URL',
]);

type Env = Static<typeof EnvSchema>;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  log: { level: LogLevel };
  /** `replicaUrl`: a read-only copy (streaming replica) that serves the store's catalog and search reads. */
  database: { url?: Secret; replicaUrl?: Secret; poolSize: number; dataDir: string; countStatements?: boolean; preparedStatements?: boolean };
  processes: {
    /** API processes `npm start` runs on one port (BAZAAR_WORKERS or `--workers N`); above 1 needs PostgreSQL. */
    api: number;
    /** Whether `npm start` also runs the background work (BAZAAR_BACKGROUND=off: `npm run worker` does, elsewhere). */
    background: boolean;
    /**
     * How far V8 lets the heap grow past what survived the last full collection, in percent
     * (HEAP_GROWTH_PERCENT); 0 leaves it to V8, which under load lets it reach two to three times that.
     */
    heapGrowthPercent: number;
  };
  demo: boolean;
  admin: { email?: string; password?: Secret };
  http: { bodyLimit: number; trustProxy: boolean };
  auth: {
    customerSessionTtlHours: number;
    staffSessionTtlHours: number;
    passwordResetTtlMinutes: number;
    throttle: { windowMinutes: number; maxPerEmail: number; maxPerIp: number };
  };
  mail: { smtpUrl?: Secret; from: string };
  cart: { maxLines: number; maxQuantity: number };
  orders: {
    /** Unpaid orders are cancelled this long after checkout, releasing their stock. */
    paymentTimeoutMinutes: number;
    /** Shipped orders count as received this many days after the last shipment. */
    autoReceiveDays: number;
    /** Delivered orders complete (the return window closes) this many days after delivery. */
    autoCompleteDays: number;
    /** How often a process looks for orders due for one of the above. */
    sweepIntervalMs: number;
  };
  payments: PaymentsConfig;
  /** Redis, an optional accelerator (flash-sale counters, rate limits); never the only copy of data. */
  redis: { url?: Secret };
  /**
   * Domain events: through NATS JetStream when NATS_URL is set (stream NATS_STREAM, subjects
   * `<NATS_SUBJECT_PREFIX>.events.<name>`), otherwise delivered in-process from the outbox.
   */
  events: { nats?: { url: Secret; stream: string; subjectPrefix: string } };
  flashSales: {
    /** Unpaid flash-sale orders expire after this (their units return to the sale). */
    paymentTimeoutMinutes: number;
    /** Purchase attempts allowed per customer and per IP in each window (429 beyond). */
    ratePerCustomer: number;
    ratePerIp: number;
    rateWindowSeconds: number;
  };
  /** Outbound webhooks: `allowPrivate` false refuses loopback, private and link-local targets. */
  webhooks: { allowPrivate: boolean };
  /** In-process cache of public store reads (catalog pages); 0 disables it. */
  cache: { storeTtlMs: number; storeMaxEntries: number };
  shop: {
    /** Locale of a product's own fields; other locales are translations. */
    defaultLocale: string;
    /** Locales the store serves, default first. */
    locales: string[];
    /** Base currency: prices missing in another currency are converted from it. */
    defaultCurrency: string;
    /** Currencies the store sells in, default first. */
    currencies: string[];
    /** IANA time zone of the shop's calendar (BAZAAR_TIME_ZONE, default `UTC`): analytics days, weeks and months. */
    timeZone: string;
  };
}

/** Payment providers: only those listed and fully configured are enabled. */
export interface PaymentsConfig {
  /** Providers the shop wants (PAYMENT_PROVIDERS); one without credentials is disabled at start. */
  requested: ('sandbox' | 'alipay' | 'stripe')[];
  webhookToleranceSeconds: number;
  publicUrl: string;
  sandbox: { secret: Secret; notifyUrl: string };
  alipay?: { appId: string; privateKey: Secret; alipayPublicKey: string; gateway: string; mode: 'page' | 'precreate' };
  stripe?: { secretKey: Secret; webhookSecret: Secret; publishableKey?: string; apiHost?: string };
  /** Why requested providers are off ("alipay disabled: …"), logged at start. */
  disabled: string[];
}

/** True for a time zone name this runtime knows (`UTC`, `Asia/Shanghai`). */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Raised by `loadConfig`, listing every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the environment. Empty strings count as unset. Throws `ConfigError`
 * naming every invalid variable, so a bad deployment fails at start, not on first use.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') raw[key] = v.trim();
  }
  const converted = Value.Convert(EnvSchema, Value.Default(EnvSchema, raw));
  const byKey = new Map<string, string>();
  for (const err of Value.Errors(EnvSchema, converted)) {
    const key = err.instancePath.replace(/^\//, '');
    const schema = (EnvSchema.properties as Record<string, { anyOf?: { const: string }[] }>)[key];
    const message = schema?.anyOf ? `must be one of ${schema.anyOf.map((s) => s.const).join(', ')}` : err.message;
    const shown = SECRET_KEYS.has(key) ? '' : ` (got ${JSON.stringify(raw[key])})`;
    if (!byKey.has(key)) byKey.set(key, `${key}: ${message}${shown}`);
  }
  const problems = [...byKey.values()];
  if (problems.length > 0) throw new ConfigError(problems);
  const e = converted as Env;
  if ((e.BAZAAR_ADMIN_EMAIL === undefined) !== (e.BAZAAR_ADMIN_PASSWORD === undefined)) {
    throw new ConfigError(['BAZAAR_ADMIN_EMAIL and BAZAAR_ADMIN_PASSWORD must be set together']);
  }
  const locales = unique([e.BAZAAR_DEFAULT_LOCALE, ...e.BAZAAR_LOCALES.split(',')]);
  const currencies = unique([e.BAZAAR_DEFAULT_CURRENCY, ...e.BAZAAR_CURRENCIES.split(',')]);
  const unknown = currencies.filter((c) => !isCurrency(c));
  if (unknown.length) throw new ConfigError([`BAZAAR_CURRENCIES: unknown ISO 4217 code(s) ${unknown.join(', ')}`]);
  if (!isTimeZone(e.BAZAAR_TIME_ZONE)) throw new ConfigError([`BAZAAR_TIME_ZONE: not an IANA time zone (got ${JSON.stringify(e.BAZAAR_TIME_ZONE)})`]);
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    cart: { maxLines: e.CART_MAX_LINES, maxQuantity: e.CART_MAX_QUANTITY },
    orders: {
      paymentTimeoutMinutes: e.ORDER_PAYMENT_TIMEOUT_MINUTES,
      autoReceiveDays: e.ORDER_AUTO_RECEIVE_DAYS,
      autoCompleteDays: e.ORDER_AUTO_COMPLETE_DAYS,
      sweepIntervalMs: e.ORDER_SWEEP_INTERVAL_MS,
    },
    payments: paymentsConfig(e, publicUrl),
    redis: { url: e.REDIS_URL ? new Secret(e.REDIS_URL) : undefined },
    events: { nats: e.NATS_URL ? { url: new Secret(e.NATS_URL), stream: e.NATS_STREAM, subjectPrefix: e.NATS_SUBJECT_PREFIX } : undefined },
    flashSales: {
      paymentTimeoutMinutes: e.FLASH_SALE_PAYMENT_TIMEOUT_MINUTES,
      ratePerCustomer: e.FLASH_SALE_RATE_PER_CUSTOMER,
      ratePerIp: e.FLASH_SALE_RATE_PER_IP,
      rateWindowSeconds: e.FLASH_SALE_RATE_WINDOW_SECONDS,
    },
    webhooks: { allowPrivate: e.BAZAAR_WEBHOOKS_ALLOW_PRIVATE === '1' || e.BAZAAR_WEBHOOKS_ALLOW_PRIVATE === 'true' },
    cache: { storeTtlMs: e.STORE_CACHE_TTL_MS, storeMaxEntries: e.STORE_CACHE_MAX_ENTRIES },
    shop: { defaultLocale: e.BAZAAR_DEFAULT_LOCALE, locales, defaultCurrency: e.BAZAAR_DEFAULT_CURRENCY, currencies, timeZone: e.BAZAAR_TIME_ZONE },
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    log: { level: e.LOG_LEVEL as LogLevel },
    database: {
      url: e.DATABASE_URL ? new Secret(e.DATABASE_URL) : undefined,
      replicaUrl: e.DATABASE_REPLICA_URL ? new Secret(e.DATABASE_REPLICA_URL) : undefined,
      poolSize: e.DATABASE_POOL_SIZE,
      dataDir: e.BAZAAR_DATA_DIR,
      countStatements: e.BAZAAR_SQL_COUNT === '1',
      preparedStatements: e.DATABASE_PREPARED_STATEMENTS === 'on',
    },
    processes: { api: e.BAZAAR_WORKERS, background: e.BAZAAR_BACKGROUND === 'on', heapGrowthPercent: e.HEAP_GROWTH_PERCENT },
    demo: e.BAZAAR_DEMO === '1',
    admin: {
      email: e.BAZAAR_ADMIN_EMAIL?.trim().toLowerCase(),
      password: e.BAZAAR_ADMIN_PASSWORD ? new Secret(e.BAZAAR_ADMIN_PASSWORD) : undefined,
    },
    http: { bodyLimit: e.BODY_LIMIT_BYTES, trustProxy: e.TRUST_PROXY === '1' },
    auth: {
      customerSessionTtlHours: e.CUSTOMER_SESSION_TTL_HOURS,
      staffSessionTtlHours: e.STAFF_SESSION_TTL_HOURS,
      passwordResetTtlMinutes: e.PASSWORD_RESET_TTL_MINUTES,
      throttle: {
        windowMinutes: e.LOGIN_THROTTLE_WINDOW_MINUTES,
        maxPerEmail: e.LOGIN_THROTTLE_MAX_PER_EMAIL,
        maxPerIp: e.LOGIN_THROTTLE_MAX_PER_IP,
      },
    },
    mail: { smtpUrl: e.SMTP_URL ? new Secret(e.SMTP_URL) : undefined, from: e.MAIL_FROM },
  };
}

/** PEM keys arrive in one env line with `\n` escapes, or bare base64 as Alipay's console shows them. */
function pem(value: string): string {
  return value.replace(/\\n/g, '\n');
}

function paymentsConfig(e: Env, publicUrl: string): PaymentsConfig {
  // The sandbox marks orders paid without money changing hands: on by default only in the demo shop.
  const requested = unique((e.PAYMENT_PROVIDERS ?? (e.BAZAAR_DEMO === '1' ? 'sandbox,alipay,stripe' : 'alipay,stripe')).split(',')) as PaymentsConfig['requested'];
  const disabled: string[] = [];
  let alipay: PaymentsConfig['alipay'];
  if (requested.includes('alipay')) {
    const missing = (['ALIPAY_APP_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY'] as const).filter((k) => !e[k]);
    if (missing.length) disabled.push(`alipay disabled: set ${missing.join(', ')}`);
    else {
      alipay = {
        appId: e.ALIPAY_APP_ID!,
        privateKey: new Secret(pem(e.ALIPAY_PRIVATE_KEY!)),
        alipayPublicKey: pem(e.ALIPAY_PUBLIC_KEY!),
        gateway: e.ALIPAY_GATEWAY,
        mode: e.ALIPAY_MODE as 'page' | 'precreate',
      };
    }
  }
  let stripe: PaymentsConfig['stripe'];
  if (requested.includes('stripe')) {
    const missing = (['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] as const).filter((k) => !e[k]);
    if (missing.length) disabled.push(`stripe disabled: set ${missing.join(', ')}`);
    else {
      stripe = {
        secretKey: new Secret(e.STRIPE_SECRET_KEY!),
        webhookSecret: new Secret(e.STRIPE_WEBHOOK_SECRET!),
        publishableKey: e.STRIPE_PUBLISHABLE_KEY,
        apiHost: e.STRIPE_API_HOST,
      };
    }
  }
  return {
    requested,
    webhookToleranceSeconds: e.PAYMENT_WEBHOOK_TOLERANCE_SECONDS,
    publicUrl,
    sandbox: { secret: new Secret(e.SANDBOX_PAYMENT_SECRET), notifyUrl: e.SANDBOX_NOTIFY_URL ?? `${publicUrl}/webhooks/payments/sandbox` },
    alipay,
    stripe,
    disabled,
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter(Boolean))];
}

/** The variables `loadConfig` understands, for docs and `--help`. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.properties);
