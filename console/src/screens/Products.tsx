import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { dateTime } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';
import type { ProductListItem } from '../types';
import { PagedTable, PageTitle, SelectField, StatusBadge, TextField, useLoad, usePager } from '../ui';

export const PRODUCT_STATUSES = ['draft', 'published', 'archived'] as const;

/** Products: search, status filter and cursor pagination over GET /admin/products. */
export function Products() {
  const { t, locale } = useI18n();
  const session = useSession();
  const [status, setStatus] = useState('');
  const [draft, setDraft] = useState('');
  const [q, setQ] = useState('');
  const pager = usePager(`${status}|${q}`);
  const list = useLoad(() => api<Page<ProductListItem>>('GET', '/admin/products', { query: { status, q, cursor: pager.cursor, limit: 20 } }), [status, q, pager.cursor]);

  const search = (event: FormEvent) => {
    event.preventDefault();
    setQ(draft.trim());
  };

  return (
    <>
      <div className="title-row">
        <PageTitle>{t('products.title')}</PageTitle>
        {session.can('catalog:write') && (
          <div className="inline-actions">
            <Link className="button secondary" to="/products/import">
              {t('products.import')}
            </Link>
            <Link className="button" to="/products/new">
              {t('products.new')}
            </Link>
          </div>
        )}
      </div>
      <form className="filters" role="search" onSubmit={search}>
        <SelectField
          label={t('common.status')}
          value={status}
          onChange={(e) => setStatus(e.target.value)}
          options={[{ value: '', label: t('common.all') }, ...PRODUCT_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))]}
        />
        <TextField label={t('common.search')} type="search" placeholder={t('products.search')} value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">{t('common.search')}</button>
      </form>
      <PagedTable
        list={list}
        pager={pager}
        empty={t('products.empty')}
        rowKey={(p) => p.id}
        columns={[
          { header: t('products.name'), cell: (p) => <Link to={`/products/${p.id}`}>{p.title}</Link> },
          { header: t('products.handle'), cell: (p) => p.handle },
          { header: t('common.status'), cell: (p) => <StatusBadge status={p.status} /> },
          { header: t('products.variants'), num: true, cell: (p) => p.variantCount },
          { header: t('products.updated'), cell: (p) => dateTime(p.updatedAt, locale) },
        ]}
      />
    </>
  );
}
