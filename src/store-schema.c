/*
 * store-schema.c -- the store's schema as numbered migrations.
 *
 * Each migration is one schema version with its statements for SQLite and
 * for PostgreSQL; a backend runs them in one transaction together with
 * the row it adds to schema_migrations, so a version is applied whole or
 * not at all.  Never edit a migration that has shipped: add the next one.
 *
 * Conventions.  Times: SQLite keeps integer microseconds since the epoch
 * in *_us columns; PostgreSQL keeps timestamptz (also microseconds) in
 * columns named time or *_at.  Numbers are REAL / double precision so a
 * double reads back bit for bit (never NUMERIC(12,4)).  Dates (expiry,
 * maturity) are YYYYMMDD integers on SQLite and date on PostgreSQL.  JSON
 * is stored verbatim (TEXT checked by json_valid on SQLite, json -- not
 * jsonb, which reorders keys -- on PostgreSQL), because the audit chain
 * hashes the exact text.  On PostgreSQL the market-data tables are
 * "series": hypertables under TimescaleDB, monthly range partitions
 * created on demand otherwise (store-pg.c); their text key columns use
 * the "C" collation (byte order, as on SQLite), which also keeps index
 * comparisons cheap.  Since migration 6, PostgreSQL's option_quotes names
 * its option by an id from option_contracts, for the speed of bulk
 * inserts (see there); the rows read back the same.
 */
#include "config.h"

#include <stddef.h>

#include "store-int.h"

/* --- 1: market data ------------------------------------------------------- */

static const char *const v1_sqlite[] = {
	"CREATE TABLE store_meta ("
	" key TEXT PRIMARY KEY,"
	" value TEXT NOT NULL)",

	"CREATE TABLE market_prices ("
	" symbol TEXT NOT NULL,"
	" time_us INTEGER NOT NULL,"
	" open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,"
	" volume REAL,"
	" PRIMARY KEY (symbol, time_us)) WITHOUT ROWID",

	"CREATE TABLE quotes ("
	" symbol TEXT NOT NULL,"
	" time_us INTEGER NOT NULL,"
	" bid REAL, ask REAL, last REAL,"
	" bid_size REAL, ask_size REAL, volume REAL,"
	" recv_time_us INTEGER,"
	" PRIMARY KEY (symbol, time_us)) WITHOUT ROWID",

	"CREATE TABLE option_quotes ("
	" underlying TEXT NOT NULL,"
	" time_us INTEGER NOT NULL,"
	" symbol TEXT NOT NULL,"
	" expiry INTEGER NOT NULL,"
	" strike REAL NOT NULL,"
	" put_call TEXT NOT NULL CHECK (put_call IN ('C', 'P')),"
	" multiplier REAL NOT NULL,"
	" bid REAL NOT NULL, ask REAL NOT NULL, last REAL,"
	" bid_size REAL, ask_size REAL, volume REAL,"
	" implied_vol REAL, delta REAL, gamma REAL, vega REAL, theta REAL,"
	" open_interest REAL,"
	" recv_time_us INTEGER,"
	" PRIMARY KEY (underlying, time_us, symbol)) WITHOUT ROWID",
	NULL
};

static const struct store_series v1_pg_series[] = {
	{ "market_prices",
	  "symbol text COLLATE \"C\" NOT NULL,"
	  " time timestamptz NOT NULL,"
	  " open double precision NOT NULL, high double precision NOT NULL,"
	  " low double precision NOT NULL, close double precision NOT NULL,"
	  " volume double precision,"
	  " PRIMARY KEY (symbol, time)" },
	{ "quotes",
	  "symbol text COLLATE \"C\" NOT NULL,"
	  " time timestamptz NOT NULL,"
	  " bid double precision, ask double precision, last double precision,"
	  " bid_size double precision, ask_size double precision, volume double precision,"
	  " recv_time timestamptz,"
	  " PRIMARY KEY (symbol, time)" },
	{ "option_quotes",
	  "underlying text COLLATE \"C\" NOT NULL,"
	  " time timestamptz NOT NULL,"
	  " symbol text COLLATE \"C\" NOT NULL,"
	  " expiry date NOT NULL,"
	  " strike double precision NOT NULL,"
	  " put_call char(1) NOT NULL CHECK (put_call IN ('C', 'P')),"
	  " multiplier double precision NOT NULL,"
	  " bid double precision NOT NULL, ask double precision NOT NULL,"
	  " last double precision,"
	  " bid_size double precision, ask_size double precision, volume double precision,"
	  " implied_vol double precision, delta double precision, gamma double precision,"
	  " vega double precision, theta double precision,"
	  " open_interest double precision,"
	  " recv_time timestamptz,"
	  " PRIMARY KEY (underlying, time, symbol)" },
	{ NULL, NULL }
};

static const char *const v1_pg[] = {
	"CREATE TABLE IF NOT EXISTS store_meta ("
	" key text PRIMARY KEY,"
	" value text NOT NULL)",
	NULL
};

/* --- 2: model parameters and signals ----------------------------------- */

static const char *const v2_sqlite[] = {
	"CREATE TABLE model_params ("
	" id INTEGER PRIMARY KEY,"
	" time_us INTEGER NOT NULL,"
	" model TEXT NOT NULL,"
	" underlying TEXT NOT NULL,"
	" maturity INTEGER,"
	" params TEXT NOT NULL CHECK (json_valid(params)),"
	" fit_quality TEXT NOT NULL CHECK (json_valid(fit_quality)),"
	" fingerprint TEXT NOT NULL)",

	"CREATE INDEX model_params_lookup ON model_params (model, underlying, time_us)",

	"CREATE TABLE signals ("
	" id INTEGER PRIMARY KEY,"
	" time_us INTEGER NOT NULL,"
	" strategy TEXT NOT NULL,"
	" symbol TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" strength REAL,"
	" payload TEXT CHECK (payload IS NULL OR json_valid(payload)))",

	"CREATE INDEX signals_strategy_time ON signals (strategy, time_us)",
	NULL
};

static const char *const v2_pg[] = {
	"CREATE TABLE model_params ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" time timestamptz NOT NULL,"
	" model text NOT NULL,"
	" underlying text NOT NULL,"
	" maturity date,"
	" params json NOT NULL,"
	" fit_quality json NOT NULL,"
	" fingerprint text NOT NULL)",

	"CREATE INDEX model_params_lookup ON model_params (model, underlying, time)",

	"CREATE TABLE signals ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" time timestamptz NOT NULL,"
	" strategy text NOT NULL,"
	" symbol text NOT NULL,"
	" kind text NOT NULL,"
	" strength double precision,"
	" payload json)",

	"CREATE INDEX signals_strategy_time ON signals (strategy, time)",
	NULL
};

/* --- 3: orders, fills, positions and the audit log ----------------------- */

static const char *const v3_sqlite[] = {
	"CREATE TABLE orders ("
	" id INTEGER PRIMARY KEY,"
	" client_id TEXT NOT NULL UNIQUE,"
	" created_us INTEGER NOT NULL,"
	" updated_us INTEGER NOT NULL,"
	" strategy TEXT,"
	" symbol TEXT NOT NULL,"
	" side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),"
	" quantity REAL NOT NULL,"
	" order_type TEXT NOT NULL,"
	" limit_price REAL,"
	" status TEXT NOT NULL,"
	" broker_id TEXT,"
	" payload TEXT CHECK (payload IS NULL OR json_valid(payload)))",

	"CREATE INDEX orders_status ON orders (status, updated_us)",

	"CREATE TABLE fills ("
	" id INTEGER PRIMARY KEY,"
	" order_id INTEGER NOT NULL REFERENCES orders (id),"
	" time_us INTEGER NOT NULL,"
	" quantity REAL NOT NULL,"
	" price REAL NOT NULL,"
	" fee REAL NOT NULL DEFAULT 0,"
	" broker_fill_id TEXT,"
	" payload TEXT CHECK (payload IS NULL OR json_valid(payload)))",

	"CREATE INDEX fills_order ON fills (order_id)",

	"CREATE TABLE positions ("
	" strategy TEXT NOT NULL,"
	" symbol TEXT NOT NULL,"
	" quantity REAL NOT NULL,"
	" avg_price REAL NOT NULL,"
	" realized_pnl REAL NOT NULL DEFAULT 0,"
	" opened_us INTEGER NOT NULL,"
	" updated_us INTEGER NOT NULL,"
	" payload TEXT CHECK (payload IS NULL OR json_valid(payload)),"
	" PRIMARY KEY (strategy, symbol))",

	"CREATE TABLE audit_log ("
	" seq INTEGER PRIMARY KEY,"
	" time_us INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" payload TEXT NOT NULL CHECK (json_valid(payload)),"
	" prev_hash TEXT NOT NULL,"
	" hash TEXT NOT NULL)",

	"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
	" BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",

	"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
	" BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
	NULL
};

static const char *const v3_pg[] = {
	"CREATE TABLE orders ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" client_id text NOT NULL UNIQUE,"
	" created_at timestamptz NOT NULL,"
	" updated_at timestamptz NOT NULL,"
	" strategy text,"
	" symbol text NOT NULL,"
	" side text NOT NULL CHECK (side IN ('buy', 'sell')),"
	" quantity double precision NOT NULL,"
	" order_type text NOT NULL,"
	" limit_price double precision,"
	" status text NOT NULL,"
	" broker_id text,"
	" payload json)",

	"CREATE INDEX orders_status ON orders (status, updated_at)",

	"CREATE TABLE fills ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" order_id bigint NOT NULL REFERENCES orders (id),"
	" time timestamptz NOT NULL,"
	" quantity double precision NOT NULL,"
	" price double precision NOT NULL,"
	" fee double precision NOT NULL DEFAULT 0,"
	" broker_fill_id text,"
	" payload json)",

	"CREATE INDEX fills_order ON fills (order_id)",

	"CREATE TABLE positions ("
	" strategy text NOT NULL,"
	" symbol text NOT NULL,"
	" quantity double precision NOT NULL,"
	" avg_price double precision NOT NULL,"
	" realized_pnl double precision NOT NULL DEFAULT 0,"
	" opened_at timestamptz NOT NULL,"
	" updated_at timestamptz NOT NULL,"
	" payload json,"
	" PRIMARY KEY (strategy, symbol))",

	"CREATE TABLE audit_log ("
	" seq bigint PRIMARY KEY,"
	" time timestamptz NOT NULL,"
	" kind text NOT NULL,"
	" payload json NOT NULL,"
	" prev_hash text NOT NULL,"
	" hash text NOT NULL)",

	"CREATE FUNCTION qdesk_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
	" $$BEGIN RAISE EXCEPTION 'audit_log is append-only'; END$$",

	"CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log"
	" FOR EACH ROW EXECUTE FUNCTION qdesk_audit_append_only()",

	"CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
	" FOR EACH STATEMENT EXECUTE FUNCTION qdesk_audit_append_only()",
	NULL
};

/* --- 4: calibrations with their inputs (issue 6, calib-store.c) --------------- */

static const char *const v4_sqlite[] = {
	"CREATE TABLE calibrations ("
	" id INTEGER PRIMARY KEY,"
	" data_time_us INTEGER NOT NULL,"
	" wall_time_us INTEGER NOT NULL,"
	" model TEXT NOT NULL,"
	" symbol TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('ok', 'poor', 'failed')),"
	" kept_previous INTEGER NOT NULL CHECK (kept_previous IN (0, 1)),"
	" params TEXT NOT NULL CHECK (json_valid(params)),"
	" fit TEXT NOT NULL CHECK (json_valid(fit)),"
	" prev TEXT CHECK (prev IS NULL OR json_valid(prev)),"
	" input TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL,"
	" alert TEXT,"
	" elapsed_ms REAL)",

	"CREATE INDEX calibrations_symbol ON calibrations (symbol, wall_time_us)",
	"CREATE INDEX calibrations_time ON calibrations (wall_time_us)",
	NULL
};

static const char *const v4_pg[] = {
	"CREATE TABLE calibrations ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" data_time timestamptz NOT NULL,"
	" wall_time timestamptz NOT NULL,"
	" model text NOT NULL,"
	" symbol text NOT NULL,"
	" status text NOT NULL CHECK (status IN ('ok', 'poor', 'failed')),"
	" kept_previous boolean NOT NULL,"
	" params json NOT NULL,"
	" fit json NOT NULL,"
	" prev json,"
	" input text NOT NULL,"
	" fingerprint text NOT NULL,"
	" alert text,"
	" elapsed_ms double precision)",

	"CREATE INDEX calibrations_symbol ON calibrations (symbol, wall_time)",
	"CREATE INDEX calibrations_time ON calibrations (wall_time)",
	NULL
};

/* --- 5: a broker's fill is stored once (issue 7, store_put_fill) ------------ */

/* store_put_fill refuses a fill whose broker fill id is stored already:
 * this index makes that check a lookup instead of a scan of every fill
 * (measured: 6 ms per fill at 24,000 fills without it), and makes a
 * doubled fill impossible whatever the caller does. */
static const char *const v5_sqlite[] = {
	"CREATE UNIQUE INDEX fills_broker_fill_id ON fills (broker_fill_id)",
	NULL
};

static const char *const v5_pg[] = {
	"CREATE UNIQUE INDEX fills_broker_fill_id ON fills (broker_fill_id)",
	NULL
};

/* --- 6: option quotes by contract id, keyed time first (PostgreSQL) ------ */

/* Bulk inserts of option quotes into PostgreSQL were capped by the
 * server's CPU, most of it spent keeping the primary key (underlying,
 * time, symbol): each row went to the end of its underlying's run in the
 * middle of the index (a descent from the root, pages split in half) and
 * every comparison went through two text columns.  Measured with a
 * server-side COPY of 1M rows of 5 underlyings (backend CPU, us/row):
 * 4.0 with that key, 1.5 with no key at all; 2.6-3.0 keyed (time,
 * underlying, symbol), where rows arrive at the index's right edge;
 * 2.1-2.4 keyed (time, contract) with contract an integer; through
 * bench-store's COPY batches, 3.8-4.0 before and 2.8-2.9 after, ~215k to
 * ~270k rows/s (BENCHMARKS.md).  So a quote
 * row names its option by an integer id from option_contracts, one row
 * per (underlying, symbol) ever stored, which store-pg.c registers (in
 * its own short transaction, before the batch) and caches; the quote's
 * own fields (expiry, strike, right, multiplier, prices...) stay on the
 * quote row, so every row reads back exactly as written.  The key (time,
 * contract) is unique exactly when (underlying, time, symbol) is.
 *
 * The latest chain of an underlying needs the underlying first: it is
 * found in option_chains, one row per (underlying, time) stored, written
 * in the batch's transaction.
 *
 * The old table's rows move into the new one here (its partitions are
 * renamed *_v5 and replaced by new ones of the same months), then it is
 * dropped.  TimescaleDB's create_hypertable() made a default (time DESC)
 * index on every series; no query uses one (the keys serve them all) and
 * each costs every row an insert: they go (store-pg.c no longer asks for
 * them).  SQLite keeps its schema: its key serves its queries. */
static const char *const v6_sqlite[] = {
	NULL
};

static const char *const v6_pg_pre[] = {
	"DROP INDEX IF EXISTS option_quotes_time_idx",
	"ALTER TABLE option_quotes RENAME TO option_quotes_v5",
	"ALTER TABLE option_quotes_v5 RENAME CONSTRAINT option_quotes_pkey"
	" TO option_quotes_v5_pkey",
	NULL
};

static const struct store_series v6_pg_series[] = {
	{ "option_quotes",
	  "time timestamptz NOT NULL,"
	  " contract integer NOT NULL,"
	  " expiry date NOT NULL,"
	  " strike double precision NOT NULL,"
	  " put_call char(1) NOT NULL CHECK (put_call IN ('C', 'P')),"
	  " multiplier double precision NOT NULL,"
	  " bid double precision NOT NULL, ask double precision NOT NULL,"
	  " last double precision,"
	  " bid_size double precision, ask_size double precision, volume double precision,"
	  " implied_vol double precision, delta double precision, gamma double precision,"
	  " vega double precision, theta double precision,"
	  " open_interest double precision,"
	  " recv_time timestamptz,"
	  " PRIMARY KEY (time, contract)" },
	{ NULL, NULL }
};

static const char *const v6_pg[] = {
	"CREATE TABLE option_contracts ("
	" id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" underlying text COLLATE \"C\" NOT NULL,"
	" symbol text COLLATE \"C\" NOT NULL,"
	" UNIQUE (underlying, symbol))",

	"INSERT INTO option_contracts (underlying, symbol)"
	" SELECT DISTINCT underlying, symbol FROM option_quotes_v5 ORDER BY underlying, symbol",

	/* Native partitions: the same months under the same names. */
	"DO $$DECLARE r record; BEGIN"
	" FOR r IN SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound"
	"  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
	"  WHERE i.inhparent = 'option_quotes_v5'::regclass AND c.relispartition"
	"  ORDER BY c.relname LOOP"
	"  EXECUTE format('ALTER TABLE %I RENAME TO %I', r.relname, r.relname || '_v5');"
	"  EXECUTE format('ALTER INDEX IF EXISTS %I RENAME TO %I', r.relname || '_pkey',"
	"   r.relname || '_v5_pkey');"
	"  EXECUTE format('CREATE TABLE %I PARTITION OF option_quotes %s', r.relname, r.bound);"
	" END LOOP; END$$",

	"INSERT INTO option_quotes (time, contract, expiry, strike, put_call, multiplier, bid,"
	" ask, last, bid_size, ask_size, volume, implied_vol, delta, gamma, vega, theta,"
	" open_interest, recv_time)"
	" SELECT q.time, c.id, q.expiry, q.strike, q.put_call, q.multiplier, q.bid, q.ask,"
	" q.last, q.bid_size, q.ask_size, q.volume, q.implied_vol, q.delta, q.gamma, q.vega,"
	" q.theta, q.open_interest, q.recv_time FROM option_quotes_v5 q"
	" JOIN option_contracts c ON c.underlying = q.underlying AND c.symbol = q.symbol",

	"CREATE TABLE option_chains ("
	" underlying text COLLATE \"C\" NOT NULL,"
	" time timestamptz NOT NULL,"
	" PRIMARY KEY (underlying, time))",

	"INSERT INTO option_chains (underlying, time)"
	" SELECT DISTINCT underlying, time FROM option_quotes_v5",

	"DROP TABLE option_quotes_v5",
	"DROP INDEX IF EXISTS quotes_time_idx",
	"DROP INDEX IF EXISTS market_prices_time_idx",
	NULL
};

const struct store_migration store_migrations[] = {
	{ 1, "market data: prices, quotes, option quotes", v1_sqlite, v1_pg_series, v1_pg, NULL },
	{ 2, "model parameters and signals", v2_sqlite, NULL, v2_pg, NULL },
	{ 3, "orders, fills, positions and the audit log", v3_sqlite, NULL, v3_pg, NULL },
	{ 4, "calibrations with their inputs", v4_sqlite, NULL, v4_pg, NULL },
	{ 5, "unique broker fill ids", v5_sqlite, NULL, v5_pg, NULL },
	{ 6, "option quotes by contract id, keyed by time first", v6_sqlite, v6_pg_series, v6_pg,
	  v6_pg_pre },
};

const int store_nmigrations = (int)(sizeof store_migrations / sizeof store_migrations[0]);

const char *const store_tables[] = {
	"market_prices", "quotes", "option_quotes", "model_params", "signals", "orders", "fills",
	"positions", "audit_log", "schema_migrations", "calibrations", NULL
};
