import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';
import { parseAmount } from '../format';
import { useI18n } from '../i18n';
import { Link, navigate } from '../router';
import type { Product } from '../types';
import { errorText, PageTitle, SelectField, TextField } from '../ui';
import { PRODUCT_STATUSES } from './Products';

interface PriceDraft {
  currency: string;
  amount: string;
}
interface VariantDraft {
  key: number;
  sku: string;
  option: string;
  prices: PriceDraft[];
}

let nextKey = 1;
const blankVariant = (): VariantDraft => ({ key: nextKey++, sku: '', option: '', prices: [{ currency: 'CNY', amount: '' }] });

/** Create a product with one or more variants, each priced in one or more currencies. */
export function ProductNew() {
  const { t } = useI18n();
  const [handle, setHandle] = useState('');
  const [title, setTitle] = useState('');
  const [status, setStatus] = useState<string>('draft');
  const [optionName, setOptionName] = useState('');
  const [variants, setVariants] = useState<VariantDraft[]>(() => [blankVariant()]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<Record<string, string>>({});
  const api_ = error instanceof ApiError ? error : null;
  // A field's problem: the console's own check first, then the API's (by JSON pointer).
  const problem = (pointer: string) => local[pointer] ?? api_?.fieldMessage(pointer);

  const update = (key: number, change: (v: VariantDraft) => VariantDraft) => setVariants((vs) => vs.map((v) => (v.key === key ? change(v) : v)));
  // Editing a field clears the console's own complaint about it.
  const clear = (pointer: string) =>
    setLocal((l) => {
      if (!(pointer in l)) return l;
      const { [pointer]: _gone, ...rest } = l;
      return rest;
    });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const problems: Record<string, string> = {};
    if (!handle.trim()) problems['/handle'] = t('common.required');
    if (!title.trim()) problems['/title'] = t('common.required');
    const withOptions = variants.length > 1 || optionName.trim() !== '';
    if (variants.length > 1 && !optionName.trim()) problems['/options'] = t('product.optionRequired');
    const body = {
      handle: handle.trim(),
      title: title.trim(),
      status,
      ...(withOptions ? { options: [{ name: optionName.trim(), values: variants.map((v) => v.option.trim()) }] } : {}),
      variants: variants.map((v, i) => {
        if (!v.sku.trim()) problems[`/variants/${i}/sku`] = t('common.required');
        if (withOptions && !v.option.trim()) problems[`/variants/${i}/options`] = t('common.required');
        return {
          sku: v.sku.trim(),
          ...(withOptions ? { options: { [optionName.trim()]: v.option.trim() } } : {}),
          prices: v.prices.map((p, j) => {
            const currency = p.currency.trim().toUpperCase();
            const amount = parseAmount(p.amount, /^[A-Z]{3}$/.test(currency) ? currency : 'CNY');
            if (amount === null) problems[`/variants/${i}/prices/${j}/amount`] = t('product.amountInvalid');
            if (!/^[A-Z]{3}$/.test(currency)) problems[`/variants/${i}/prices/${j}/currency`] = t('common.required');
            return { currency, amount: amount ?? 0 };
          }),
        };
      }),
    };
    setLocal(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    try {
      const created = await api<Product>('POST', '/admin/products', { body });
      navigate(`/products/${created.id}?created=1`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  // Problems the API reports on fields the form does not show go to the top.
  const unplaced = api_?.fields.filter((f) => !/^\/(handle|title|status|options|variants)\b/.test(f.field)) ?? [];

  return (
    <>
      <p>
        <Link to="/products">← {t('common.back')}</Link>
      </p>
      <PageTitle>{t('product.newTitle')}</PageTitle>
      <form onSubmit={submit} noValidate className="product-form">
        {error && (!api_ || api_.fields.length === 0 || unplaced.length > 0) ? (
          <p role="alert" className="banner error">
            {unplaced.length ? unplaced.map((f) => `${f.field} ${f.message}`).join('; ') : errorText(error, t)}
          </p>
        ) : null}
        <fieldset>
          <legend>{t('product.details')}</legend>
          <TextField label={t('products.handle')} name="handle" value={handle} onChange={(e) => (setHandle(e.target.value), clear('/handle'))} hint={t('product.handleHint')} error={problem('/handle')} />
          <TextField label={t('products.name')} name="title" value={title} onChange={(e) => (setTitle(e.target.value), clear('/title'))} error={problem('/title')} />
          <SelectField label={t('common.status')} name="status" value={status} onChange={(e) => setStatus(e.target.value)} options={PRODUCT_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))} error={problem('/status')} />
          <TextField label={t('product.optionName')} name="optionName" value={optionName} onChange={(e) => (setOptionName(e.target.value), clear('/options'))} error={problem('/options')} />
        </fieldset>
        {variants.map((v, i) => (
          <fieldset key={v.key} className="variant">
            <legend>{t('product.variant', { n: i + 1 })}</legend>
            <div className="row">
              <TextField label="SKU" name={`variant-${i}-sku`} value={v.sku} onChange={(e) => (update(v.key, (d) => ({ ...d, sku: e.target.value })), clear(`/variants/${i}/sku`))} error={problem(`/variants/${i}/sku`)} />
              {(variants.length > 1 || optionName.trim() !== '') && (
                <TextField label={t('product.optionValue')} name={`variant-${i}-option`} value={v.option} onChange={(e) => (update(v.key, (d) => ({ ...d, option: e.target.value })), clear(`/variants/${i}/options`))} error={problem(`/variants/${i}/options`)} />
              )}
            </div>
            <p className="group-label">{t('product.prices')}</p>
            {v.prices.map((p, j) => (
              <div className="row" key={j}>
                <TextField
                  label={t('product.currency')}
                  name={`variant-${i}-price-${j}-currency`}
                  value={p.currency}
                  maxLength={3}
                  onChange={(e) => (update(v.key, (d) => ({ ...d, prices: d.prices.map((x, k) => (k === j ? { ...x, currency: e.target.value.toUpperCase() } : x)) })), clear(`/variants/${i}/prices/${j}/currency`))}
                  error={problem(`/variants/${i}/prices/${j}/currency`)}
                />
                <TextField
                  label={t('product.amount')}
                  name={`variant-${i}-price-${j}-amount`}
                  inputMode="decimal"
                  value={p.amount}
                  onChange={(e) => (update(v.key, (d) => ({ ...d, prices: d.prices.map((x, k) => (k === j ? { ...x, amount: e.target.value } : x)) })), clear(`/variants/${i}/prices/${j}/amount`))}
                  error={problem(`/variants/${i}/prices/${j}/amount`) ?? problem(`/variants/${i}/prices/${j}`)}
                />
                {v.prices.length > 1 && (
                  <button type="button" className="secondary" onClick={() => update(v.key, (d) => ({ ...d, prices: d.prices.filter((_, k) => k !== j) }))}>
                    {t('product.removePrice')}
                  </button>
                )}
              </div>
            ))}
            <div className="row">
              <button type="button" className="secondary" onClick={() => update(v.key, (d) => ({ ...d, prices: [...d.prices, { currency: '', amount: '' }] }))}>
                {t('product.addPrice')}
              </button>
              {variants.length > 1 && (
                <button type="button" className="secondary" onClick={() => setVariants((vs) => vs.filter((x) => x.key !== v.key))}>
                  {t('product.removeVariant', { n: i + 1 })}
                </button>
              )}
            </div>
          </fieldset>
        ))}
        {problem('/variants') && <p className="field-error">{problem('/variants')}</p>}
        <div className="row">
          <button type="button" className="secondary" onClick={() => setVariants((vs) => [...vs, blankVariant()])}>
            {t('product.addVariant')}
          </button>
          <button type="submit" disabled={busy}>
            {busy ? t('common.saving') : t('product.create')}
          </button>
        </div>
      </form>
    </>
  );
}
