import type { MigrationSet } from '../../platform/db/index.js';

/** The id of the location the migration creates; it is the default until another is made default. */
export const DEFAULT_LOCATION_ID = 'loc_default';

export const inventoryMigrations: MigrationSet = {
  '202611271000_inventory_stock': [
    `create table inventory_location (
       id text primary key,
       code text not null,
       name text not null,
       is_default boolean not null default false,
       created_at timestamptz not null default now(),
       constraint inventory_location_code_key unique (code),
       constraint inventory_location_code_format check (code ~ '^[a-z0-9][a-z0-9_-]{0,49}$')
     )`,
    `create unique index inventory_location_one_default on inventory_location (is_default) where is_default`,
    `insert into inventory_location (id, code, name, is_default) values ('${DEFAULT_LOCATION_ID}', 'default', 'Default location', true)`,
    `create table inventory_item (
       sku text primary key,
       variant_id text,
       allow_backorder boolean not null default false,
       low_stock_threshold integer not null default 5,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint inventory_item_sku_format check (length(sku) between 1 and 100),
       constraint inventory_item_threshold_nonnegative check (low_stock_threshold >= 0)
     )`,
    `create index inventory_item_variant_idx on inventory_item (variant_id) where variant_id is not null`,
    // No CHECK (reserved <= on_hand): a backorder item may reserve beyond its stock. For the other
    // items the guarded UPDATEs in reservations.ts and stock.ts keep it.
    `create table inventory_level (
       sku text not null references inventory_item (sku) on delete cascade on update cascade,
       location_id text not null references inventory_location (id),
       on_hand integer not null default 0,
       reserved integer not null default 0,
       updated_at timestamptz not null default now(),
       primary key (sku, location_id),
       constraint inventory_level_on_hand_nonnegative check (on_hand >= 0),
       constraint inventory_level_reserved_nonnegative check (reserved >= 0)
     )`,
    `create index inventory_level_location_idx on inventory_level (location_id)`,
    // No foreign key to inventory_item: the ledger outlives removed items.
    `create table inventory_movement (
       id text primary key,
       sku text not null,
       location_id text not null references inventory_location (id),
       kind text not null,
       delta_on_hand integer not null,
       delta_reserved integer not null,
       on_hand_after integer not null,
       reserved_after integer not null,
       reason text,
       reference text,
       actor_id text,
       created_at timestamptz not null default now(),
       constraint inventory_movement_kind check (kind in ('set', 'adjust', 'reserve', 'release', 'commit', 'import'))
     )`,
    `create index inventory_movement_sku_idx on inventory_movement (sku, id)`,
    `create table inventory_reservation (
       id text primary key,
       reference text,
       status text not null default 'active',
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       constraint inventory_reservation_status check (status in ('active', 'released', 'committed'))
     )`,
    `create index inventory_reservation_reference_idx on inventory_reservation (reference) where reference is not null`,
    `create table inventory_reservation_line (
       reservation_id text not null references inventory_reservation (id) on delete cascade,
       sku text not null,
       location_id text not null references inventory_location (id),
       quantity integer not null,
       primary key (reservation_id, sku, location_id),
       constraint inventory_reservation_line_quantity_positive check (quantity > 0)
     )`,
    `create index inventory_reservation_line_sku_idx on inventory_reservation_line (sku)`,
    // LATERAL rather than GROUP BY: a join on sku from another module's query then reads only the
    // joined SKUs' levels (index on the level primary key) instead of aggregating every level first.
    `create view inventory_sku_availability as
     select i.sku,
            t.on_hand,
            t.reserved,
            t.on_hand - t.reserved as available,
            i.allow_backorder,
            i.low_stock_threshold
       from inventory_item i
       cross join lateral (
         select coalesce(sum(l.on_hand), 0)::integer as on_hand,
                coalesce(sum(l.reserved), 0)::integer as reserved
           from inventory_level l
          where l.sku = i.sku
       ) t`,
  ],
  '202611281010_inventory_restock': [
    `alter table inventory_movement drop constraint inventory_movement_kind`,
    `alter table inventory_movement add constraint inventory_movement_kind check (kind in ('set', 'adjust', 'reserve', 'release', 'commit', 'import', 'restock'))`,
  ],
};
