import { useState } from 'react';
import { api, type Page } from '../api';
import { dateTime } from '../format';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import type { Review } from '../types';
import { ConfirmDialog, FormError, ListStatus, Notice, Pager, PageTitle, SelectField, StatusBadge, TextField, useLoad, usePager } from '../ui';

/** Review moderation over GET /admin/reviews: filter by status and rating, hide with a reason, show again. */
export function Reviews() {
  const { t } = useI18n();
  const session = useSession();
  const [status, setStatus] = useState('');
  const [rating, setRating] = useState('');
  const pager = usePager(`${status}|${rating}`);
  const list = useLoad(() => api<Page<Review>>('GET', '/admin/reviews', { query: { status, rating, cursor: pager.cursor, limit: 20 } }), [status, rating, pager.cursor]);
  const [notice, setNotice] = useState<string | null>(null);
  const canWrite = session.can('catalog:write');

  return (
    <>
      <PageTitle>{t('reviews.title')}</PageTitle>
      {notice && <Notice>{notice}</Notice>}
      <div className="filters">
        <SelectField
          label={t('common.status')}
          value={status}
          onChange={(e) => setStatus(e.target.value)}
          options={[
            { value: '', label: t('common.all') },
            { value: 'published', label: t('status.published') },
            { value: 'hidden', label: t('status.hidden') },
          ]}
        />
        <SelectField
          label={t('reviews.rating')}
          value={rating}
          onChange={(e) => setRating(e.target.value)}
          options={[{ value: '', label: t('common.all') }, ...[5, 4, 3, 2, 1].map((n) => ({ value: String(n), label: '★'.repeat(n) }))]}
        />
      </div>
      {!canWrite && <p className="hint">{t('common.readOnly')}</p>}
      <ListStatus list={list} empty={t('reviews.empty')} />
      {list.data && list.data.items.length > 0 && (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('reviews.rating')}</th>
                  <th scope="col">{t('reviews.review')}</th>
                  <th scope="col">{t('order.sku')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col">{t('reviews.date')}</th>
                  {canWrite && <th scope="col">{t('order.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((r) => (
                  <ReviewRow
                    key={r.id}
                    review={r}
                    canWrite={canWrite}
                    onChanged={(next) => {
                      setNotice(next.status === 'hidden' ? t('reviews.hiddenOk') : t('reviews.shownOk'));
                      list.reload();
                    }}
                  />
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

function ReviewRow({ review: r, canWrite, onChanged }: { review: Review; canWrite: boolean; onChanged(review: Review): void }) {
  const { t, locale } = useI18n();
  const [hiding, setHiding] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const run = async (call: () => Promise<Review>) => {
    setBusy(true);
    setError(null);
    try {
      const next = await call();
      setHiding(false);
      onChanged(next);
    } catch (e) {
      setError(e);
      setHiding(false);
    } finally {
      setBusy(false);
    }
  };
  const hide = () => {
    if (!reason.trim()) {
      setReasonError(t('common.required'));
      return;
    }
    void run(() => api<Review>('POST', `/admin/reviews/${r.id}/hide`, { body: { reason: reason.trim() } }));
  };

  return (
    <tr data-review-id={r.id}>
      <td aria-label={t('reviews.stars', { n: r.rating })}>{'★'.repeat(r.rating)}</td>
      <td>
        {r.title && <strong>{r.title}</strong>}
        <p className="quote">{r.body}</p>
        {r.hiddenReason && <p className="hint">{t('reviews.reason', { reason: r.hiddenReason })}</p>}
      </td>
      <td>{r.sku}</td>
      <td>
        <StatusBadge status={r.status} />
      </td>
      <td>{dateTime(r.createdAt, locale)}</td>
      {canWrite && (
        <td>
          <FormError error={error} />
          {r.status === 'published' ? (
            <button type="button" className="danger" disabled={busy} onClick={() => (setReason(''), setReasonError(undefined), setHiding(true))}>
              {t('reviews.hide')}
            </button>
          ) : (
            <button type="button" className="secondary" disabled={busy} onClick={() => void run(() => api<Review>('POST', `/admin/reviews/${r.id}/show`))}>
              {t('reviews.show')}
            </button>
          )}
          <ConfirmDialog open={hiding} message={t('reviews.hideConfirm')} confirmLabel={t('reviews.hide')} busy={busy} onConfirm={hide} onCancel={() => setHiding(false)}>
            <TextField label={t('reviews.hideReason')} name="hideReason" value={reason} onChange={(e) => (setReason(e.target.value), setReasonError(undefined))} error={reasonError} />
          </ConfirmDialog>
        </td>
      )}
    </tr>
  );
}
