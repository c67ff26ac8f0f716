import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { dateTime, money } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';
import type { OrderSummary } from '../types';
import { ListStatus, Pager, PageTitle, SelectField, StatusBadge, TextField, useLoad, usePager } from '../ui';

export const ORDER_STATUSES = ['pending_payment', 'paid', 'shipped', 'delivered', 'completed', 'cancelled', 'partially_refunded', 'refunded'] as const;

/** Orders: status filter, search (number, email, id) and cursor pagination over GET /admin/orders. */
export function Orders() {
  const { t } = useI18n();
  const [status, setStatus] = useState('');
  // `?q=` preselects a search, as the customer screen's link to a customer's orders does.
  const [draft, setDraft] = useState(() => new URLSearchParams(window.location.search).get('q') ?? '');
  const [q, setQ] = useState(draft);
  const pager = usePager(`${status}|${q}`);
  const list = useLoad(() => api<Page<OrderSummary>>('GET', '/admin/orders', { query: { status, q, cursor: pager.cursor, limit: 20 } }), [status, q, pager.cursor]);

  const search = (event: FormEvent) => {
    event.preventDefault();
    setQ(draft.trim());
  };

  return (
    <>
      <PageTitle>{t('orders.title')}</PageTitle>
      <form className="filters" role="search" onSubmit={search}>
        <SelectField
          label={t('common.status')}
          value={status}
          onChange={(e) => setStatus(e.target.value)}
          options={[{ value: '', label: t('common.all') }, ...ORDER_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))]}
        />
        <TextField label={t('common.search')} type="search" placeholder={t('orders.search')} value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">{t('common.search')}</button>
      </form>
      <ListStatus list={list} empty={t('orders.empty')} />
      {list.data && list.data.items.length > 0 && (
        <>
          <OrderTable orders={list.data.items} />
          <Pager page={pager.page} nextCursor={list.data.nextCursor} onNext={pager.next} onPrevious={pager.previous} />
        </>
      )}
    </>
  );
}

export function OrderTable({ orders }: { orders: OrderSummary[] }) {
  const { t, locale } = useI18n();
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('orders.number')}</th>
            <th scope="col">{t('orders.date')}</th>
            <th scope="col">{t('orders.customer')}</th>
            <th scope="col">{t('common.status')}</th>
            <th scope="col" className="num">
              {t('orders.total')}
            </th>
          </tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr key={order.id} data-order-id={order.id}>
              <td>
                <Link to={`/orders/${order.id}`}>{order.number}</Link>
              </td>
              <td>{dateTime(order.createdAt, locale)}</td>
              <td>{order.email}</td>
              <td>
                <StatusBadge status={order.status} />
              </td>
              <td className="num">{money(order.total, order.currency, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
