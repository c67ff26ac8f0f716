import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nProvider, useI18n } from './i18n';
import { usePath } from './router';
import { SessionProvider, useSession } from './session';
import { Dashboard } from './screens/Dashboard';
import { OrderDetail } from './screens/OrderDetail';
import { Orders } from './screens/Orders';
import { ProductEdit, ProductNew } from './screens/ProductForm';
import { Products } from './screens/Products';
import { Shell } from './screens/Shell';
import { SignIn } from './screens/SignIn';
import { Empty } from './ui';
import './styles.css';

/** Picks the screen for a client route. */
function Screen({ path }: { path: string }) {
  const { t } = useI18n();
  if (path === '/' || path === '/sign-in') return <Dashboard />;
  if (path === '/orders') return <Orders />;
  const order = /^\/orders\/([^/]+)$/.exec(path);
  if (order) return <OrderDetail id={decodeURIComponent(order[1]!)} />;
  if (path === '/products') return <Products />;
  if (path === '/products/new') return <ProductNew />;
  const product = /^\/products\/([^/]+)$/.exec(path);
  if (product) return <ProductEdit id={decodeURIComponent(product[1]!)} created={new URLSearchParams(window.location.search).has('created')} />;
  return <Empty>{t('error.notFound')}</Empty>;
}

function App() {
  const session = useSession();
  const path = usePath();
  if (!session.staff) return <SignIn />;
  return (
    <Shell path={path}>
      {/* Keyed by route: each screen starts fresh (state, focus on its heading). */}
      <Screen key={path} path={path} />
    </Shell>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <SessionProvider>
        <App />
      </SessionProvider>
    </I18nProvider>
  </StrictMode>,
);
