/**
 * The generated catalog the benchmarks load: N products × 4 colour variants in 20 categories
 * under 5 departments, CNY prices on every variant and USD on half the products, an en-US
 * title, stock on every SKU but one in seven. Loaded through the real NDJSON import.
 */
export const PER_PRODUCT = 4;
const BRANDS = ['Aurora', 'Nimbus', 'Kite', 'Soundwave', 'Echo', 'Vertex', 'Haven', 'Stride', 'Summit', 'Lumen'];
const NOUNS = ['耳机 Earbuds', '手机 Phone', '背包 Backpack', '台灯 Desk Lamp', '跑鞋 Running Shoes', '水杯 Bottle', '键盘 Keyboard', '外套 Jacket'];

async function adminCall(url: string, method: string, token: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${await res.text()}`);
  return res.json();
}

/** Five departments of four categories each, and a CNY → USD rate; returns the category handles. */
export async function seedTaxonomy(base: string, token: string): Promise<string[]> {
  const categories: string[] = [];
  for (let r = 0; r < 5; r++) {
    const root = await adminCall(`${base}/admin/categories`, 'POST', token, { handle: `dept-${r}`, name: `部门 ${r}` });
    for (let c = 0; c < 4; c++) {
      await adminCall(`${base}/admin/categories`, 'POST', token, { handle: `dept-${r}-cat-${c}`, name: `类目 ${r}-${c}`, parentId: root.id });
      categories.push(`dept-${r}-cat-${c}`);
    }
  }
  await adminCall(`${base}/admin/exchange-rates/CNY/USD`, 'PUT', token, { rate: '0.1387' });
  return categories;
}

/** The import file's rows (NDJSON lines), one per variant. */
export function catalogRows(products: number, categories: string[]): string[] {
  const lines: string[] = [];
  for (let p = 0; p < products; p++) {
    const noun = NOUNS[p % NOUNS.length]!;
    for (let v = 0; v < PER_PRODUCT; v++) {
      const row: Record<string, string | number> = {
        handle: `product-${p}`,
        sku: `SKU-${p}-${v}`,
        option1_name: '颜色',
        option1_value: ['黑色', '白色', '蓝色', '红色'][v]!,
        price_CNY: 1900 + ((p * 7919) % 200_000) + v * 100,
        stock: (p + v) % 7 === 0 ? 0 : 20,
      };
      if (v === 0) {
        Object.assign(row, {
          title: `${BRANDS[p % BRANDS.length]} ${noun} ${p}`,
          'title.en-US': `${BRANDS[p % BRANDS.length]} ${noun.split(' ').slice(1).join(' ')} ${p}`,
          status: 'published',
          brand: BRANDS[p % BRANDS.length]!,
          categories: categories[p % categories.length]!,
          tags: p % 3 === 0 ? 'new' : 'sale',
          image_urls: `https://picsum.photos/seed/p${p}/800/800`,
        });
        if (p % 2 === 0) row.price_USD = 300 + (p % 5000);
      }
      lines.push(JSON.stringify(row));
    }
  }
  return lines;
}

/** Runs the import job to its end, logging progress; returns its seconds and failed rows. */
export async function importCatalog(base: string, token: string, lines: string[]): Promise<{ seconds: number; failed: number }> {
  const started = Date.now();
  const accepted = await fetch(`${base}/admin/products/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` },
    body: lines.join('\n'),
  }).then((r) => r.json() as Promise<{ jobId: string }>);
  let job: { status: string; processed: number; total: number | null; failed: number };
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    job = await fetch(`${base}/admin/jobs/${accepted.jobId}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<typeof job>);
    process.stderr.write(`\rimport: ${job.processed}/${job.total ?? '?'} rows (${job.status})   `);
    if (job.status === 'succeeded' || job.status === 'failed') break;
  }
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(`\nimported ${lines.length} variants in ${seconds.toFixed(1)} s (${job.failed} failed)\n`);
  return { seconds, failed: job.failed };
}
