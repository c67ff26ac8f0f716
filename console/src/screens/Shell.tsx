import type { ReactNode } from 'react';
import { useI18n, type Lang, type MessageKey } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';

export function LanguageSwitch() {
  const { t, lang, setLang } = useI18n();
  return (
    <div className="lang">
      <label htmlFor="console-lang">{t('lang.label')}</label>
      <select id="console-lang" value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
        <option value="en">English</option>
        <option value="zh">中文</option>
      </select>
    </div>
  );
}

const NAV: { to: string; label: MessageKey; permission: string; match: (path: string) => boolean }[] = [
  { to: '/', label: 'nav.dashboard', permission: 'staff:self', match: (p) => p === '/' },
  { to: '/orders', label: 'nav.orders', permission: 'orders:read', match: (p) => p.startsWith('/orders') },
  { to: '/products', label: 'nav.products', permission: 'catalog:read', match: (p) => p.startsWith('/products') },
  { to: '/customers', label: 'nav.customers', permission: 'customers:read', match: (p) => p.startsWith('/customers') },
  { to: '/reviews', label: 'nav.reviews', permission: 'catalog:read', match: (p) => p.startsWith('/reviews') },
  { to: '/promotions', label: 'nav.promotions', permission: 'promotions:read', match: (p) => p.startsWith('/promotions') },
  { to: '/coupons', label: 'nav.coupons', permission: 'promotions:read', match: (p) => p.startsWith('/coupons') },
  { to: '/flash-sales', label: 'nav.flashSales', permission: 'promotions:read', match: (p) => p.startsWith('/flash-sales') },
  { to: '/campaigns', label: 'nav.campaigns', permission: 'promotions:read', match: (p) => p.startsWith('/campaigns') },
  { to: '/staff', label: 'nav.staff', permission: 'staff:read', match: (p) => p.startsWith('/staff') },
  { to: '/audit-log', label: 'nav.audit', permission: 'audit:read', match: (p) => p.startsWith('/audit-log') },
];

/** Header, navigation and the main landmark around every signed-in screen. */
export function Shell({ path, children }: { path: string; children: ReactNode }) {
  const { t } = useI18n();
  const session = useSession();
  const staff = session.staff!;
  return (
    <div className="shell">
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <span className="brand">{t('app.title')}</span>
        <span className="who">{t('session.signedInAs', { name: staff.name, role: staff.role })}</span>
        <LanguageSwitch />
        <button type="button" className="secondary" onClick={() => void session.signOut()}>
          {t('session.signOut')}
        </button>
      </header>
      <nav className="sidebar" aria-label={t('nav.label')}>
        <ul>
          {NAV.filter((item) => session.can(item.permission)).map((item) => (
            <li key={item.to}>
              <Link to={item.to} aria-current={item.match(path) ? 'page' : undefined}>
                {t(item.label)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
