import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { isoFromLocal, parseAmount } from '../format';
import { useI18n, type MessageKey } from '../i18n';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import type { Campaign, Promotion, Rule } from '../types';
import { CheckboxField, fieldError, FormError, PageTitle, SelectField, TextField, useLoad } from '../ui';
import { KIND_BASE, type PromotionKind } from './Promotions';

const ACTIONS = ['percent_off_order', 'amount_off_order', 'percent_off_items', 'amount_off_items', 'free_shipping'] as const;
type ActionType = (typeof ACTIONS)[number];

interface Draft {
  name: string;
  code: string;
  action: ActionType;
  value: string;
  currency: string;
  minSubtotal: string;
  stacking: 'stackable' | 'exclusive';
  priority: string;
  usageLimit: string;
  perCustomerLimit: string;
  startsAt: string;
  endsAt: string;
  campaignId: string;
  active: boolean;
  claimable: boolean;
}

type Problems = Partial<Record<keyof Draft, string>>;

const positiveInt = (text: string) => /^\d+$/.test(text.trim()) && Number(text) >= 1;

/**
 * The request body for POST /admin/promotions or /admin/coupons from the form, or the problems
 * found. Fixed amounts carry their currency as a `currency` condition, as the API requires.
 */
function toBody(d: Draft, kind: PromotionKind, t: (key: MessageKey) => string): { body?: Record<string, unknown>; problems: Problems } {
  const problems: Problems = {};
  const currency = d.currency.trim().toUpperCase();
  if (!d.name.trim()) problems.name = t('common.required');
  if (kind === 'coupon' && d.code.trim() && !/^[A-Za-z0-9_-]{3,40}$/.test(d.code.trim())) problems.code = t('promo.codeInvalid');
  if (!/^[A-Z]{3}$/.test(currency)) problems.currency = t('promo.currencyInvalid');
  const conditions: Rule[] = [];
  let action: Rule | undefined;
  if (d.action === 'percent_off_order' || d.action === 'percent_off_items') {
    const pct = Number(d.value);
    if (!/^\d+(\.\d{1,2})?$/.test(d.value.trim()) || pct <= 0 || pct > 100) problems.value = t('promo.percentInvalid');
    else action = { type: d.action, bps: Math.round(pct * 100) };
  } else if (d.action === 'amount_off_order' || d.action === 'amount_off_items') {
    const amount = parseAmount(d.value, currency || 'CNY');
    if (amount === null || amount <= 0) problems.value = t('product.amountInvalid');
    else {
      action = { type: d.action, amount };
      conditions.push({ type: 'currency', currencies: [currency] });
    }
  } else {
    action = { type: 'free_shipping' };
  }
  if (d.minSubtotal.trim()) {
    const amount = parseAmount(d.minSubtotal, currency || 'CNY');
    if (amount === null) problems.minSubtotal = t('product.amountInvalid');
    else conditions.push({ type: 'min_subtotal', amount, currency });
  }
  if (d.priority.trim() && !/^-?\d+$/.test(d.priority.trim())) problems.priority = t('promo.integerInvalid');
  if (d.usageLimit.trim() && !positiveInt(d.usageLimit)) problems.usageLimit = t('promo.integerInvalid');
  if (d.perCustomerLimit.trim() && !positiveInt(d.perCustomerLimit)) problems.perCustomerLimit = t('promo.integerInvalid');
  const startsAt = isoFromLocal(d.startsAt);
  const endsAt = isoFromLocal(d.endsAt);
  if (startsAt && endsAt && endsAt <= startsAt) problems.endsAt = t('promo.endBeforeStart');
  if (Object.keys(problems).length > 0 || !action) return { problems };
  return {
    problems,
    body: {
      name: d.name.trim(),
      ...(kind === 'coupon' && d.code.trim() ? { code: d.code.trim() } : {}),
      ...(kind === 'coupon' ? { claimable: d.claimable } : {}),
      stacking: d.stacking,
      priority: d.priority.trim() ? Number(d.priority) : 0,
      conditions,
      actions: [action],
      usageLimit: d.usageLimit.trim() ? Number(d.usageLimit) : null,
      perCustomerLimit: d.perCustomerLimit.trim() ? Number(d.perCustomerLimit) : null,
      startsAt,
      endsAt,
      campaignId: d.campaignId || null,
      active: d.active,
    },
  };
}

/** Create a promotion (automatic) or a coupon: one action, optional minimum spend, limits, window and campaign. */
export function PromotionNew({ kind }: { kind: PromotionKind }) {
  const { t } = useI18n();
  const session = useSession();
  const base = KIND_BASE[kind];
  const campaigns = useLoad(() => api<Page<Campaign>>('GET', '/admin/campaigns'), []);
  const [d, setD] = useState<Draft>({
    name: '',
    code: '',
    action: 'percent_off_order',
    value: '',
    currency: 'CNY',
    minSubtotal: '',
    stacking: 'stackable',
    priority: '0',
    usageLimit: '',
    perCustomerLimit: kind === 'coupon' ? '1' : '',
    startsAt: '',
    endsAt: '',
    campaignId: '',
    active: true,
    claimable: false,
  });
  const [problems, setProblems] = useState<Problems>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setD((prev) => ({ ...prev, [key]: value }));
    setProblems((prev) => ({ ...prev, [key]: undefined }));
  };
  const isPercent = d.action.startsWith('percent');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const result = toBody(d, kind, t);
    setProblems(result.problems);
    if (!result.body) return;
    setBusy(true);
    try {
      const created = await api<Promotion>('POST', `/admin${base}`, { body: result.body });
      navigate(kind === 'coupon' ? `/coupons/${created.id}?created=1` : `${base}?created=1`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  if (!session.can('promotions:write')) return <p className="hint">{t('error.forbidden')}</p>;
  const title = kind === 'coupon' ? t('coupons.new') : t('promotions.new');
  return (
    <>
      <p>
        <Link to={base}>← {t('common.back')}</Link>
      </p>
      <PageTitle>{title}</PageTitle>
      <form onSubmit={submit} noValidate aria-label={title}>
        <FormError error={error} />
        <fieldset>
          <legend>{t('product.details')}</legend>
          <div className="form-grid">
            <TextField label={t('promo.name')} name="name" required value={d.name} onChange={(e) => set('name', e.target.value)} error={problems.name ?? fieldError(error, '/name')} />
            {kind === 'coupon' && <TextField label={t('promo.code')} name="code" hint={t('promo.codeHint')} value={d.code} onChange={(e) => set('code', e.target.value)} error={problems.code ?? fieldError(error, '/code')} />}
            <SelectField
              label={t('promo.campaign')}
              name="campaignId"
              value={d.campaignId}
              onChange={(e) => set('campaignId', e.target.value)}
              options={[{ value: '', label: t('promo.noCampaign') }, ...(campaigns.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))]}
            />
          </div>
        </fieldset>
        <fieldset>
          <legend>{t('promo.discount')}</legend>
          <div className="form-grid">
            <SelectField label={t('promo.actionType')} name="action" value={d.action} onChange={(e) => set('action', e.target.value as ActionType)} options={ACTIONS.map((a) => ({ value: a, label: t(`promo.type.${a}`) }))} />
            {d.action !== 'free_shipping' && (
              <TextField
                label={isPercent ? t('promo.percent') : t('promo.amount', { currency: d.currency })}
                name="value"
                inputMode="decimal"
                required
                value={d.value}
                onChange={(e) => set('value', e.target.value)}
                error={problems.value ?? fieldError(error, '/actions')}
              />
            )}
            <TextField label={t('product.currency')} name="currency" value={d.currency} maxLength={3} onChange={(e) => set('currency', e.target.value)} error={problems.currency} />
            <TextField label={t('promo.minSubtotal')} name="minSubtotal" inputMode="decimal" hint={t('promo.optional')} value={d.minSubtotal} onChange={(e) => set('minSubtotal', e.target.value)} error={problems.minSubtotal ?? fieldError(error, '/conditions')} />
          </div>
        </fieldset>
        <fieldset>
          <legend>{t('promo.limits')}</legend>
          <div className="form-grid">
            <SelectField
              label={t('promo.stacking')}
              name="stacking"
              value={d.stacking}
              onChange={(e) => set('stacking', e.target.value as Draft['stacking'])}
              options={[
                { value: 'stackable', label: t('promo.stackable') },
                { value: 'exclusive', label: t('promo.exclusive') },
              ]}
            />
            <TextField label={t('promo.priority')} name="priority" inputMode="numeric" hint={t('promo.priorityHint')} value={d.priority} onChange={(e) => set('priority', e.target.value)} error={problems.priority ?? fieldError(error, '/priority')} />
            <TextField label={t('promo.usageLimit')} name="usageLimit" inputMode="numeric" hint={t('promo.optional')} value={d.usageLimit} onChange={(e) => set('usageLimit', e.target.value)} error={problems.usageLimit ?? fieldError(error, '/usageLimit')} />
            <TextField label={t('promo.perCustomerLimit')} name="perCustomerLimit" inputMode="numeric" hint={t('promo.optional')} value={d.perCustomerLimit} onChange={(e) => set('perCustomerLimit', e.target.value)} error={problems.perCustomerLimit ?? fieldError(error, '/perCustomerLimit')} />
            <TextField label={t('promo.startsAt')} name="startsAt" type="datetime-local" value={d.startsAt} onChange={(e) => set('startsAt', e.target.value)} error={fieldError(error, '/startsAt')} />
            <TextField label={t('promo.endsAt')} name="endsAt" type="datetime-local" value={d.endsAt} onChange={(e) => set('endsAt', e.target.value)} error={problems.endsAt ?? fieldError(error, '/endsAt')} />
          </div>
          <CheckboxField label={t('promo.activeLabel')} name="active" checked={d.active} onChange={(e) => set('active', e.target.checked)} />
          {kind === 'coupon' && <CheckboxField label={t('promo.claimable')} name="claimable" checked={d.claimable} onChange={(e) => set('claimable', e.target.checked)} />}
        </fieldset>
        <button type="submit" disabled={busy}>
          {busy ? t('common.saving') : kind === 'coupon' ? t('coupons.create') : t('promotions.create')}
        </button>
      </form>
    </>
  );
}
