import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nProvider, useI18n } from './i18n';
import { usePath } from './router';
import { SessionProvider, useSession } from './session';
import { AuditLog } from './screens/AuditLog';
import { Campaigns } from './screens/Campaigns';
import { CouponDetail } from './screens/CouponDetail';
import { CustomerDetail, Customers } from './screens/Customers';
import { Dashboard } from './screens/Dashboard';
import { FlashSaleDetail, FlashSaleNew, FlashSales } from './screens/FlashSales';
import { OrderDetail } from './screens/OrderDetail';
import { Orders } from './screens/Orders';
import { ProductEdit } from './screens/ProductEdit';
import { ProductNew } from './screens/ProductForm';
import { ProductImport } from './screens/ProductImport';
import { Products } from './screens/Products';
import { PromotionNew } from './screens/PromotionForm';
import { Promotions } from './screens/Promotions';
import { Reviews } from './screens/Reviews';
import { Shell } from './screens/Shell';
import { SignIn } from './screens/SignIn';
import { Staff } from './screens/Staff';
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
  if (path === '/products/import') return <ProductImport />;
  const product = /^\/products\/([^/]+)$/.exec(path);
  if (product) return <ProductEdit id={decodeURIComponent(product[1]!)} created={new URLSearchParams(window.location.search).has('created')} />;
  if (path === '/customers') return <Customers />;
  const customer = /^\/customers\/([^/]+)$/.exec(path);
  if (customer) return <CustomerDetail id={decodeURIComponent(customer[1]!)} />;
  if (path === '/reviews') return <Reviews />;
  if (path === '/promotions') return <Promotions kind="automatic" />;
  if (path === '/promotions/new') return <PromotionNew kind="automatic" />;
  if (path === '/coupons') return <Promotions kind="coupon" />;
  if (path === '/coupons/new') return <PromotionNew kind="coupon" />;
  const coupon = /^\/coupons\/([^/]+)$/.exec(path);
  if (coupon) return <CouponDetail id={decodeURIComponent(coupon[1]!)} />;
  if (path === '/flash-sales') return <FlashSales />;
  if (path === '/flash-sales/new') return <FlashSaleNew />;
  const sale = /^\/flash-sales\/([^/]+)$/.exec(path);
  if (sale) return <FlashSaleDetail id={decodeURIComponent(sale[1]!)} />;
  if (path === '/campaigns') return <Campaigns />;
  if (path === '/staff') return <Staff />;
  if (path === '/audit-log') return <AuditLog />;
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
