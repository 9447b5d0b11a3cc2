#!/usr/bin/env python3
# trading-check.py -- the checks of trading.test, on the JSON Lines output of
# `orders`, `fills`, `positions` and on the two SQLite files: qdesk's store
# and the paper broker's own records (an independent ledger).
import json
import os
import re
import random
import signal
import sqlite3
import subprocess
import sys
import time


def lines(path):
    return [json.loads(l) for l in open(path) if l.startswith("{")]


def db_rows(path, sql):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def consistent(tmp):
    """The store against itself and against the broker."""
    store = os.path.join(tmp, "qdesk.db")
    paper = os.path.join(tmp, "paper.db")
    fills = db_rows(store, "SELECT f.broker_fill_id, o.client_id, f.quantity, f.price, "
                    "o.side, o.strategy, o.symbol FROM fills f JOIN orders o ON o.id = f.order_id")
    ids = [f[0] for f in fills]
    assert len(ids) == len(set(ids)), "a fill is stored twice"
    # Positions are the sum of the fills, per strategy and symbol.
    want = {}
    for _, _, q, _, side, strat, sym in fills:
        key = (strat or "", sym)
        want[key] = want.get(key, 0.0) + (q if side == "buy" else -q)
    got = {(s or "", y): q for s, y, q in db_rows(store, "SELECT strategy, symbol, quantity "
                                                   "FROM positions")}
    for k in set(want) | set(got):
        assert abs(want.get(k, 0.0) - got.get(k, 0.0)) < 1e-6, ("position", k, want.get(k),
                                                                  got.get(k))
    # Orders: filled quantity is the sum of their fills.
    per = {}
    for _, cid, q, _, _, _, _ in fills:
        per[cid] = per.get(cid, 0.0) + q
    for cid, filled in db_rows(store, "SELECT client_id, json_extract(payload, '$.filled') "
                               "FROM orders"):
        assert abs((filled or 0) - per.get(cid, 0.0)) < 1e-6, ("order filled", cid, filled,
                                                               per.get(cid))
    # The broker's ledger: every broker fill is in the store exactly once
    # (after a restart has reconciled), and nothing in the store is unknown
    # to the broker.
    if os.path.exists(paper):
        bfills = {r[0] for r in db_rows(paper, "SELECT fill_id FROM paper_fills")}
        assert set(ids) <= bfills, ("fills the broker never made", set(ids) - bfills)
        return bfills - set(ids)
    return set()


def day(tmp):
    orders = lines(os.path.join(tmp, "orders.json"))
    fills = lines(os.path.join(tmp, "fills.json"))
    assert len(orders) > 0, "no orders in a simulated day with auto on"
    assert len(fills) > 0, "no fills"
    for o in orders:
        assert o["client_id"].startswith("QD"), o
        assert o["state"] in ("pending", "accepted", "partial", "filled", "cancel_pending",
                              "cancelled", "rejected", "expired"), o
        if o["state"] == "rejected":
            assert o["reason"], o
    cids = [o["client_id"] for o in orders]
    assert len(cids) == len(set(cids)), "client IDs repeat"
    missing = consistent(tmp)
    # A clean stop leaves nothing unapplied.
    assert not missing, ("broker fills missing after a clean stop", missing)
    marks(tmp)


def marks(tmp):
    """`positions` from a separate process (no market data of its own)
    marks each open position from the store: an option at the mid of its
    latest stored quote, a share at its latest stored quote or close."""
    store = os.path.join(tmp, "qdesk.db")
    opened = [p for p in lines(os.path.join(tmp, "positions.json")) if p["qty"] != 0]
    assert opened, "no open position to mark (test too weak)"
    for p in opened:
        assert p["mark_source"] == "store", p
        rows = db_rows(store, "SELECT bid, ask FROM option_quotes WHERE symbol = '%s' "
                       "ORDER BY time_us DESC LIMIT 1" % p["symbol"].replace("'", "''"))
        if not rows:
            rows = db_rows(store, "SELECT bid, ask FROM quotes WHERE symbol = '%s' "
                           "ORDER BY time_us DESC LIMIT 1" % p["symbol"].replace("'", "''"))
        if not rows:
            rows = db_rows(store, "SELECT close, close FROM market_prices WHERE symbol = '%s' "
                           "ORDER BY time_us DESC LIMIT 1" % p["symbol"].replace("'", "''"))
        assert rows, ("nothing stored to mark", p)
        want = (rows[0][0] + rows[0][1]) / 2
        assert abs(p["mark"] - want) <= 1e-9 * max(1.0, abs(want)), ("mark", p, want)
        # an OCC option symbol (root padded to 6, YYMMDD, C or P, strike x 1000)
        mult = 100 if re.match(r"^.{6}\d{6}[CP]\d{8}$", p["symbol"]) else 1
        unreal = p["qty"] * (p["mark"] - p["avg_price"]) * mult
        assert abs(p["unrealized_pnl"] - unreal) <= 1e-6 * max(1.0, abs(unreal)), (p, unreal)


def count(store, table):
    print(db_rows(store, "SELECT count(*) FROM %s" % table)[0][0])


def killed(tmp, nfills):
    store = os.path.join(tmp, "qdesk.db")
    since = db_rows(store, "SELECT client_id, status, json_extract(payload, '$.reason') "
                    "FROM orders WHERE created_us > "
                    "(SELECT max(time_us) FROM audit_log WHERE kind = 'kill')")
    assert since, "the killed run tried no order (nothing to refuse: test too weak)"
    for cid, status, reason in since:
        assert status == "rejected" and reason == 1, ("an order got through the kill switch",
                                                      cid, status, reason)
    # No order made while killed has a fill (older working orders may).
    filled = db_rows(store, "SELECT count(*) FROM fills f JOIN orders o ON o.id = f.order_id "
                     "WHERE o.created_us > (SELECT max(time_us) FROM audit_log "
                     "WHERE kind = 'kill')")[0][0]
    assert filled == 0, ("fills of orders made while killed", filled)


def campaign(tmp, qdesk, nkills):
    conf = os.path.join(tmp, "q.conf")
    rnd = random.Random(20261125)
    env = dict(os.environ)
    for i in range(int(nkills)):
        p = subprocess.Popen([qdesk, "--config", conf, "-b", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        p.stdin.write(b"auto on\nrun --headless --for 60s\n")
        p.stdin.close()
        time.sleep(rnd.uniform(0.3, 4.0))
        p.send_signal(signal.SIGKILL)
        p.wait()
        consistent(tmp)
    # A last clean start reconciles what the last kill left behind.
    subprocess.run([qdesk, "--config", conf, "run", "--headless", "--for", "3"],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True, env=env)
    missing = consistent(tmp)
    assert not missing, ("broker fills lost by the store", sorted(missing)[:5])
    n = db_rows(os.path.join(tmp, "qdesk.db"), "SELECT count(*) FROM fills")[0][0]
    print("campaign: %s kills, %d fills, nothing lost or doubled" % (nkills, n))


if __name__ == "__main__":
    what = sys.argv[1]
    try:
        if what == "day":
            day(sys.argv[2])
        elif what == "count":
            count(sys.argv[2], sys.argv[3])
        elif what == "killed":
            killed(sys.argv[2], sys.argv[3])
        elif what == "campaign":
            campaign(sys.argv[2], sys.argv[3], sys.argv[4])
    except (AssertionError, StopIteration, ValueError, KeyError, sqlite3.Error,
            subprocess.CalledProcessError) as e:
        print("trading-check %s: %r" % (what, e), file=sys.stderr)
        sys.exit(1)
