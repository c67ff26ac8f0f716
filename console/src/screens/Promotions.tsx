import { useState } from 'react';
import { api, type Page } from '../api';
import { dateTime, money } from '../format';
import { useI18n, type Translate } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';
import type { Promotion, Rule } from '../types';
import { ConfirmDialog, FormError, Notice, PagedTable, PageTitle, StatusBadge, useLoad, usePager } from '../ui';

export type PromotionKind = 'automatic' | 'coupon';

/** Where each kind lives in the API and in the console. */
export const KIND_BASE: Record<PromotionKind, string> = { automatic: '/promotions', coupon: '/coupons' };

/** The currency a promotion's fixed amounts are in, from its `currency` or `min_subtotal` condition. */
function currencyOf(p: Promotion): string | undefined {
  for (const c of p.conditions) {
    if (c.type === 'currency' && Array.isArray(c.currencies) && c.currencies.length === 1) return String(c.currencies[0]);
    if (c.type === 'min_subtotal' && typeof c.currency === 'string') return c.currency;
  }
  return undefined;
}

/** One action in words: "10% off the order", "¥5.00 off matching items". */
export function describeAction(rule: Rule, currency: string | undefined, t: Translate, locale: string): string {
  const pct = (bps: unknown) => `${Number(bps) / 100}%`;
  const cash = (amount: unknown) => (currency ? money(Number(amount), currency, locale) : String(amount));
  switch (rule.type) {
    case 'percent_off_order':
      return t('promo.action.percent_off_order', { value: pct(rule.bps) });
    case 'percent_off_items':
      return t('promo.action.percent_off_items', { value: pct(rule.bps) });
    case 'amount_off_order':
      return t('promo.action.amount_off_order', { value: cash(rule.amount) });
    case 'amount_off_items':
      return t('promo.action.amount_off_items', { value: cash(rule.amount) });
    case 'free_shipping':
      return t('promo.action.free_shipping');
    default:
      return rule.type;
  }
}

/** Promotions (automatic) or coupons: the list, with delete for `promotions:write`. */
export function Promotions({ kind }: { kind: PromotionKind }) {
  const { t, locale } = useI18n();
  const session = useSession();
  const base = KIND_BASE[kind];
  const pager = usePager(kind);
  const list = useLoad(() => api<Page<Promotion>>('GET', `/admin${base}`, { query: { kind, cursor: pager.cursor, limit: 20 } }), [kind, pager.cursor]);
  const [removing, setRemoving] = useState<Promotion | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(() => (new URLSearchParams(window.location.search).has('created') ? t('promo.createdOk') : null));
  const canWrite = session.can('promotions:write');
  const title = kind === 'coupon' ? t('coupons.title') : t('promotions.title');

  const remove = async () => {
    if (!removing) return;
    setBusy(true);
    setError(null);
    try {
      await api('DELETE', `/admin${base}/${removing.id}`);
      setNotice(t('promo.deletedOk', { name: removing.name }));
      list.reload();
    } catch (e) {
      setError(e);
    } finally {
      setRemoving(null);
      setBusy(false);
    }
  };

  return (
    <>
      <div className="title-row">
        <PageTitle>{title}</PageTitle>
        {canWrite && (
          <Link className="button" to={`${base}/new`}>
            {kind === 'coupon' ? t('coupons.new') : t('promotions.new')}
          </Link>
        )}
      </div>
      {notice && <Notice>{notice}</Notice>}
      <FormError error={error} />
      <PagedTable
        list={list}
        pager={pager}
        empty={kind === 'coupon' ? t('coupons.empty') : t('promotions.empty')}
        rowKey={(p) => p.id}
        columns={[
          { header: t('promo.name'), cell: (p) => (kind === 'coupon' ? <Link to={`/coupons/${p.id}`}>{p.name}</Link> : p.name) },
          kind === 'coupon' && { header: t('promo.code'), cell: (p) => (p.code ? <code>{p.code}</code> : '—') },
          { header: t('promo.actions'), cell: (p) => p.actions.map((a) => describeAction(a, currencyOf(p), t, locale)).join('; ') },
          { header: t('promo.used'), num: true, cell: (p) => `${p.usedCount}${p.usageLimit !== null ? ` / ${p.usageLimit}` : ''}` },
          { header: t('promo.window'), cell: (p) => windowText(p.startsAt, p.endsAt, t, locale) },
          { header: t('common.status'), cell: (p) => <StatusBadge status={p.active ? 'active' : 'inactive'} /> },
          canWrite && {
            header: t('order.actions'),
            cell: (p) => (
              <button type="button" className="danger" onClick={() => setRemoving(p)} aria-label={t('promo.deleteNamed', { name: p.name })}>
                {t('common.remove')}
              </button>
            ),
          },
        ]}
      />
      <ConfirmDialog open={removing !== null} message={t('promo.deleteConfirm', { name: removing?.name ?? '' })} confirmLabel={t('common.remove')} busy={busy} onConfirm={() => void remove()} onCancel={() => setRemoving(null)} />
    </>
  );
}

/** "from … until …", or "always". */
export function windowText(startsAt: string | null, endsAt: string | null, t: Translate, locale: string): string {
  if (!startsAt && !endsAt) return t('promo.always');
  return [startsAt ? t('promo.from', { at: dateTime(startsAt, locale) }) : '', endsAt ? t('promo.until', { at: dateTime(endsAt, locale) }) : ''].filter(Boolean).join(' ');
}
