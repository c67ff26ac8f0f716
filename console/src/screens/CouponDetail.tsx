import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { dateTime } from '../format';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';
import type { CouponCode, Promotion } from '../types';
import { Empty, ErrorBanner, fieldError, FormError, Loading, Notice, PageTitle, Pager, StatusBadge, TextField, useLoad, usePager } from '../ui';
import { describeAction, windowText } from './Promotions';

/** One coupon: its terms, its generated single-use codes, and a form to generate more. */
export function CouponDetail({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const session = useSession();
  const coupon = useLoad(() => api<Promotion>('GET', `/admin/coupons/${encodeURIComponent(id)}`), [id]);
  const [generation, setGeneration] = useState(0);
  const pager = usePager(String(generation));
  const codes = useLoad(() => api<Page<CouponCode>>('GET', `/admin/coupons/${encodeURIComponent(id)}/codes`, { query: { cursor: pager.cursor, limit: 50 } }), [id, pager.cursor, generation]);
  const [notice, setNotice] = useState<string | null>(() => (new URLSearchParams(window.location.search).has('created') ? t('promo.createdOk') : null));

  if (coupon.loading && !coupon.data) return <Loading />;
  if (!coupon.data) return <ErrorBanner error={coupon.error} onRetry={coupon.reload} />;
  const c = coupon.data;
  const currency = c.conditions.find((r) => r.type === 'currency' && Array.isArray(r.currencies))?.currencies as string[] | undefined;

  return (
    <>
      <p>
        <Link to="/coupons">← {t('common.back')}</Link>
      </p>
      <PageTitle>{c.name}</PageTitle>
      {notice && <Notice>{notice}</Notice>}
      <div className="columns">
        <section aria-labelledby="coupon-terms">
          <h2 id="coupon-terms">{t('order.summary')}</h2>
          <dl className="facts">
            <dt>{t('promo.code')}</dt>
            <dd>{c.code ? <code>{c.code}</code> : '—'}</dd>
            <dt>{t('promo.actions')}</dt>
            <dd>{c.actions.map((a) => describeAction(a, currency?.[0], t, locale)).join('; ')}</dd>
            <dt>{t('promo.used')}</dt>
            <dd>
              {c.usedCount}
              {c.usageLimit !== null ? ` / ${c.usageLimit}` : ''}
            </dd>
            <dt>{t('promo.perCustomerLimit')}</dt>
            <dd>{c.perCustomerLimit ?? '—'}</dd>
            <dt>{t('promo.window')}</dt>
            <dd>{windowText(c.startsAt, c.endsAt, t, locale)}</dd>
            <dt>{t('common.status')}</dt>
            <dd>
              <StatusBadge status={c.active ? 'active' : 'inactive'} />
            </dd>
          </dl>
        </section>
        {session.can('promotions:write') && (
          <section aria-labelledby="coupon-generate" className="panel">
            <h2 id="coupon-generate">{t('coupon.generate')}</h2>
            <GenerateCodes
              id={c.id}
              onDone={(n) => {
                setNotice(t('coupon.generatedOk', { n }));
                setGeneration((g) => g + 1);
              }}
            />
          </section>
        )}
      </div>
      <section aria-labelledby="coupon-codes">
        <h2 id="coupon-codes">{t('coupon.codes')}</h2>
        <ErrorBanner error={codes.error} onRetry={codes.reload} />
        {codes.loading && !codes.data ? <Loading /> : null}
        {codes.data && codes.data.items.length === 0 && <Empty>{t('coupon.noCodes')}</Empty>}
        {codes.data && codes.data.items.length > 0 && (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('promo.code')}</th>
                    <th scope="col" className="num">
                      {t('promo.used')}
                    </th>
                    <th scope="col">{t('coupon.claimedAt')}</th>
                    <th scope="col">{t('coupon.createdAt')}</th>
                  </tr>
                </thead>
                <tbody>
                  {codes.data.items.map((code) => (
                    <tr key={code.code}>
                      <td>
                        <code>{code.code}</code>
                      </td>
                      <td className="num">{code.usedCount}</td>
                      <td>{code.claimedAt ? dateTime(code.claimedAt, locale) : '—'}</td>
                      <td>{dateTime(code.createdAt, locale)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={pager.page} nextCursor={codes.data.nextCursor} onNext={pager.next} onPrevious={pager.previous} />
          </>
        )}
      </section>
    </>
  );
}

function GenerateCodes({ id, onDone }: { id: string; onDone(count: number): void }) {
  const { t } = useI18n();
  const [count, setCount] = useState('10');
  const [prefix, setPrefix] = useState('');
  const [local, setLocal] = useState<{ count?: string; prefix?: string }>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const n = Number(count);
    const problems = {
      count: /^\d+$/.test(count.trim()) && n >= 1 && n <= 10_000 ? undefined : t('coupon.countInvalid'),
      prefix: /^[A-Za-z0-9]{0,10}$/.test(prefix.trim()) ? undefined : t('coupon.prefixInvalid'),
    };
    setLocal(problems);
    if (problems.count || problems.prefix) return;
    setBusy(true);
    try {
      const result = await api<{ codes: string[] }>('POST', `/admin/coupons/${id}/codes`, { body: { count: n, ...(prefix.trim() ? { prefix: prefix.trim() } : {}) } });
      onDone(result.codes.length);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="coupon-generate">
      <FormError error={error} />
      <TextField label={t('coupon.count')} name="count" inputMode="numeric" value={count} onChange={(e) => (setCount(e.target.value), setLocal((l) => ({ ...l, count: undefined })))} error={local.count ?? fieldError(error, '/count')} />
      <TextField label={t('coupon.prefix')} name="prefix" hint={t('promo.optional')} value={prefix} onChange={(e) => (setPrefix(e.target.value), setLocal((l) => ({ ...l, prefix: undefined })))} error={local.prefix ?? fieldError(error, '/prefix')} />
      <button type="submit" disabled={busy}>
        {t('coupon.generateSubmit')}
      </button>
    </form>
  );
}
