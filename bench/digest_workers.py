"""The week's digests for 100,000 volunteers through real Celery workers (the worker ./dev run and
compose start), sending to a real SMTP server (aiosmtpd, in this process, keeping each
Message-ID): one worker process, then two (each one task at a time), then two of which one is
killed with SIGKILL a third of the way through and started again. bench/digests.py's database
(`<name>_bench_digests`: a million opportunities, 100,000 volunteers with saved searches).

    ./dev python bench/digest_workers.py [--opportunities 1000000] [--volunteers 100000]

Prints, per run: the chunks (tasks of 5,000 volunteers), wall time from the task being sent to the
last chunk's end, e-mails received and e-mails/s; for the killed run, how many e-mails had arrived
at the kill, and how many Message-IDs arrived twice (each volunteer must have exactly one).
The workers use a broker prefix of their own (CACHE_URL's database 7), so a `./dev run` worker
on the same Redis takes none of these tasks.
"""

import argparse
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

if os.environ.get("CACHE_URL", "").startswith("unix://"):  # ./dev's Redis
    os.environ["CACHE_URL"] = os.environ["CACHE_URL"].split("?")[0] + "?db=7"
import _setup

CHUNK_TASK = "volunteers.send_digest_chunk"


class Inbox:
    def __init__(self):
        self.ids = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.split(b"\r\n", 40):
            if line[:11].lower() == b"message-id:":
                with self.lock:
                    self.ids.append(line[11:].strip())
                break
        return "250 OK"


def start_worker(smtp_port, log, **env):
    environ = {
        **os.environ,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "LOG_LEVEL": "WARNING",
        **env,
    }
    command = [sys.executable, "-m", "celery", "-A", "mapsite", "worker", "--concurrency", "1"]
    command += ["--without-gossip", "--without-mingle", "--loglevel", "WARNING"]
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command, cwd=_setup.ROOT, env=environ, stdout=out, stderr=out, start_new_session=True
        )
    time.sleep(3)  # ready
    return process


def stop(process, sig=signal.SIGTERM):
    os.killpg(process.pid, sig)
    process.wait()


def chunks_done():
    from django_celery_results.models import TaskResult

    return TaskResult.objects.filter(task_name=CHUNK_TASK, status="SUCCESS").count()


def fresh():
    from django.db import connection

    from mapsite.celery import app

    app.control.purge()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE volunteers_digest, django_celery_results_taskresult")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--volunteers", type=int, default=100_000)
    args = parser.parse_args()
    _setup.bench_database("digests")
    from aiosmtpd.controller import Controller
    from digests import ensure_volunteers
    from django.db.models import Count
    from synthetic import grow_opportunities, keep_current

    from tests.servers import free_port
    from volunteers import digests
    from volunteers.tasks import send_digests

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command
    keep_current()
    grow_opportunities(args.opportunities)
    ensure_volunteers(args.volunteers)
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    chunks = len(digests.chunks("weekly"))
    log = tempfile.mkstemp(prefix="bench-digest-workers-", suffix=".log")[1]
    load = os.getloadavg()
    print(
        f"{args.volunteers:,} volunteers in {chunks} chunks; worker log {log}; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(f"{'':<44} {'seconds':>8} {'e-mails':>8} {'e-mails/s':>10} {'twice':>6}")

    def run(label, workers, kill_at=None, **env):
        fresh()
        inbox.ids.clear()
        processes = [start_worker(smtp_port, log, **env) for _ in range(workers)]
        started = time.perf_counter()
        send_digests.delay("weekly")
        killed_at = None
        while chunks_done() < chunks:
            if kill_at and killed_at is None and len(inbox.ids) >= kill_at:
                killed_at = len(inbox.ids)
                stop(processes.pop(0), signal.SIGKILL)
                processes.append(start_worker(smtp_port, log, **env))
            time.sleep(0.2)
        wall = time.perf_counter() - started
        for process in processes:
            stop(process)
        received, distinct = len(inbox.ids), len(set(inbox.ids))
        print(
            f"{label:<44} {wall:8.1f} {distinct:8,} {received / wall:10.0f} "
            f"{received - distinct:6d}"
        )
        return distinct, killed_at

    sent, _ = run("1 worker process", 1)
    run("2 worker processes", 2)
    distinct, killed_at = run(
        "2 workers, one killed (SIGKILL) and restarted",
        2,
        kill_at=sent // 3,
        CELERY_VISIBILITY_TIMEOUT="60",
        CELERY_RESTORE_INTERVAL="2",
        DIGEST_CLAIM_LEASE_SECONDS="20",
    )
    from volunteers.models import Digest

    statuses = dict(Digest.objects.values_list("status").annotate(n=Count("id")))
    print(
        f"killed after {killed_at:,} e-mails; digests recorded {statuses}; "
        f"{distinct:,} distinct e-mails received"
    )
    controller.stop()
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
