#!/usr/bin/env python3
# httpd.py -- a loopback HTTP server that plays Alpaca and Tradier for the
# HTTP feed tests (tests/check_http.c).
#
# It serves the responses printed in the providers' documentation, and
# misbehaves on request: the first path segment picks the behaviour, the
# rest is the provider's path, so a feed configured with the base URL
# http://127.0.0.1:PORT/MODE talks to a server in that mode:
#
#   ok                documented responses
#   r429-N            the first request of each path answers 429 with
#                     Retry-After: N (seconds), later ones are ok
#   r429date-N        the same with Retry-After as an HTTP-date
#   r429forever-N     always 429 with Retry-After: N
#   e500xK            the first K requests of each path answer 500
#   e503              always 503 without Retry-After
#   slow-S            sleeps S seconds before an ok answer
#   trunc             promises the full Content-Length, sends half, closes
#   cutjson           sends the first half of the JSON (consistent length)
#   garbage           200 with binary junk
#   html              200 with an HTML error page
#   badtype           documented shape with a number sent as a string
#                     (Alpaca quote "ap", Tradier quote "bid")
#   echo401           401 whose body echoes the credentials it received
#   single            Tradier: one option / one date as an object / string
#   nullchain         Tradier: "options": null, "expirations": null
#   badocc            Tradier: an option whose symbol contradicts its fields
#
# Credentials are checked in every mode but echo401: a request without the
# configured keys gets the provider's documented refusal (Alpaca 403
# {"message": "forbidden."}, Tradier 401 "Invalid Access Token").
#
# Control endpoints: GET /_control/log returns every request so far as
# JSON [{"t": monotonic seconds, "path": ..., "headers": {...}}];
# GET /_control/reset clears the log and the per-path counters.
#
# Usage: httpd.py --port-file FILE [--alpaca-key K --alpaca-secret S]
#                 [--tradier-token T]
# It binds 127.0.0.1 on a free port chosen by the kernel, writes the port
# to FILE once it is listening, and runs until killed.
#
# Sources of the documented responses:
#   https://docs.alpaca.markets/reference/stocklatestquotes
#   https://docs.alpaca.markets/reference/stockbars
#   https://documentation.tradier.com/brokerage-api/markets/get-quotes
#   https://documentation.tradier.com/brokerage-api/markets/get-options-expirations
#   https://documentation.tradier.com/brokerage-api/markets/get-options-chains

import argparse
import copy
import datetime
import email.utils
import json
import os
import random
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# --- documented responses ---------------------------------------------------

ALPACA_QUOTES = {"quotes": {
    "AAPL": {"t": "2022-08-17T10:07:40.286587431Z", "ax": "Q", "ap": 172.7, "as": 1,
             "bx": "Q", "bp": 172.62, "bs": 2, "c": ["R"], "z": "C"},
    "TSLA": {"t": "2022-08-17T10:07:49.387064037Z", "ax": "Q", "ap": 911.6, "as": 1,
             "bx": "K", "bp": 911.3, "bs": 1, "c": ["R"], "z": "C"},
}}

ALPACA_BARS = {
    "AAPL": [{"t": "2022-02-28T05:00:00Z", "o": 163.02, "h": 165.42, "l": 162.43,
              "c": 165.12, "v": 90552883, "n": 743379, "vw": 164.274348}],
    "TSLA": [{"t": "2022-02-28T05:00:00Z", "o": 815.72, "h": 876.86, "l": 814.7075,
              "c": 870.43, "v": 32122773, "n": 848700, "vw": 855.748243}],
}

TRADIER_QUOTES = {
    "AAPL": {"symbol": "AAPL", "description": "Apple Inc", "exch": "Q", "type": "stock",
             "last": 208.21, "change": -3.54, "volume": 25288395, "open": 204.29,
             "high": 208.71, "low": 203.5, "close": None, "bid": 208.19, "ask": 208.21,
             "change_percentage": -1.68, "average_volume": 27215269, "last_volume": 100,
             "trade_date": 1557168406000, "prevclose": 211.75, "week_52_high": 233.47,
             "week_52_low": 142.0, "bidsize": 12, "bidexch": "Q",
             "bid_date": 1557168406000, "asksize": 1, "askexch": "Y",
             "ask_date": 1557168406000, "root_symbols": "AAPL"},
    # VXX in the same documented quote format (values of our own).
    "VXX": {"symbol": "VXX", "description": "iPath Series B S&P 500 VIX", "exch": "Z",
            "type": "etf", "last": 27.0, "change": 0.1, "volume": 1000000, "open": 26.9,
            "high": 27.3, "low": 26.8, "close": None, "bid": 26.98, "ask": 27.02,
            "change_percentage": 0.37, "average_volume": 2000000, "last_volume": 100,
            "trade_date": 1557168406000, "prevclose": 26.9, "week_52_high": 40.0,
            "week_52_low": 20.0, "bidsize": 5, "bidexch": "Z", "bid_date": 1557168406000,
            "asksize": 7, "askexch": "Z", "ask_date": 1557168407000,
            "root_symbols": "VXX"},
}

GREEKS_DOC = {"delta": 1.0, "gamma": 1.95546E-10, "theta": -0.00204837,
              "vega": 3.54672E-9, "rho": 0.106077, "phi": -0.28801, "bid_iv": 0.0,
              "mid_iv": 0.0, "ask_iv": 0.0, "smv_vol": 0.380002,
              "updated_at": "2019-08-29 14:59:08"}


def tradier_option(symbol, desc, bid, ask, strike, bidexch, bid_date, asksize, askexch,
                   ask_date, oi, otype, bidsize=0, greeks=None):
    """One option in the documented chain format (2019-05-17 dates)."""
    return {"symbol": symbol, "description": desc, "exch": "Z", "type": "option",
            "last": None, "change": None, "volume": 0, "open": None, "high": None,
            "low": None, "close": None, "bid": bid, "ask": ask, "underlying": "VXX",
            "strike": strike, "change_percentage": None, "average_volume": 0,
            "last_volume": 0, "trade_date": 0, "prevclose": None, "week_52_high": 0.0,
            "week_52_low": 0.0, "bidsize": bidsize, "bidexch": bidexch,
            "bid_date": bid_date, "asksize": asksize, "askexch": askexch,
            "ask_date": ask_date, "open_interest": oi, "contract_size": 100,
            "expiration_date": "2019-05-17", "expiration_type": "standard",
            "option_type": otype, "root_symbol": "VXX",
            "greeks": copy.deepcopy(greeks if greeks is not None else GREEKS_DOC)}


# The three options printed in Tradier's chain example, and one of our own
# in the same format with a non-zero mid_iv.
TRADIER_CHAIN = [
    tradier_option("VXX190517P00016000", "VXX May 17 2019 $16.00 Put", 0.0, 0.01, 16.0,
                   "J", 1557171657000, 611, "Z", 1557172096000, 10, "put"),
    tradier_option("VXX190517C00016000", "VXX May 17 2019 $16.00 Call", 10.85, 11.0, 16.0,
                   "C", 1557172097000, 80, "E", 1557172135000, 0, "call", bidsize=55),
    tradier_option("VXX190517P00017000", "VXX May 17 2019 $17.00 Put", 0.0, 0.01, 17.0,
                   "J", 1557172023000, 380, "Z", 1557172096000, 0, "put"),
    tradier_option("VXX190517C00030000", "VXX May 17 2019 $30.00 Call", 1.2, 1.3, 30.0,
                   "C", 1557172100000, 40, "E", 1557172101000, 250, "call", bidsize=30,
                   greeks={"delta": 0.31, "gamma": 0.045, "theta": -0.021, "vega": 0.028,
                           "rho": 0.004, "phi": -0.005, "bid_iv": 0.53, "mid_iv": 0.5432,
                           "ask_iv": 0.556, "smv_vol": 0.55,
                           "updated_at": "2019-05-06 19:38:23"}),
]

# --- server state -----------------------------------------------------------

LOCK = threading.Lock()
LOG = []
COUNTS = {}
ARGS = None


def count(key):
    """Returns how many times key was seen before, and counts this one."""
    with LOCK:
        n = COUNTS.get(key, 0)
        COUNTS[key] = n + 1
        return n


def expirations():
    """Three weekly expirations after today (UTC), as Tradier lists them."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    return [(today + datetime.timedelta(days=7 * k)).isoformat() for k in (1, 2, 3)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep the test output quiet
        pass

    def send(self, status, body, ctype="application/json", headers=None, close=False):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        with LOCK:
            LOG.append({"t": time.monotonic(), "path": self.path,
                        "headers": {k: v for k, v in self.headers.items()}})
        if url.path == "/_control/log":
            with LOCK:
                return self.send(200, list(LOG))
        if url.path == "/_control/reset":
            with LOCK:
                LOG.clear()
                COUNTS.clear()
            return self.send(200, {"ok": True})
        parts = url.path.split("/", 2)
        if len(parts) < 3:
            return self.send(404, {"message": "not found"})
        mode, path = parts[1], "/" + parts[2]
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        provider = "alpaca" if path.startswith("/v2/") else "tradier"
        if mode == "echo401":
            echo = " ".join("%s=%s" % (k, v) for k, v in self.headers.items())
            return self.send(401, "Invalid Access Token (got %s)" % echo, "text/plain")
        if not self.authorised(provider):
            if provider == "alpaca":
                return self.send(403, {"message": "forbidden."})
            return self.send(401, "Invalid Access Token", "text/plain")
        n = count(mode + path)
        if mode.startswith("r429"):
            name, secs = mode.split("-")
            if name == "r429forever" or n == 0:
                ra = secs
                if name == "r429date":
                    ra = email.utils.formatdate(time.time() + int(secs), usegmt=True)
                return self.send(429, {"code": 42910000, "message": "rate limit exceeded"},
                                 headers={"Retry-After": ra})
        elif mode.startswith("e500x"):
            if n < int(mode[5:]):
                return self.send(500, {"code": 50010000, "message": "internal server error"})
        elif mode == "e503":
            return self.send(503, "Service Unavailable", "text/plain")
        elif mode.startswith("slow-"):
            time.sleep(float(mode[5:]))
        body = self.answer(mode, path, query)
        if body is None:
            return self.send(404, {"message": "endpoint not found"})
        raw = json.dumps(body).encode()
        if mode == "trunc":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw[:len(raw) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if mode == "cutjson":
            return self.send(200, raw[:len(raw) // 2])
        if mode == "garbage":
            rnd = random.Random(7)
            return self.send(200, bytes(rnd.randrange(256) for _ in range(300)))
        if mode == "html":
            return self.send(200, "<html><body><h1>502 Bad Gateway</h1></body></html>",
                             "text/html")
        return self.send(200, body)

    def authorised(self, provider):
        h = self.headers
        if provider == "alpaca":
            return ((ARGS.alpaca_key is None or h.get("APCA-API-KEY-ID") == ARGS.alpaca_key)
                    and (ARGS.alpaca_secret is None
                         or h.get("APCA-API-SECRET-KEY") == ARGS.alpaca_secret))
        return (ARGS.tradier_token is None
                or h.get("Authorization") == "Bearer " + ARGS.tradier_token)

    def answer(self, mode, path, q):
        syms = [s for s in q.get("symbols", "").split(",") if s]
        if path == "/v2/stocks/quotes/latest":
            body = {"quotes": {s: v for s, v in copy.deepcopy(ALPACA_QUOTES)["quotes"].items()
                               if s in syms}}
            if mode == "badtype" and "AAPL" in body["quotes"]:
                body["quotes"]["AAPL"]["ap"] = "172.7"
            return body
        if path == "/v2/stocks/bars":
            # Documented example split over two pages to exercise paging.
            want = [s for s in ("AAPL", "TSLA") if s in syms]
            page = 1 if q.get("page_token") == "VFNMQQ==" else 0
            if page == 0 and len(want) == 2:
                return {"bars": {"AAPL": ALPACA_BARS["AAPL"]}, "next_page_token": "VFNMQQ=="}
            if page == 1:
                return {"bars": {"TSLA": ALPACA_BARS["TSLA"]}, "next_page_token": None}
            return {"bars": {s: ALPACA_BARS[s] for s in want}, "next_page_token": None}
        if path == "/v1/markets/quotes":
            qs = [copy.deepcopy(TRADIER_QUOTES[s]) for s in syms if s in TRADIER_QUOTES]
            if mode == "badtype" and qs:
                qs[0]["bid"] = str(qs[0]["bid"])
            body = {"quotes": {"quote": qs[0] if len(qs) == 1 else qs}}
            missing = [s for s in syms if s not in TRADIER_QUOTES]
            if missing:
                body["quotes"]["unmatched_symbols"] = {"symbol": missing[0]}
            return body
        if path == "/v1/markets/options/expirations":
            if mode == "nullchain":
                return {"expirations": None}
            dates = expirations()
            return {"expirations": {"date": dates[0] if mode == "single" else dates}}
        if path == "/v1/markets/options/chains":
            if mode == "nullchain" or q.get("symbol") != "VXX":
                return {"options": None}
            exp = q.get("expiration", "2019-05-17")
            yymmdd = exp[2:4] + exp[5:7] + exp[8:10]
            text = json.dumps(TRADIER_CHAIN).replace("2019-05-17", exp)
            chain = json.loads(text.replace("VXX190517", "VXX" + yymmdd))
            if mode == "badocc":
                chain[0]["strike"] = 18.0
            if mode == "single":
                return {"options": {"option": chain[0]}}
            return {"options": {"option": chain}}
        return None


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that timed out or refused a body hangs up: expected here.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--alpaca-key")
    ap.add_argument("--alpaca-secret")
    ap.add_argument("--tradier-token")
    ARGS = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, ARGS.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
