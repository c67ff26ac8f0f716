import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { dateTime, money } from '../format';
import { useI18n, type Translate } from '../i18n';
import { Link } from '../router';
import type { OrderSummary } from '../types';
import { DataTable, PagedTable, PageTitle, SelectField, StatusBadge, TextField, useLoad, usePager, type DataTableProps } from '../ui';

export const ORDER_STATUSES = ['pending_payment', 'paid', 'shipped', 'delivered', 'completed', 'cancelled', 'partially_refunded', 'refunded'] as const;

/** Orders: status filter, search (number, email, id) and cursor pagination over GET /admin/orders. */
export function Orders() {
  const { t, locale } = useI18n();
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
      <PagedTable list={list} pager={pager} empty={t('orders.empty')} {...orderTable(t, locale)} />
    </>
  );
}

/** The orders table's columns, shared with the customer screen's recent orders. */
function orderTable(t: Translate, locale: string): Omit<DataTableProps<OrderSummary>, 'rows'> {
  return {
    rowKey: (o) => o.id,
    rowAttributes: (o) => ({ 'data-order-id': o.id }),
    columns: [
      { header: t('orders.number'), cell: (o) => <Link to={`/orders/${o.id}`}>{o.number}</Link> },
      { header: t('orders.date'), cell: (o) => dateTime(o.createdAt, locale) },
      { header: t('orders.customer'), cell: (o) => o.email },
      { header: t('common.status'), cell: (o) => <StatusBadge status={o.status} /> },
      { header: t('orders.total'), num: true, cell: (o) => money(o.total, o.currency, locale) },
    ],
  };
}

export function OrderTable({ orders }: { orders: OrderSummary[] }) {
  const { t, locale } = useI18n();
  return <DataTable rows={orders} {...orderTable(t, locale)} />;
}
