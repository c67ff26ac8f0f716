import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { dateTime } from '../format';
import { useI18n } from '../i18n';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import type { Customer, CustomerDetail as Detail } from '../types';
import { ConfirmDialog, Empty, ErrorBanner, FormError, Loading, Notice, PagedTable, PageTitle, TextField, useLoad, usePager } from '../ui';

/** Customers: search by email or name, cursor pagination over GET /admin/customers. */
export function Customers() {
  const { t, locale } = useI18n();
  const [draft, setDraft] = useState('');
  const [q, setQ] = useState('');
  const pager = usePager(q);
  const list = useLoad(() => api<Page<Customer>>('GET', '/admin/customers', { query: { q, cursor: pager.cursor, limit: 20 } }), [q, pager.cursor]);
  const deleted = new URLSearchParams(window.location.search).has('deleted');

  const search = (event: FormEvent) => {
    event.preventDefault();
    setQ(draft.trim());
  };

  return (
    <>
      <PageTitle>{t('customers.title')}</PageTitle>
      {deleted && <Notice>{t('customer.deletedOk')}</Notice>}
      <form className="filters" role="search" onSubmit={search}>
        <TextField label={t('common.search')} type="search" placeholder={t('customers.search')} value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">{t('common.search')}</button>
      </form>
      <PagedTable
        list={list}
        pager={pager}
        empty={t('customers.empty')}
        rowKey={(c) => c.id}
        columns={[
          { header: t('customers.email'), cell: (c) => <Link to={`/customers/${c.id}`}>{c.email}</Link> },
          { header: t('customers.name'), cell: (c) => c.name ?? '—' },
          { header: t('customers.phone'), cell: (c) => c.phone ?? '—' },
          { header: t('customers.joined'), cell: (c) => dateTime(c.createdAt, locale) },
        ]}
      />
    </>
  );
}

/** One customer with their addresses; staff with `customers:write` may delete the account. */
export function CustomerDetail({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const session = useSession();
  const customer = useLoad(() => api<Detail>('GET', `/admin/customers/${encodeURIComponent(id)}`), [id]);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (customer.loading && !customer.data) return <Loading />;
  if (!customer.data) return <ErrorBanner error={customer.error} onRetry={customer.reload} />;
  const c = customer.data;

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('DELETE', `/admin/customers/${encodeURIComponent(c.id)}`);
      navigate('/customers?deleted=1', true);
    } catch (e) {
      setError(e);
      setConfirming(false);
      setBusy(false);
    }
  };

  return (
    <>
      <p>
        <Link to="/customers">← {t('common.back')}</Link>
      </p>
      <PageTitle>{c.name ? `${c.name} · ${c.email}` : c.email}</PageTitle>
      <div className="columns">
        <section aria-labelledby="customer-profile">
          <h2 id="customer-profile">{t('customer.profile')}</h2>
          <dl className="facts">
            <dt>{t('customers.email')}</dt>
            <dd>{c.email}</dd>
            <dt>{t('customers.name')}</dt>
            <dd>{c.name ?? '—'}</dd>
            <dt>{t('customers.phone')}</dt>
            <dd>{c.phone ?? '—'}</dd>
            <dt>{t('customer.locale')}</dt>
            <dd>{c.locale ?? '—'}</dd>
            <dt>{t('customers.joined')}</dt>
            <dd>{dateTime(c.createdAt, locale)}</dd>
            <dt>ID</dt>
            <dd>
              <code>{c.id}</code>
            </dd>
          </dl>
        </section>
        <section aria-labelledby="customer-actions" className="panel">
          <h2 id="customer-actions">{t('order.actions')}</h2>
          <p>
            <Link to={`/orders?q=${encodeURIComponent(c.email)}`}>{t('customer.orders')}</Link>
          </p>
          {session.can('customers:write') ? (
            <div className="action">
              <FormError error={error} />
              <p className="hint">{t('customer.deleteHint')}</p>
              <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={busy}>
                {t('customer.delete')}
              </button>
              <ConfirmDialog open={confirming} message={t('customer.deleteConfirm', { email: c.email })} confirmLabel={t('customer.delete')} busy={busy} onConfirm={() => void remove()} onCancel={() => setConfirming(false)} />
            </div>
          ) : (
            <p className="hint">{t('common.readOnly')}</p>
          )}
        </section>
      </div>
      <section aria-labelledby="customer-addresses">
        <h2 id="customer-addresses">{t('customer.addresses')}</h2>
        {c.addresses.length === 0 ? (
          <Empty>{t('customer.noAddresses')}</Empty>
        ) : (
          <ul className="history">
            {c.addresses.map((a) => (
              <li key={a.id}>
                <address>
                  {a.name}
                  {a.phone ? `, ${a.phone}` : ''}
                  {a.isDefaultShipping ? <span className="badge">{t('customer.default')}</span> : null}
                  <br />
                  {[a.line1, a.line2, a.district, a.city, a.province, a.postalCode, a.country].filter(Boolean).join(', ')}
                </address>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
