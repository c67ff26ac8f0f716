import type { BazaarApp } from './app.js';
import type { Config } from './platform/config.js';

export interface SeedResult {
  /** Demo products created on this start (0 when the catalog already had products). */
  demoProducts?: number;
  /** Demo behaviour events created on this start (absent when none: the shop already had events, or no products). */
  demoEvents?: number;
  owner?: { email: string; outcome: 'created' | 'updated' | 'unchanged' };
  /** Set only when an owner was generated: shown once to the operator, never logged. */
  generatedOwner?: { email: string; password: string };
}

/**
 * Generated shopper behaviour over the published catalog, so the demo's recommendations have
 * something to learn from; only into a shop without behaviour events.
 */
async function seedDemoBehaviour(app: BazaarApp): Promise<number> {
  const { catalog, recommendations } = app.modules;
  const products: { productId: string; categoryIds: string[]; brand: string | null }[] = [];
  for (let page = await catalog.contentItems(null, 1_000); page.length; page = await catalog.contentItems(page[page.length - 1]!.productId, 1_000)) {
    products.push(...page.map((p) => ({ productId: p.productId, categoryIds: p.categoryIds, brand: p.brand })));
  }
  if (products.length === 0) return 0;
  const categories = new Map((await catalog.listCategories()).map((c) => [c.handle, c.id]));
  return recommendations.seedDemo(products, categories);
}

export const DEMO_OWNER_EMAIL = 'owner@bazaar.local';

/**
 * Start-up data. The owner from `BAZAAR_ADMIN_EMAIL`/`BAZAAR_ADMIN_PASSWORD` is created or its
 * password reset. Otherwise, with demo data on and no staff at all, an owner with a random
 * password is created and returned so the caller can show it once. With demo data on, an empty
 * catalog gets the demo catalog.
 */
export async function seed(app: BazaarApp, config: Config): Promise<SeedResult> {
  const { staff, catalog } = app.modules;
  const result: SeedResult = {};
  if (config.admin.email && config.admin.password) {
    const outcome = await staff.ensureOwner(config.admin.email, config.admin.password.reveal());
    result.owner = { email: config.admin.email, outcome };
  } else if (config.demo && (await staff.hasNoStaff())) {
    const password = staff.generatePassword();
    await staff.ensureOwner(DEMO_OWNER_EMAIL, password);
    result.generatedOwner = { email: DEMO_OWNER_EMAIL, password };
  }
  if (config.demo) {
    const owner = (await staff.list({ limit: 1, role: 'owner', active: true })).items[0];
    if (owner) result.demoProducts = await catalog.seedDemo({ staffId: owner.id, ip: '127.0.0.1' });
    const events = await seedDemoBehaviour(app);
    if (events > 0) result.demoEvents = events;
  }
  return result;
}
