import { CategoryScale, Chart as ChartJS, Filler, LinearScale, LineElement, PointElement, Tooltip } from 'chart.js';
import { Line } from 'react-chartjs-2';
import { api, ApiError, type Page } from '../api';
import { currencyDigits, money, percent } from '../format';
import { useI18n, type MessageKey } from '../i18n';
import { useSession } from '../session';
import type { Figure, OrderSummary, Overview } from '../types';
import { Empty, ErrorBanner, Loading, PageTitle, useLoad } from '../ui';
import { OrderTable } from './Orders';

// Only the chart parts the console draws, so the rest of chart.js stays out of the bundle.
ChartJS.register(CategoryScale, LinearScale, PointElement, LineElement, Filler, Tooltip);

const DAY = 86_400_000;
const REDUCED_MOTION = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
const isoDate = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** KPI tiles and the GMV chart from GET /admin/analytics/overview, and the latest orders. */
export function Dashboard() {
  const { t } = useI18n();
  const session = useSession();
  return (
    <>
      <PageTitle>{t('dash.title')}</PageTitle>
      {session.can('analytics:read') ? <AnalyticsOverview /> : <p className="hint">{t('dash.noAnalytics')}</p>}
      {session.can('orders:read') && <RecentOrders />}
    </>
  );
}

function AnalyticsOverview() {
  const { t, locale } = useI18n();
  const today = new Date();
  const from = isoDate(new Date(today.getTime() - 29 * DAY));
  const to = isoDate(today);
  // A missing report route (404) means this server has no analytics yet: show the placeholder.
  const overview = useLoad(
    () =>
      api<Overview>('GET', '/admin/analytics/overview', { query: { from, to, granularity: 'day' } }).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }),
    [from, to],
  );

  if (overview.loading) return <Loading />;
  if (overview.error) return <ErrorBanner error={overview.error} onRetry={overview.reload} />;
  const data = overview.data;
  if (!data) {
    return (
      <section className="placeholder" aria-label={t('dash.chartTitle')}>
        <p>{t('dash.chartsPending')}</p>
      </section>
    );
  }
  const cash = (n: number) => money(n, data.currency, locale);
  const unit = 10 ** currencyDigits(data.currency);
  const tiles: { key: keyof Overview['figures']; label: MessageKey; show: (n: number) => string }[] = [
    { key: 'gmv', label: 'dash.gmv', show: cash },
    { key: 'paidOrders', label: 'dash.paidOrders', show: (n) => n.toLocaleString(locale) },
    { key: 'averageOrderValue', label: 'dash.aov', show: cash },
    { key: 'refundRate', label: 'dash.refundRate', show: (n) => percent(n, locale).replace(/^\+/, '') },
    { key: 'newCustomers', label: 'dash.newCustomers', show: (n) => n.toLocaleString(locale) },
  ];
  return (
    <section aria-labelledby="kpi-title">
      <h2 id="kpi-title" className="subtle">
        {t('dash.period')}
      </h2>
      <ul className="tiles">
        {tiles.map((tile) => (
          <Tile key={tile.key} id={tile.key} label={t(tile.label)} figure={data.figures[tile.key]} show={tile.show} />
        ))}
      </ul>
      <figure className="chart">
        <figcaption>{t('dash.chartTitle')}</figcaption>
        <div className="chart-box">
          <Line
            aria-label={t('dash.chartTitle')}
            role="img"
            data={{
              labels: data.series.map((p) => p.bucket.slice(0, 10)),
              datasets: [{ label: t('dash.gmv'), data: data.series.map((p) => p.gmv / unit), borderColor: '#2457c5', backgroundColor: 'rgba(36,87,197,0.12)', fill: true, tension: 0.25, pointRadius: 2 }],
            }}
            options={{
              responsive: true,
              maintainAspectRatio: false,
              // No growing line for those who asked their system for less motion.
              animation: REDUCED_MOTION ? false : undefined,
              plugins: { tooltip: { callbacks: { label: (ctx) => cash(Math.round(Number(ctx.parsed.y) * unit)) } } },
              scales: { y: { beginAtZero: true } },
            }}
          />
        </div>
      </figure>
    </section>
  );
}

function Tile({ id, label, figure, show }: { id: string; label: string; figure: Figure | undefined; show(n: number): string }) {
  const { t, locale } = useI18n();
  if (!figure) return null;
  return (
    <li className="tile" data-testid={`kpi-${id}`}>
      <span className="tile-label">{label}</span>
      <strong className="tile-value">{show(figure.value)}</strong>
      <span className={`tile-change ${figure.change === null ? '' : figure.change >= 0 ? 'up' : 'down'}`}>
        {figure.change === null ? t('dash.noChange') : t('dash.change', { change: percent(figure.change, locale) })}
      </span>
    </li>
  );
}

function RecentOrders() {
  const { t } = useI18n();
  const orders = useLoad(() => api<Page<OrderSummary>>('GET', '/admin/orders', { query: { limit: 5 } }), []);
  return (
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">{t('dash.recentOrders')}</h2>
      <ErrorBanner error={orders.error} onRetry={orders.reload} />
      {orders.loading && <Loading />}
      {orders.data && orders.data.items.length === 0 && <Empty>{t('dash.noOrders')}</Empty>}
      {orders.data && orders.data.items.length > 0 && <OrderTable orders={orders.data.items} />}
    </section>
  );
}
