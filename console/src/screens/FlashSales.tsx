import { useEffect, useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { dateTime, isoFromLocal, localFromIso, money, parseAmount } from '../format';
import { useI18n } from '../i18n';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import type { Campaign, FlashSale } from '../types';
import { ConfirmDialog, DataTable, ErrorBanner, fieldError, FormError, ListStatus, Loading, Notice, PageTitle, SelectField, StatusBadge, TextField, useLoad } from '../ui';

const STATUSES = ['scheduled', 'live', 'ended', 'cancelled'] as const;
const STEP = 25;
/** How often the detail screen refreshes a scheduled or live sale's remaining units. */
export const POLL_MS = 3000;

/** Flash sales, newest start first (GET /admin/flash-sales has no cursor: "Show more" raises the limit). */
export function FlashSales() {
  const { t, locale } = useI18n();
  const session = useSession();
  const [status, setStatus] = useState('');
  const [limit, setLimit] = useState(STEP);
  const list = useLoad(() => api<{ items: FlashSale[] }>('GET', '/admin/flash-sales', { query: { status, limit } }), [status, limit]);

  return (
    <>
      <div className="title-row">
        <PageTitle>{t('flash.title')}</PageTitle>
        {session.can('promotions:write') && (
          <Link className="button" to="/flash-sales/new">
            {t('flash.new')}
          </Link>
        )}
      </div>
      <div className="filters">
        <SelectField
          label={t('common.status')}
          value={status}
          onChange={(e) => (setStatus(e.target.value), setLimit(STEP))}
          options={[{ value: '', label: t('common.all') }, ...STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))]}
        />
      </div>
      <ListStatus list={list} empty={t('flash.empty')} />
      {list.data && list.data.items.length > 0 && (
        <>
          <DataTable
            rows={list.data.items}
            rowKey={(s) => s.id}
            columns={[
              {
                header: t('order.sku'),
                cell: (s) => (
                  <Link to={`/flash-sales/${s.id}`}>
                    {s.sku}
                    {s.title ? ` · ${s.title}` : ''}
                  </Link>
                ),
              },
              { header: t('flash.price'), num: true, cell: (s) => money(s.price, s.currency, locale) },
              { header: t('flash.remaining'), num: true, cell: (s) => `${s.remaining} / ${s.quantity}` },
              { header: t('flash.startsAt'), cell: (s) => dateTime(s.startsAt, locale) },
              { header: t('flash.endsAt'), cell: (s) => dateTime(s.endsAt, locale) },
              { header: t('common.status'), cell: (s) => <StatusBadge status={s.status} /> },
            ]}
          />
          {list.data.items.length >= limit && limit < 100 && (
            <nav className="pager" aria-label={t('flash.title')}>
              <button type="button" className="secondary" onClick={() => setLimit((n) => Math.min(100, n + STEP))} disabled={list.loading}>
                {t('common.more')}
              </button>
            </nav>
          )}
        </>
      )}
    </>
  );
}

interface Draft {
  sku: string;
  price: string;
  currency: string;
  quantity: string;
  perCustomerLimit: string;
  startsAt: string;
  endsAt: string;
  campaignId: string;
}

/** Schedule a flash sale: a SKU at a price for a number of units between two times. */
export function FlashSaleNew() {
  const { t } = useI18n();
  const session = useSession();
  const campaigns = useLoad(() => api<Page<Campaign>>('GET', '/admin/campaigns'), []);
  // Proposed times: starting in an hour, for an hour.
  const [d, setD] = useState<Draft>(() => {
    const start = Date.now() + 3_600_000;
    return {
      sku: '',
      price: '',
      currency: 'CNY',
      quantity: '100',
      perCustomerLimit: '1',
      startsAt: localFromIso(new Date(start).toISOString()),
      endsAt: localFromIso(new Date(start + 3_600_000).toISOString()),
      campaignId: '',
    };
  });
  const [local, setLocal] = useState<Partial<Record<keyof Draft, string>>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const set = (key: keyof Draft, value: string) => {
    setD((prev) => ({ ...prev, [key]: value }));
    setLocal((prev) => ({ ...prev, [key]: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const currency = d.currency.trim().toUpperCase();
    const price = parseAmount(d.price, currency || 'CNY');
    const startsAt = isoFromLocal(d.startsAt);
    const endsAt = isoFromLocal(d.endsAt);
    const whole = (text: string) => /^\d+$/.test(text.trim()) && Number(text) >= 1;
    const problems: Partial<Record<keyof Draft, string>> = {
      sku: d.sku.trim() ? undefined : t('common.required'),
      price: price === null ? t('product.amountInvalid') : undefined,
      currency: /^[A-Z]{3}$/.test(currency) ? undefined : t('promo.currencyInvalid'),
      quantity: whole(d.quantity) ? undefined : t('promo.integerInvalid'),
      perCustomerLimit: whole(d.perCustomerLimit) ? undefined : t('promo.integerInvalid'),
      startsAt: startsAt ? undefined : t('common.required'),
      endsAt: !endsAt ? t('common.required') : startsAt && endsAt <= startsAt ? t('promo.endBeforeStart') : undefined,
    };
    setLocal(problems);
    if (Object.values(problems).some(Boolean)) return;
    setBusy(true);
    try {
      const body = { sku: d.sku.trim(), price, currency, quantity: Number(d.quantity), perCustomerLimit: Number(d.perCustomerLimit), startsAt, endsAt, ...(d.campaignId ? { campaignId: d.campaignId } : {}) };
      const created = await api<FlashSale>('POST', '/admin/flash-sales', { body });
      navigate(`/flash-sales/${created.id}?created=1`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  if (!session.can('promotions:write')) return <p className="hint">{t('error.forbidden')}</p>;
  return (
    <>
      <p>
        <Link to="/flash-sales">← {t('common.back')}</Link>
      </p>
      <PageTitle>{t('flash.new')}</PageTitle>
      <form onSubmit={submit} noValidate aria-label={t('flash.new')}>
        <FormError error={error} />
        <fieldset>
          <legend>{t('product.details')}</legend>
          <div className="form-grid">
            <TextField label={t('order.sku')} name="sku" required value={d.sku} onChange={(e) => set('sku', e.target.value)} error={local.sku ?? fieldError(error, '/sku')} />
            <TextField label={t('flash.price')} name="price" inputMode="decimal" required value={d.price} onChange={(e) => set('price', e.target.value)} error={local.price ?? fieldError(error, '/price')} />
            <TextField label={t('product.currency')} name="currency" maxLength={3} value={d.currency} onChange={(e) => set('currency', e.target.value)} error={local.currency ?? fieldError(error, '/currency')} />
            <TextField label={t('flash.quantity')} name="quantity" inputMode="numeric" required value={d.quantity} onChange={(e) => set('quantity', e.target.value)} error={local.quantity ?? fieldError(error, '/quantity')} />
            <TextField label={t('promo.perCustomerLimit')} name="perCustomerLimit" inputMode="numeric" required value={d.perCustomerLimit} onChange={(e) => set('perCustomerLimit', e.target.value)} error={local.perCustomerLimit ?? fieldError(error, '/perCustomerLimit')} />
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
          <legend>{t('flash.schedule')}</legend>
          <div className="form-grid">
            <TextField label={t('flash.startsAt')} name="startsAt" type="datetime-local" required value={d.startsAt} onChange={(e) => set('startsAt', e.target.value)} error={local.startsAt ?? fieldError(error, '/startsAt')} />
            <TextField label={t('flash.endsAt')} name="endsAt" type="datetime-local" required value={d.endsAt} onChange={(e) => set('endsAt', e.target.value)} error={local.endsAt ?? fieldError(error, '/endsAt')} />
          </div>
          <p className="hint">{t('flash.reserveHint')}</p>
        </fieldset>
        <button type="submit" disabled={busy}>
          {busy ? t('common.saving') : t('flash.create')}
        </button>
      </form>
    </>
  );
}

/** One sale; while scheduled or live it re-reads the remaining units every few seconds. */
export function FlashSaleDetail({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const session = useSession();
  const sale = useLoad(() => api<FlashSale>('GET', `/admin/flash-sales/${encodeURIComponent(id)}`), [id]);
  const [notice, setNotice] = useState<string | null>(() => (new URLSearchParams(window.location.search).has('created') ? t('flash.createdOk') : null));
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const open = sale.data?.status === 'scheduled' || sale.data?.status === 'live';
  const { reload } = sale;

  useEffect(() => {
    if (!open) return;
    // A background tab need not poll; it catches up when it is shown again.
    const tick = () => {
      if (document.visibilityState === 'visible') reload();
    };
    const timer = window.setInterval(tick, POLL_MS);
    document.addEventListener('visibilitychange', tick);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [open, reload]);

  if (sale.loading && !sale.data) return <Loading />;
  if (!sale.data) return <ErrorBanner error={sale.error} onRetry={sale.reload} />;
  const s = sale.data;
  const canWrite = session.can('promotions:write');

  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      sale.setData(await api<FlashSale>('POST', `/admin/flash-sales/${s.id}/cancel`));
      setNotice(t('flash.cancelledOk'));
    } catch (e) {
      setError(e);
    } finally {
      setConfirming(false);
      setBusy(false);
    }
  };

  return (
    <>
      <p>
        <Link to="/flash-sales">← {t('common.back')}</Link>
      </p>
      <PageTitle>{t('flash.detailTitle', { sku: s.sku })}</PageTitle>
      {notice && <Notice>{notice}</Notice>}
      {/* A failed refresh keeps the last figures on screen, with the error above them. */}
      <ErrorBanner error={sale.error} onRetry={sale.reload} />
      <div className="columns">
        <section aria-labelledby="flash-stock">
          <h2 id="flash-stock">{t('flash.stock')}</h2>
          <p className="meter" data-testid="flash-remaining" aria-live="polite">
            {t('flash.remainingOf', { remaining: s.remaining, quantity: s.quantity })}
          </p>
          {open && <p className="hint">{t('flash.polling', { seconds: POLL_MS / 1000 })}</p>}
          <dl className="facts">
            <dt>{t('common.status')}</dt>
            <dd>
              <StatusBadge status={s.status} />
            </dd>
            <dt>{t('flash.sold')}</dt>
            <dd>{s.sold}</dd>
            <dt>{t('flash.price')}</dt>
            <dd>{money(s.price, s.currency, locale)}</dd>
            <dt>{t('promo.perCustomerLimit')}</dt>
            <dd>{s.perCustomerLimit}</dd>
            <dt>{t('flash.startsAt')}</dt>
            <dd>{dateTime(s.startsAt, locale)}</dd>
            <dt>{t('flash.endsAt')}</dt>
            <dd>{dateTime(s.endsAt, locale)}</dd>
          </dl>
        </section>
        <section aria-labelledby="flash-actions" className="panel">
          <h2 id="flash-actions">{t('order.actions')}</h2>
          {!canWrite && <p className="hint">{t('common.readOnly')}</p>}
          {canWrite && !open && <p className="hint">{t('order.noActions')}</p>}
          {canWrite && s.status === 'scheduled' && <Reschedule sale={s} onDone={(next) => (sale.setData(next), setNotice(t('flash.rescheduledOk')))} />}
          {canWrite && open && (
            <div className="action">
              <FormError error={error} />
              <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={busy}>
                {t('flash.cancel')}
              </button>
              <ConfirmDialog open={confirming} message={t('flash.cancelConfirm', { sku: s.sku })} confirmLabel={t('flash.cancel')} busy={busy} onConfirm={() => void cancel()} onCancel={() => setConfirming(false)} />
            </div>
          )}
        </section>
      </div>
    </>
  );
}

function Reschedule({ sale, onDone }: { sale: FlashSale; onDone(sale: FlashSale): void }) {
  const { t } = useI18n();
  const [startsAt, setStartsAt] = useState(localFromIso(sale.startsAt));
  const [endsAt, setEndsAt] = useState(localFromIso(sale.endsAt));
  const [local, setLocal] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const start = isoFromLocal(startsAt);
    const end = isoFromLocal(endsAt);
    if (!start || !end || end <= start) {
      setLocal(t('promo.endBeforeStart'));
      return;
    }
    setLocal(undefined);
    setBusy(true);
    try {
      onDone(await api<FlashSale>('PATCH', `/admin/flash-sales/${sale.id}`, { body: { startsAt: start, endsAt: end } }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate className="action" aria-labelledby="flash-reschedule">
      <h3 id="flash-reschedule">{t('flash.schedule')}</h3>
      <FormError error={error} />
      <TextField label={t('flash.startsAt')} name="startsAt" type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} error={fieldError(error, '/startsAt')} />
      <TextField label={t('flash.endsAt')} name="endsAt" type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} error={local ?? fieldError(error, '/endsAt')} />
      <button type="submit" disabled={busy}>
        {t('common.save')}
      </button>
    </form>
  );
}
