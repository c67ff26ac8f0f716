import { useState, type FormEvent } from 'react';
import { api, ApiError, newKey } from '../api';
import { currencyDigits, dateTime, money, parseAmount } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';
import type { Order } from '../types';
import { ConfirmDialog, ErrorBanner, errorText, Loading, Notice, PageTitle, StatusBadge, TextField, useLoad } from '../ui';

/** One order: lines, totals, shipments, history, and the ship / cancel / refund actions. */
export function OrderDetail({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const session = useSession();
  const order = useLoad(() => api<Order>('GET', `/admin/orders/${encodeURIComponent(id)}`), [id]);
  const [notice, setNotice] = useState<string | null>(null);

  if (order.loading && !order.data) return <Loading />;
  if (!order.data) return <ErrorBanner error={order.error} onRetry={order.reload} />;
  const o = order.data;
  const fmt = (minor: number) => money(minor, o.currency, locale);
  const canWrite = session.can('orders:write');
  const refundable = o.paidTotal - o.refundedTotal;
  const canShip = ['paid', 'shipped', 'partially_refunded'].includes(o.status) && ['unfulfilled', 'partially_shipped'].includes(o.fulfillmentStatus);
  const canCancel = ['pending_payment', 'paid'].includes(o.status);
  const done = (message: string) => {
    setNotice(message);
    order.reload();
  };

  return (
    <>
      <p>
        <Link to="/orders">← {t('common.back')}</Link>
      </p>
      <PageTitle>{t('order.title', { number: o.number })}</PageTitle>
      {notice && <Notice>{notice}</Notice>}
      <ErrorBanner error={order.error} onRetry={order.reload} />
      <div className="columns">
        <section aria-labelledby="order-summary">
          <h2 id="order-summary">{t('order.summary')}</h2>
          <dl className="facts">
            <dt>{t('common.status')}</dt>
            <dd data-testid="order-status">
              <StatusBadge status={o.status} />
            </dd>
            <dt>{t('orders.payment')}</dt>
            <dd>
              <StatusBadge status={o.paymentStatus} />
            </dd>
            <dt>{t('orders.fulfillment')}</dt>
            <dd>
              <StatusBadge status={o.fulfillmentStatus} />
            </dd>
            <dt>{t('orders.customer')}</dt>
            <dd>{o.email}</dd>
            <dt>{t('orders.date')}</dt>
            <dd>{dateTime(o.createdAt, locale)}</dd>
            <dt>{t('order.subtotal')}</dt>
            <dd>{fmt(o.subtotal)}</dd>
            <dt>{t('order.discount')}</dt>
            <dd>{fmt(o.discountTotal)}</dd>
            <dt>{t('order.shipping')}</dt>
            <dd>{fmt(o.shippingTotal)}</dd>
            <dt>{t('order.tax')}</dt>
            <dd>{fmt(o.taxTotal)}</dd>
            <dt>{t('orders.total')}</dt>
            <dd>
              <strong>{fmt(o.total)}</strong>
            </dd>
            <dt>{t('order.paid')}</dt>
            <dd>{fmt(o.paidTotal)}</dd>
            <dt>{t('order.refunded')}</dt>
            <dd>{fmt(o.refundedTotal)}</dd>
          </dl>
          {o.shippingAddress && (
            <>
              <h3>{t('order.address')}</h3>
              <address>
                {o.shippingAddress.lastName}
                {o.shippingAddress.firstName}
                {o.shippingAddress.phone ? `, ${o.shippingAddress.phone}` : ''}
                <br />
                {[o.shippingAddress.line1, o.shippingAddress.line2, o.shippingAddress.city, o.shippingAddress.region, o.shippingAddress.postalCode, o.shippingAddress.country].filter(Boolean).join(', ')}
              </address>
            </>
          )}
        </section>
        <section aria-labelledby="order-actions" className="panel">
          <h2 id="order-actions">{t('order.actions')}</h2>
          {!canWrite && <p className="hint">{t('common.readOnly')}</p>}
          {canWrite && canShip && <ShipForm order={o} onDone={() => done(t('order.shippedOk'))} />}
          {canWrite && refundable > 0 && <RefundForm order={o} max={refundable} onDone={(status) => done(t('order.refundedOk', { status }))} />}
          {canWrite && canCancel && <CancelAction order={o} onDone={() => done(t('order.cancelledOk'))} />}
          {canWrite && !canShip && !canCancel && refundable <= 0 && <p className="hint">{t('order.noActions')}</p>}
        </section>
      </div>
      <section aria-labelledby="order-lines">
        <h2 id="order-lines">{t('order.lines')}</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('order.item')}</th>
                <th scope="col">{t('order.sku')}</th>
                <th scope="col" className="num">
                  {t('order.quantity')}
                </th>
                <th scope="col" className="num">
                  {t('order.shipped')}
                </th>
                <th scope="col" className="num">
                  {t('order.unitPrice')}
                </th>
                <th scope="col" className="num">
                  {t('order.lineTotal')}
                </th>
              </tr>
            </thead>
            <tbody>
              {o.items.map((line) => (
                <tr key={line.id}>
                  <td>
                    {line.title}
                    {line.variantTitle ? ` · ${line.variantTitle}` : ''}
                  </td>
                  <td>{line.sku}</td>
                  <td className="num">{line.quantity}</td>
                  <td className="num">{line.shippedQuantity}</td>
                  <td className="num">{fmt(line.unitPrice)}</td>
                  <td className="num">{fmt(line.total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <div className="columns">
        <section aria-labelledby="order-shipments">
          <h2 id="order-shipments">{t('order.shipments')}</h2>
          {o.shipments.length === 0 ? (
            <p className="state empty">{t('order.noShipments')}</p>
          ) : (
            <ul>
              {o.shipments.map((s) => (
                <li key={s.id}>
                  {s.carrier} {s.trackingNumber} · {dateTime(s.createdAt, locale)}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="order-history">
          <h2 id="order-history">{t('order.history')}</h2>
          {o.history.length === 0 ? (
            <p className="state empty">{t('order.noHistory')}</p>
          ) : (
            <ol className="history">
              {o.history.map((h, i) => (
                <li key={i}>
                  <time dateTime={h.at}>{dateTime(h.at, locale)}</time> {h.from ? <StatusBadge status={h.from} /> : null} → <StatusBadge status={h.to} />{' '}
                  <span className="hint">{t('order.by', { actor: h.actorType })}</span>
                  {h.note ? ` · ${h.note}` : ''}
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>
    </>
  );
}

function ShipForm({ order, onDone }: { order: Order; onDone(): void }) {
  const { t } = useI18n();
  const [carrier, setCarrier] = useState('');
  const [tracking, setTracking] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<{ carrier?: string; tracking?: string }>({});
  const fields = error instanceof ApiError ? error : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems = { carrier: carrier.trim() ? undefined : t('common.required'), tracking: tracking.trim() ? undefined : t('common.required') };
    setLocal(problems);
    setError(null);
    if (problems.carrier || problems.tracking) return;
    setBusy(true);
    try {
      await api('POST', `/admin/orders/${order.id}/ship`, { body: { carrier: carrier.trim(), trackingNumber: tracking.trim() } });
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="ship-title" className="action">
      <h3 id="ship-title">{t('order.shipTitle')}</h3>
      {error && !fields?.fields.length ? (
        <p role="alert" className="banner error">
          {errorText(error, t)}
        </p>
      ) : null}
      <TextField label={t('order.carrier')} name="carrier" value={carrier} onChange={(e) => (setCarrier(e.target.value), setLocal((l) => ({ ...l, carrier: undefined })))} error={local.carrier ?? fields?.fieldMessage('/carrier')} />
      <TextField label={t('order.tracking')} name="trackingNumber" value={tracking} onChange={(e) => (setTracking(e.target.value), setLocal((l) => ({ ...l, tracking: undefined })))} error={local.tracking ?? fields?.fieldMessage('/trackingNumber')} />
      <button type="submit" disabled={busy}>
        {t('order.ship')}
      </button>
    </form>
  );
}

function RefundForm({ order, max, onDone }: { order: Order; max: number; onDone(status: string): void }) {
  const { t, locale } = useI18n();
  const digits = currencyDigits(order.currency);
  const [amount, setAmount] = useState((max / 10 ** digits).toFixed(digits));
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<{ amount?: string; reason?: string }>({});
  // One key per confirmed refund: a retried request after a lost answer is not a second refund.
  const [key, setKey] = useState(newKey);
  const fields = error instanceof ApiError ? error : null;
  const maxText = money(max, order.currency, locale);

  const check = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const minor = parseAmount(amount, order.currency);
    const problems = {
      amount: minor === null || minor <= 0 || minor > max ? t('order.amountInvalid', { max: maxText }) : undefined,
      reason: reason.trim() ? undefined : t('common.required'),
    };
    setLocal(problems);
    if (problems.amount || problems.reason || minor === null) return;
    setConfirming(minor);
  };

  const refund = async () => {
    if (confirming === null) return;
    setBusy(true);
    try {
      const result = await api<{ status: string }>('POST', `/admin/orders/${order.id}/refunds`, { body: { amount: confirming, reason: reason.trim() }, headers: { 'idempotency-key': key } });
      setKey(newKey());
      setConfirming(null);
      onDone(result.status);
    } catch (e) {
      setConfirming(null);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={check} noValidate aria-labelledby="refund-title" className="action">
      <h3 id="refund-title">{t('order.refundTitle')}</h3>
      {error && !fields?.fields.length ? (
        <p role="alert" className="banner error">
          {errorText(error, t)}
        </p>
      ) : null}
      <TextField label={t('order.refundAmount', { currency: order.currency, max: maxText })} name="amount" inputMode="decimal" value={amount} onChange={(e) => (setAmount(e.target.value), setLocal((l) => ({ ...l, amount: undefined })))} error={local.amount ?? fields?.fieldMessage('/amount')} />
      <TextField label={t('order.refundReason')} name="reason" value={reason} onChange={(e) => (setReason(e.target.value), setLocal((l) => ({ ...l, reason: undefined })))} error={local.reason ?? fields?.fieldMessage('/reason')} />
      <button type="submit" className="danger" disabled={busy}>
        {t('order.refund')}
      </button>
      <ConfirmDialog
        open={confirming !== null}
        message={t('order.refundConfirm', { amount: money(confirming ?? 0, order.currency, locale), number: order.number })}
        confirmLabel={t('order.refund')}
        busy={busy}
        onConfirm={() => void refund()}
        onCancel={() => setConfirming(null)}
      />
    </form>
  );
}

function CancelAction({ order, onDone }: { order: Order; onDone(): void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fields = error instanceof ApiError ? error : null;

  const cancel = async () => {
    setBusy(true);
    try {
      await api('POST', `/admin/orders/${order.id}/cancel`, { body: reason.trim() ? { reason: reason.trim() } : {} });
      setConfirming(false);
      onDone();
    } catch (e) {
      setConfirming(false);
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="action"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        setError(null);
        setConfirming(true);
      }}
    >
      {error && !fields?.fields.length ? (
        <p role="alert" className="banner error">
          {errorText(error, t)}
        </p>
      ) : null}
      <TextField label={t('order.cancelReason')} name="cancelReason" value={reason} onChange={(e) => setReason(e.target.value)} error={fields?.fieldMessage('/reason')} />
      <button type="submit" className="danger" disabled={busy}>
        {t('order.cancel')}
      </button>
      <ConfirmDialog open={confirming} message={t('order.cancelConfirm', { number: order.number })} confirmLabel={t('order.cancel')} busy={busy} onConfirm={() => void cancel()} onCancel={() => setConfirming(false)} />
    </form>
  );
}
