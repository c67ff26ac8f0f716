import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { dateTime } from '../format';
import { useI18n } from '../i18n';
import type { AuditEntry } from '../types';
import { ListStatus, Pager, PageTitle, TextField, useLoad, usePager } from '../ui';

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
      <ListStatus list={list} empty={t('audit.empty')} />
      {list.data && list.data.items.length > 0 && (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('audit.when')}</th>
                  <th scope="col">{t('audit.actor')}</th>
                  <th scope="col">{t('audit.action')}</th>
                  <th scope="col">{t('audit.target')}</th>
                  <th scope="col">{t('audit.details')}</th>
                  <th scope="col">IP</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((e) => (
                  <tr key={e.id} data-audit-id={e.id}>
                    <td>{dateTime(e.createdAt, locale)}</td>
                    <td>{e.actorType === 'system' ? t('audit.system') : <code>{e.actorId}</code>}</td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '—'}</td>
                    <td className="data">
                      {Object.keys(e.data).length > 0
                        ? Object.entries(e.data)
                            .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
                            .join(' · ')
                        : '—'}
                    </td>
                    <td>{e.ip ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={pager.page} nextCursor={list.data.nextCursor} onNext={pager.next} onPrevious={pager.previous} />
        </>
      )}
    </>
  );
}
