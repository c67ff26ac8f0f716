import type { Actor, CatalogDeps } from './deps.js';
import { createAttribute } from './attributes.js';
import { createCategory } from './categories.js';
import { createCollection } from './collections.js';
import { putExchangeRate } from './exchange-rates.js';
import { runImport } from './import.js';

/**
 * The demo shop: a bilingual (zh-CN / en-US) catalog of 240 products in a two-level category
 * tree, with options, prices in CNY and USD, stock and images, generated deterministically so
 * every fresh start shows the same shop. Loaded through the product import, like a merchant's file.
 */

interface Leaf {
  handle: string;
  zh: string;
  en: string;
  nouns: [zh: string, en: string][];
  brands: string[];
  options: { zh: string; en: string; values: [zh: string, en: string][] }[];
  price: [min: number, max: number];
  attrs?: (i: number) => Record<string, string | number | boolean>;
}

const TREE: { handle: string; zh: string; en: string; leaves: Leaf[] }[] = [
  {
    handle: 'electronics', zh: '数码电子', en: 'Electronics',
    leaves: [
      { handle: 'phones', zh: '手机', en: 'Phones', nouns: [['智能手机', 'Smartphone'], ['5G 手机', '5G Phone'], ['折叠屏手机', 'Foldable Phone']], brands: ['Aurora', 'Nimbus', 'Kite'],
        options: [{ zh: '颜色', en: 'Color', values: [['黑色', 'Black'], ['白色', 'White'], ['蓝色', 'Blue']] }, { zh: '存储', en: 'Storage', values: [['128GB', '128GB'], ['256GB', '256GB']] }],
        price: [1999, 8999], attrs: (i) => ({ screenSize: 6.1 + (i % 5) * 0.2, waterproof: i % 2 === 0 }) },
      { handle: 'headphones', zh: '耳机', en: 'Headphones', nouns: [['无线蓝牙耳机', 'Wireless Bluetooth Earbuds'], ['头戴式降噪耳机', 'Noise Cancelling Headphones'], ['运动耳机', 'Sports Earphones']], brands: ['Soundwave', 'Echo', 'Pulse'],
        options: [{ zh: '颜色', en: 'Color', values: [['黑色', 'Black'], ['白色', 'White']] }], price: [199, 2499], attrs: (i) => ({ waterproof: i % 3 !== 0 }) },
      { handle: 'laptops', zh: '笔记本电脑', en: 'Laptops', nouns: [['轻薄笔记本', 'Ultrabook'], ['游戏本', 'Gaming Laptop'], ['二合一平板电脑', '2-in-1 Tablet PC']], brands: ['Vertex', 'Nimbus'],
        options: [{ zh: '内存', en: 'Memory', values: [['16GB', '16GB'], ['32GB', '32GB']] }], price: [4999, 14999], attrs: (i) => ({ screenSize: 13 + (i % 4) }) },
      { handle: 'smart-home', zh: '智能家居', en: 'Smart Home', nouns: [['智能音箱', 'Smart Speaker'], ['智能灯泡', 'Smart Bulb'], ['扫地机器人', 'Robot Vacuum']], brands: ['Haven', 'Kite'],
        options: [], price: [99, 2999] },
    ],
  },
  {
    handle: 'apparel', zh: '服饰', en: 'Apparel',
    leaves: [
      { handle: 'mens', zh: '男装', en: "Men's", nouns: [['纯棉 T 恤', 'Cotton T-Shirt'], ['羊毛衫', 'Wool Sweater'], ['休闲裤', 'Chinos']], brands: ['Linen & Co', 'Northway'],
        options: [{ zh: '尺码', en: 'Size', values: [['S', 'S'], ['M', 'M'], ['L', 'L'], ['XL', 'XL']] }], price: [79, 699], attrs: (i) => ({ material: i % 2 ? 'cotton' : 'wool' }) },
      { handle: 'womens', zh: '女装', en: "Women's", nouns: [['连衣裙', 'Dress'], ['针织开衫', 'Knit Cardigan'], ['真丝衬衫', 'Silk Blouse']], brands: ['Lumen', 'Northway'],
        options: [{ zh: '尺码', en: 'Size', values: [['S', 'S'], ['M', 'M'], ['L', 'L']] }, { zh: '颜色', en: 'Color', values: [['米色', 'Beige'], ['黑色', 'Black']] }], price: [129, 1299],
        attrs: (i) => ({ material: ['cotton', 'wool', 'silk'][i % 3]! }) },
      { handle: 'shoes', zh: '鞋靴', en: 'Shoes', nouns: [['跑步鞋', 'Running Shoes'], ['帆布鞋', 'Canvas Sneakers'], ['登山靴', 'Hiking Boots']], brands: ['Stride', 'Summit'],
        options: [{ zh: '尺码', en: 'Size', values: [['39', '39'], ['40', '40'], ['41', '41'], ['42', '42']] }], price: [199, 1299], attrs: (i) => ({ waterproof: i % 3 === 2 }) },
    ],
  },
  {
    handle: 'home', zh: '家居生活', en: 'Home & Living',
    leaves: [
      { handle: 'kitchen', zh: '厨房用品', en: 'Kitchen', nouns: [['不粘锅', 'Non-stick Pan'], ['电饭煲', 'Rice Cooker'], ['手冲咖啡壶', 'Pour-over Coffee Kettle']], brands: ['Hearth', 'Haven'],
        options: [], price: [59, 1599] },
      { handle: 'bedding', zh: '床上用品', en: 'Bedding', nouns: [['纯棉四件套', 'Cotton Bedding Set'], ['蚕丝被', 'Silk Duvet'], ['记忆棉枕头', 'Memory Foam Pillow']], brands: ['Dream', 'Hearth'],
        options: [{ zh: '规格', en: 'Size', values: [['1.5米', 'Queen'], ['1.8米', 'King']] }], price: [99, 2599], attrs: (i) => ({ material: ['cotton', 'silk'][i % 2]! }) },
    ],
  },
  {
    handle: 'sports', zh: '运动户外', en: 'Sports & Outdoors',
    leaves: [
      { handle: 'fitness', zh: '健身器材', en: 'Fitness', nouns: [['瑜伽垫', 'Yoga Mat'], ['可调哑铃', 'Adjustable Dumbbells'], ['跳绳', 'Jump Rope']], brands: ['Core', 'Stride'],
        options: [], price: [39, 1999] },
      { handle: 'camping', zh: '露营装备', en: 'Camping', nouns: [['双人帐篷', 'Two-person Tent'], ['睡袋', 'Sleeping Bag'], ['户外炉具', 'Camping Stove']], brands: ['Summit', 'Trail'],
        options: [{ zh: '颜色', en: 'Color', values: [['军绿', 'Olive'], ['橙色', 'Orange']] }], price: [129, 2899], attrs: (i) => ({ waterproof: i % 2 === 0 }) },
    ],
  },
  {
    handle: 'beauty', zh: '美妆个护', en: 'Beauty',
    leaves: [
      { handle: 'skincare', zh: '护肤', en: 'Skincare', nouns: [['保湿面霜', 'Moisturising Cream'], ['防晒霜', 'Sunscreen'], ['精华液', 'Serum']], brands: ['Lumen', 'Petal'],
        options: [{ zh: '容量', en: 'Volume', values: [['30ml', '30ml'], ['50ml', '50ml']] }], price: [89, 899] },
    ],
  },
];

const ADJECTIVES: [string, string][] = [['经典款', 'Classic'], ['升级版', 'Plus'], ['轻盈', 'Air'], ['专业版', 'Pro'], ['旗舰', 'Max'], ['青春版', 'Lite'], ['限定版', 'Limited'], ['城市', 'Urban']];

/** A tiny deterministic PRNG (mulberry32), so the demo shop is the same on every machine. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function product(rows: Record<string, string | number | boolean>[], leaf: Leaf, index: number, rnd: () => number): void {
  const [nounZh, nounEn] = leaf.nouns[index % leaf.nouns.length]!;
  const [adjZh, adjEn] = ADJECTIVES[Math.floor(index / leaf.nouns.length) % ADJECTIVES.length]!;
  const brand = leaf.brands[index % leaf.brands.length]!;
  const handle = `${leaf.handle}-${index + 1}`;
  // Shelf prices end in 9 yuan (¥199, ¥1299), as shops price them.
  const yuan = Math.floor((leaf.price[0] + rnd() * (leaf.price[1] - leaf.price[0])) / 10) * 10 + 9;
  const cny = yuan * 100;
  const combos: [string, string][][] = leaf.options.reduce<[string, string][][]>(
    (acc, o) => acc.flatMap((c) => o.values.map((v) => [...c, v])),
    [[]],
  );
  const attrs = leaf.attrs?.(index) ?? {};
  combos.forEach((combo, k) => {
    const row: Record<string, string | number | boolean> = { handle, sku: `${leaf.handle.toUpperCase().slice(0, 4)}-${index + 1}-${k + 1}` };
    if (k === 0) {
      Object.assign(row, {
        title: `${brand} ${nounZh} ${adjZh}`,
        'title.en-US': `${brand} ${adjEn} ${nounEn}`,
        description: `${brand} ${adjZh}${nounZh}，品质之选，适合日常使用。`,
        'description.en-US': `The ${brand} ${adjEn} ${nounEn}: well made and built for everyday use.`,
        status: 'published',
        brand,
        tags: [leaf.handle, index % 4 === 0 ? 'new' : 'bestseller'].join('|'),
        categories: leaf.handle,
        image_urls: [1, 2].map((n) => `https://picsum.photos/seed/bazaar-${handle}-${n}/800/800`).join('|'),
      });
      for (const [name, value] of Object.entries(attrs)) row[`attr.${name}`] = value;
    }
    combo.forEach(([valueZh], n) => {
      row[`option${n + 1}_name`] = leaf.options[n]!.zh;
      row[`option${n + 1}_value`] = valueZh;
    });
    const step = k * 1000;
    row.price_CNY = cny + step;
    if (index % 3 === 0) row.compare_at_price_CNY = Math.round((cny + step) * 1.2);
    if (index % 2 === 0) row.price_USD = Math.round(((cny + step) * 0.14) / 100) * 100 - 1;
    row.stock = Math.floor(rnd() * 60);
    rows.push(row);
  });
}

/** Loads the demo catalog into an empty shop. Returns how many products it created. */
export async function seedDemoCatalog(deps: CatalogDeps, actor: Actor): Promise<number> {
  const existing = await deps.db.selectFrom('catalogProduct').select('id').limit(1).executeTakeFirst();
  if (existing) return 0;
  await createAttribute(deps, actor, { name: 'material', type: 'enum', label: '材质', values: ['cotton', 'wool', 'silk'], translations: { 'en-US': { label: 'Material', values: { cotton: 'Cotton', wool: 'Wool', silk: 'Silk' } } } });
  await createAttribute(deps, actor, { name: 'screenSize', type: 'number', label: '屏幕尺寸（英寸）', translations: { 'en-US': { label: 'Screen size (in)' } } });
  await createAttribute(deps, actor, { name: 'waterproof', type: 'boolean', label: '防水', translations: { 'en-US': { label: 'Waterproof' } } });
  for (const [i, root] of TREE.entries()) {
    const parent = await createCategory(deps, actor, { handle: root.handle, name: root.zh, position: i, translations: { 'en-US': { name: root.en } } });
    for (const [j, leaf] of root.leaves.entries()) {
      await createCategory(deps, actor, { handle: leaf.handle, name: leaf.zh, parentId: parent.id, position: j, translations: { 'en-US': { name: leaf.en } } });
    }
  }
  if (deps.shop.currencies.includes('USD') && deps.shop.defaultCurrency === 'CNY') {
    await putExchangeRate(deps, actor, { base: 'CNY', quote: 'USD', rate: '0.1387' });
  }
  const rnd = random(20261127);
  const rows: Record<string, string | number | boolean>[] = [];
  const leaves = TREE.flatMap((r) => r.leaves);
  for (let i = 0; i < 240; i++) product(rows, leaves[i % leaves.length]!, Math.floor(i / leaves.length), rnd);
  const content = rows.map((r) => JSON.stringify(r)).join('\n');
  const summary = await runImport(deps, 'ndjson', content, { total: () => {}, progress: () => {} });
  const picks = await deps.db.selectFrom('catalogProduct').select('id').where('handle', 'like', 'headphones-%').orderBy('id').limit(6).execute();
  await createCollection(deps, actor, {
    handle: 'editors-picks',
    title: '编辑精选',
    translations: { 'en-US': { title: "Editor's picks" } },
    productIds: picks.map((p) => p.id),
  });
  return summary.products.created;
}
