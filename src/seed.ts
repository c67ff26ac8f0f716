import type { BazaarApp } from './app.js';
import type { Config } from './platform/config.js';

export interface SeedResult {
  owner?: { email: string; outcome: 'created' | 'updated' | 'unchanged' };
  /** Set only when an owner was generated: shown once to the operator, never logged. */
  generatedOwner?: { email: string; password: string };
}

export const DEMO_OWNER_EMAIL = 'owner@bazaar.local';

/**
 * Start-up data. The owner from `BAZAAR_ADMIN_EMAIL`/`BAZAAR_ADMIN_PASSWORD` is created or its
 * password reset. Otherwise, with demo data on and no staff at all, an owner with a random
 * password is created and returned so the caller can show it once.
 */
export async function seed(app: BazaarApp, config: Config): Promise<SeedResult> {
  const { staff } = app.modules;
  if (config.admin.email && config.admin.password) {
    const outcome = await staff.ensureOwner(config.admin.email, config.admin.password.reveal());
    return { owner: { email: config.admin.email, outcome } };
  }
  if (config.demo && (await staff.hasNoStaff())) {
    const password = staff.generatePassword();
    await staff.ensureOwner(DEMO_OWNER_EMAIL, password);
    return { generatedOwner: { email: DEMO_OWNER_EMAIL, password } };
  }
  return {};
}
