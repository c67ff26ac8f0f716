import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { amountText, parseAmount } from '../format';
import { useI18n, type Translate } from '../i18n';
import type { Product, StockLocation, Variant } from '../types';
import { ConfirmDialog, fieldError, FormError, Notice, TextField, useLoad } from '../ui';
import type { Saved } from './ProductEdit';
import { ProductStock } from './ProductStock';

interface PriceDraft {
  key: number;
  currency: string;
  amount: string;
  compareAt: string;
}

interface VariantDraft {
  sku: string;
  options: Record<string, string>;
  prices: PriceDraft[];
}

let nextKey = 1;

function draftOf(v: Variant): VariantDraft {
  return {
    sku: v.sku,
    options: { ...v.options },
    prices: v.prices.map((p, i) => ({ key: -(i + 1), currency: p.currency, amount: amountText(p.amount, p.currency), compareAt: p.compareAtAmount == null ? '' : amountText(p.compareAtAmount, p.currency) })),
  };
}

const blankDraft = (p: Product): VariantDraft => ({ sku: '', options: Object.fromEntries(p.options.map((o) => [o.name, ''])), prices: [{ key: nextKey++, currency: p.variants[0]?.prices[0]?.currency ?? 'CNY', amount: '', compareAt: '' }] });

/** Problems keyed by the pointer of the request body, found before anything is sent. */
type Problems = Record<string, string>;

/** The variant body (`sku`, `options`, `prices`) from a draft, and what is wrong with it. */
function variantBody(p: Product, d: VariantDraft, t: Translate) {
  const problems: Problems = {};
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$/.test(d.sku.trim())) problems['/sku'] = d.sku.trim() ? t('variant.skuInvalid') : t('common.required');
  const options: Record<string, string> = {};
  for (const o of p.options) {
    const value = (d.options[o.name] ?? '').trim();
    if (!value) problems[`/options/${o.name}`] = t('common.required');
    options[o.name] = value;
  }
  const seen = new Set<string>();
  const prices = d.prices.map((price, j) => {
    const currency = price.currency.trim().toUpperCase();
    const valid = /^[A-Z]{3}$/.test(currency);
    if (!valid) problems[`/prices/${j}/currency`] = t('promo.currencyInvalid');
    else if (seen.has(currency)) problems[`/prices/${j}/currency`] = t('variant.currencyTwice', { currency });
    seen.add(currency);
    const amount = parseAmount(price.amount, valid ? currency : 'CNY');
    if (amount === null) problems[`/prices/${j}/amount`] = t('product.amountInvalid');
    let compareAtAmount: number | null = null;
    if (price.compareAt.trim()) {
      compareAtAmount = parseAmount(price.compareAt, valid ? currency : 'CNY');
      if (compareAtAmount === null) problems[`/prices/${j}/compareAtAmount`] = t('product.amountInvalid');
      else if (amount !== null && compareAtAmount < amount) problems[`/prices/${j}/compareAtAmount`] = t('variant.compareAtBelow');
    }
    return { currency, amount: amount ?? 0, compareAtAmount };
  });
  if (prices.length === 0) problems['/prices'] = t('variant.pricesRequired');
  return { body: { sku: d.sku.trim(), ...(p.options.length ? { options } : {}), prices }, problems };
}

/**
 * Option values the product does not declare yet are added to its options first (one PATCH),
 * since the API accepts only declared values on a variant.
 */
async function declareValues(p: Product, options: Record<string, string>): Promise<Product> {
  const missing = p.options.some((o) => options[o.name] !== undefined && !o.values.includes(options[o.name]!));
  if (!missing) return p;
  const next = p.options.map((o) => ({ name: o.name, values: options[o.name] === undefined || o.values.includes(options[o.name]!) ? o.values : [...o.values, options[o.name]!] }));
  return api<Product>('PATCH', `/admin/products/${encodeURIComponent(p.id)}`, { body: { options: next } });
}

/**
 * The product's variants: each one's SKU, option values and prices with its stock per location,
 * plus adding and removing variants. Read-only without `catalog:write`.
 */
export function ProductVariants({ product: p, canWrite, notice, onSaved }: { product: Product; canWrite: boolean; notice: string | null; onSaved: Saved }) {
  const { t } = useI18n();
  const locations = useLoad(() => api<Page<StockLocation>>('GET', '/admin/inventory-locations'), []);

  return (
    <section aria-labelledby="product-variants">
      <h2 id="product-variants">{t('product.variantsTitle')}</h2>
      {notice && <Notice>{notice}</Notice>}
      {p.variants.map((v, i) => (
        <VariantEditor key={v.id} product={p} variant={v} index={i} canWrite={canWrite} onSaved={onSaved} locations={locations.data?.items ?? null} locationsError={locations.error} />
      ))}
      {canWrite && (p.options.length > 0 ? <NewVariant product={p} onSaved={onSaved} /> : <FirstOption product={p} onSaved={onSaved} />)}
    </section>
  );
}

/**
 * A product without options has one variant. Giving it an option (a name and its values) lets
 * it have more: the existing variant takes the first value, then variants can be added.
 */
function FirstOption({ product: p, onSaved }: { product: Product; onSaved: Saved }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [values, setValues] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<Problems>({});
  const problem = (pointer: string) => local[pointer] ?? fieldError(error, pointer) ?? fieldError(error, pointer.replace(/^\/options\/0/, '/options'));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const list = [...new Set(values.split(',').map((v) => v.trim()).filter(Boolean))];
    const problems: Problems = {};
    if (!name.trim()) problems['/options/0/name'] = t('common.required');
    if (list.length === 0) problems['/options/0/values'] = t('common.required');
    setLocal(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    try {
      const updated = await api<Product>('PATCH', `/admin/products/${encodeURIComponent(p.id)}`, { body: { options: [{ name: name.trim(), values: list }] } });
      setName('');
      setValues('');
      onSaved(updated, t('variant.optionAdded'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="product-form" aria-labelledby="first-option-title">
      <fieldset>
        <legend id="first-option-title">{t('variant.firstOption')}</legend>
        <p className="hint">{t('variant.noOptions')}</p>
        <FormError error={error} shown={(field) => field.startsWith('/options')} />
        <div className="row">
          <TextField label={t('product.optionName')} name="first-option-name" value={name} onChange={(e) => setName(e.target.value)} error={problem('/options/0/name')} />
          <TextField label={t('variant.optionValues')} name="first-option-values" value={values} onChange={(e) => setValues(e.target.value)} hint={t('variant.optionValuesHint')} error={problem('/options/0/values') ?? problem('/options')} />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? t('common.saving') : t('variant.addOption')}
        </button>
      </fieldset>
    </form>
  );
}

function PriceFields({ prices, prefix, problem, onChange }: { prices: PriceDraft[]; prefix: string; problem: (pointer: string) => string | undefined; onChange(prices: PriceDraft[]): void }) {
  const { t } = useI18n();
  const set = (key: number, field: 'currency' | 'amount' | 'compareAt', value: string) => onChange(prices.map((x) => (x.key === key ? { ...x, [field]: value } : x)));
  return (
    <>
      <p className="group-label">{t('product.prices')}</p>
      {prices.map((price, j) => (
        <div className="row" key={price.key}>
          <TextField label={t('product.currency')} name={`${prefix}-price-${j}-currency`} maxLength={3} value={price.currency} onChange={(e) => set(price.key, 'currency', e.target.value.toUpperCase())} error={problem(`/prices/${j}/currency`)} />
          <TextField label={t('product.amount')} name={`${prefix}-price-${j}-amount`} inputMode="decimal" value={price.amount} onChange={(e) => set(price.key, 'amount', e.target.value)} error={problem(`/prices/${j}/amount`) ?? problem(`/prices/${j}`)} />
          <TextField label={t('variant.compareAt')} name={`${prefix}-price-${j}-compare`} inputMode="decimal" value={price.compareAt} onChange={(e) => set(price.key, 'compareAt', e.target.value)} error={problem(`/prices/${j}/compareAtAmount`)} />
          {prices.length > 1 && (
            <button type="button" className="secondary" onClick={() => onChange(prices.filter((x) => x.key !== price.key))}>
              {t('product.removePrice')}
            </button>
          )}
        </div>
      ))}
      {problem('/prices') && <p className="field-error">{problem('/prices')}</p>}
      <button type="button" className="secondary" onClick={() => onChange([...prices, { key: nextKey++, currency: '', amount: '', compareAt: '' }])} disabled={prices.length >= 50}>
        {t('product.addPrice')}
      </button>
    </>
  );
}

function OptionFields({ product: p, options, prefix, problem, onChange }: { product: Product; options: Record<string, string>; prefix: string; problem: (pointer: string) => string | undefined; onChange(options: Record<string, string>): void }) {
  const { t } = useI18n();
  if (p.options.length === 0) return null;
  return (
    <div className="row">
      {p.options.map((o, k) => (
        <div key={o.name} className="field-wrap">
          <TextField
            label={o.name}
            name={`${prefix}-option-${k}`}
            list={`${prefix}-option-${k}-values`}
            value={options[o.name] ?? ''}
            hint={t('variant.optionHint')}
            onChange={(e) => onChange({ ...options, [o.name]: e.target.value })}
            error={problem(`/options/${o.name}`) ?? problem(`/options`)}
          />
          <datalist id={`${prefix}-option-${k}-values`}>
            {o.values.map((value) => (
              <option key={value} value={value} />
            ))}
          </datalist>
        </div>
      ))}
    </div>
  );
}

/** The problem for a pointer of the body sent: ours first, then the API's (which may name the variant's place in the product). */
function problemFinder(local: Problems, error: unknown, index: number) {
  return (pointer: string) => local[pointer] ?? fieldError(error, pointer) ?? fieldError(error, `/variants/${index}${pointer}`);
}

const placed = (index: number) => (field: string) => /^\/(sku|options|prices)(\/|$)/.test(field) || new RegExp(`^/variants/${index}/(sku|options|prices)(/|$)`).test(field);

function VariantEditor({
  product: p,
  variant: v,
  index,
  canWrite,
  onSaved,
  locations,
  locationsError,
}: {
  product: Product;
  variant: Variant;
  index: number;
  canWrite: boolean;
  onSaved: Saved;
  locations: StockLocation[] | null;
  locationsError: unknown;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<VariantDraft | null>(null);
  const [local, setLocal] = useState<Problems>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const d = draft ?? draftOf(v);
  const problem = problemFinder(local, error, index);
  const edit = (next: VariantDraft) => (setDraft(next), setLocal({}));
  const prefix = `variant-${index}`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const { body, problems } = variantBody(p, d, t);
    setLocal(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    let current = p;
    try {
      current = await declareValues(p, body.options ?? {});
      const updated = await api<Product>('PATCH', `/admin/products/${encodeURIComponent(p.id)}/variants/${encodeURIComponent(v.id)}`, { body });
      setDraft(null);
      onSaved(updated, t('variant.saved', { sku: body.sku }));
    } catch (e) {
      if (current !== p) onSaved(current, t('variant.valuesDeclared'));
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      const updated = await api<Product>('DELETE', `/admin/products/${encodeURIComponent(p.id)}/variants/${encodeURIComponent(v.id)}`);
      setConfirming(false);
      onSaved(updated, t('variant.removed', { sku: v.sku }));
    } catch (e) {
      setConfirming(false);
      setError(e);
      setBusy(false);
    }
  };

  const legend = t('variant.legend', { n: index + 1, sku: v.sku });
  return (
    <div className="variant-block">
      <form onSubmit={submit} noValidate className="product-form">
      <fieldset className="variant" disabled={!canWrite}>
        <legend>{legend}</legend>
        <FormError error={error} shown={placed(index)} />
        <div className="row">
          <TextField label={t('order.sku')} name={`${prefix}-sku`} value={d.sku} onChange={(e) => edit({ ...d, sku: e.target.value })} error={problem('/sku')} />
        </div>
        <OptionFields product={p} options={d.options} prefix={prefix} problem={problem} onChange={(options) => edit({ ...d, options })} />
        <PriceFields prices={d.prices} prefix={prefix} problem={problem} onChange={(prices) => edit({ ...d, prices })} />
        {canWrite && (
          <div className="row variant-actions">
            <button type="submit" disabled={busy}>
              {busy ? t('common.saving') : t('variant.save')}
            </button>
            {p.variants.length > 1 && (
              <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={busy}>
                {t('variant.remove')}
              </button>
            )}
          </div>
        )}
      </fieldset>
      </form>
      <ProductStock sku={v.sku} label={legend} locations={locations} locationsError={locationsError} canWrite={canWrite} />
      <ConfirmDialog open={confirming} message={t('variant.removeConfirm', { sku: v.sku })} confirmLabel={t('variant.remove')} busy={busy} onConfirm={() => void remove()} onCancel={() => setConfirming(false)} />
    </div>
  );
}

function NewVariant({ product: p, onSaved }: { product: Product; onSaved: Saved }) {
  const { t } = useI18n();
  const [d, setD] = useState<VariantDraft>(() => blankDraft(p));
  const [local, setLocal] = useState<Problems>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const index = p.variants.length;
  const problem = problemFinder(local, error, index);
  const edit = (next: VariantDraft) => (setD(next), setLocal({}));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const { body, problems } = variantBody(p, d, t);
    setLocal(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    let current = p;
    try {
      current = await declareValues(p, body.options ?? {});
      const updated = await api<Product>('POST', `/admin/products/${encodeURIComponent(p.id)}/variants`, { body });
      setD(blankDraft(updated));
      onSaved(updated, t('variant.added', { sku: body.sku }));
    } catch (e) {
      if (current !== p) onSaved(current, t('variant.valuesDeclared'));
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="product-form">
      <fieldset className="variant">
        <legend>{t('variant.new')}</legend>
        <FormError error={error} shown={placed(index)} />
        <div className="row">
          <TextField label={t('order.sku')} name="new-variant-sku" value={d.sku} onChange={(e) => edit({ ...d, sku: e.target.value })} error={problem('/sku')} />
        </div>
        <OptionFields product={p} options={d.options} prefix="new-variant" problem={problem} onChange={(options) => edit({ ...d, options })} />
        <PriceFields prices={d.prices} prefix="new-variant" problem={problem} onChange={(prices) => edit({ ...d, prices })} />
        <div className="row variant-actions">
          <button type="submit" disabled={busy}>
            {busy ? t('common.saving') : t('product.addVariant')}
          </button>
        </div>
      </fieldset>
    </form>
  );
}
