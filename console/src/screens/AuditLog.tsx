import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { dateTime } from '../format';
import { useI18n } from '../i18n';
import type { AuditEntry } from '../types';
import { PagedTable, PageTitle, TextField, useLoad, usePager } from '../ui';

interface Filters {
  action: string;
  actorId: string;
  targetType: string;
  targetId: string;
}

const NONE: Filters = { action: '', actorId: '', targetType: '', targetId: '' };

/** The audit log (GET /admin/audit-log), newest first: filter by action, actor and target; cursor pagination. */
export function AuditLog() {
  const { t, locale } = useI18n();
  const [draft, setDraft] = useState<Filters>(NONE);
  const [filters, setFilters] = useState<Filters>(NONE);
  const pager = usePager(JSON.stringify(filters));
  const list = useLoad(() => api<Page<AuditEntry>>('GET', '/admin/audit-log', { query: { ...filters, cursor: pager.cursor, limit: 25 } }), [filters, pager.cursor]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters({ action: draft.action.trim(), actorId: draft.actorId.trim(), targetType: draft.targetType.trim(), targetId: draft.targetId.trim() });
  };
  const field = (key: keyof Filters) => ({ value: draft[key], onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value })) });

  return (
    <>
      <PageTitle>{t('audit.title')}</PageTitle>
      <form className="filters" role="search" aria-label={t('audit.filters')} onSubmit={apply}>
        <TextField label={t('audit.action')} name="action" placeholder="customer.deleted" {...field('action')} />
        <TextField label={t('audit.actorId')} name="actorId" {...field('actorId')} />
        <TextField label={t('audit.targetType')} name="targetType" placeholder="order" {...field('targetType')} />
        <TextField label={t('audit.targetId')} name="targetId" {...field('targetId')} />
        <button type="submit">{t('audit.apply')}</button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setDraft(NONE);
            setFilters(NONE);
          }}
        >
          {t('audit.clear')}
        </button>
      </form>
      <PagedTable
        list={list}
        pager={pager}
        empty={t('audit.empty')}
        rowKey={(e) => e.id}
        rowAttributes={(e) => ({ 'data-audit-id': e.id })}
        columns={[
          { header: t('audit.when'), cell: (e) => dateTime(e.createdAt, locale) },
          { header: t('audit.actor'), cell: (e) => (e.actorType === 'system' ? t('audit.system') : <code>{e.actorId}</code>) },
          { header: t('audit.action'), cell: (e) => <code>{e.action}</code> },
          { header: t('audit.target'), cell: (e) => (e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '—') },
          {
            header: t('audit.details'),
            cellClass: 'data',
            cell: (e) =>
              Object.keys(e.data).length > 0
                ? Object.entries(e.data)
                    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
                    .join(' · ')
                : '—',
          },
          { header: 'IP', cell: (e) => e.ip ?? '—' },
        ]}
      />
    </>
  );
}
