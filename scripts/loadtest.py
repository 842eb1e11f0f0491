"""Throughput of the deal list under concurrent clients, against a server on this machine.

    scripts/loadtest.sh [seconds] [clients] [path]

Signs in as the admin of the benchmark database (a session made directly in the database, no
password traffic), then N client threads request the page over keep-alive HTTP/1.1 for a
fixed time and the script prints pages per second, latency percentiles and status counts.
Only 127.0.0.1 is ever contacted; the run stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")


def session_cookie(username: str) -> str:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def client(port: int, path: str, cookie: str, stop_at: float, latencies: list, statuses: Counter, lock):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine, codes = [], Counter()
    while time.perf_counter() < stop_at:
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            codes[response.status] += 1
        except (OSError, http.client.HTTPException):
            codes["error"] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        mine.append((time.perf_counter() - start) * 1000)
    conn.close()
    with lock:
        latencies.extend(mine)
        statuses.update(codes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--path", default="/opportunities/")
    parser.add_argument("--user", default="admin")
    args = parser.parse_args()
    seconds = min(args.seconds, 120)  # bounded whatever is asked
    cookie = session_cookie(args.user)
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=client, args=(args.port, args.path, cookie, stop_at, latencies, statuses, lock))
        for _ in range(args.clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ok = statuses.get(200, 0)
    ordered = sorted(latencies) or [0.0]
    print(f"{args.path} as {args.user}: {args.clients} clients for {elapsed:.1f} s")
    print(f"  {ok / elapsed:.1f} pages/s (200 OK: {ok}; all statuses: {dict(statuses)})")
    print(
        f"  latency ms: median {statistics.median(ordered):.0f}, "
        f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.0f}, max {ordered[-1]:.0f}"
    )
    if os.getloadavg:
        print("  load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
