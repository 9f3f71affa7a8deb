"""Lighthouse on the public pages, production settings behind the web server, mobile and desktop.

    npm install --prefix /tmp/lh lighthouse      # once, anywhere outside the repository
    ./dev python bench/lighthouse.py [--lighthouse /tmp/lh/node_modules/.bin/lighthouse]

Collects the static files as the Docker image does (DEBUG=0, hashed names), starts the web server on the
configured database (demo data: run ./dev run once, or ./dev manage load_demo), and runs Lighthouse
(CHROME_PATH=/usr/bin/chromium, offline) on the home, list and detail pages with its mobile and
desktop presets. Prints the accessibility and performance scores, CLS, LCP, total bytes and whether
text is compressed, per page and preset.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import _setup
from _server import web

PAGES = {"home": "/", "list": "/opportunities/", "detail": None}


def collect_static(folder: Path):
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=_setup.ROOT,
        env={
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + "x" * 50,
            "STATIC_ROOT": str(folder),
        },
        check=True,
    )


def lighthouse(binary, url, preset, out: Path):
    flags = (
        "--headless=new --no-sandbox --disable-gpu --disable-background-networking --no-first-run"
    )
    command = [
        binary,
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-flags={flags}",
        "--only-categories=accessibility,performance,best-practices,seo",
        "--locale=th",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    subprocess.run(
        command, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}, check=True, timeout=300
    )
    return json.loads(out.read_text())


def compression(audits):
    """Whether the page's text came compressed (Lighthouse 12's audit, or 13's document insight)."""
    if "uses-text-compression" in audits:
        return audits["uses-text-compression"]["score"]
    items = audits["document-latency-insight"]["details"]["items"]
    return 1 if items["usesCompression"]["value"] else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lighthouse", default="/tmp/lh/node_modules/.bin/lighthouse")  # noqa: S108
    args = parser.parse_args()
    _setup._django()
    from opportunities.models import Opportunity

    first = Opportunity.objects.published().order_by("pk").first()
    if first is None:
        sys.exit("no published opportunity: load the demo data first (./dev manage load_demo)")
    PAGES["detail"] = f"/opportunities/{first.pk}/"
    with tempfile.TemporaryDirectory() as folder:
        static = Path(folder) / "static"
        collect_static(static)
        print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
        header = f"{'page':<8} {'preset':<8} {'a11y':>5} {'perf':>5} {'best':>5} {'seo':>5} {'CLS':>6} {'LCP ms':>7} {'KB':>6}  compressed"
        print(header)
        with web(STATIC_ROOT=str(static), ALLOWED_HOSTS="127.0.0.1", quiet=True) as port:
            for name, path in PAGES.items():
                for preset in ("mobile", "desktop"):
                    report = lighthouse(
                        args.lighthouse,
                        f"http://127.0.0.1:{port}{path}",
                        preset,
                        Path(folder) / "r.json",
                    )
                    c, a = report["categories"], report["audits"]
                    compressed = next(
                        (
                            a[k]["score"]
                            for k in ("uses-text-compression", "document-latency-insight")
                            if k in a
                        ),
                        None,
                    )
                    (Path(folder) / f"{name}-{preset}.json").write_text(json.dumps(report))
                    shifts = a.get("layout-shifts", {}).get("details", {}).get("items", [])
                    culprits = [
                        f"{s['node'].get('selector', '')[:70]} ({s.get('score', 0):.3f})"
                        for s in shifts[:3]
                        if s.get("node")
                    ]
                    print(
                        f"{name:<8} {preset:<8} {c['accessibility']['score'] * 100:>5.0f} "
                        f"{c['performance']['score'] * 100:>5.0f} {c['best-practices']['score'] * 100:>5.0f} "
                        f"{c['seo']['score'] * 100:>5.0f} "
                        f"{a['cumulative-layout-shift']['numericValue']:>6.3f} "
                        f"{a['largest-contentful-paint']['numericValue']:>7.0f} "
                        f"{a['total-byte-weight']['numericValue'] / 1024:>6.0f}  "
                        f"{'yes' if compressed in (1, None) else 'NO'}"
                    )
                    failing = [
                        audit["title"]
                        for ref in c["accessibility"]["auditRefs"]
                        if (audit := a[ref["id"]])["score"] is not None and audit["score"] < 1
                    ]
                    for title in failing:
                        print(f"    a11y: {title}")
                    for culprit in culprits:
                        print(f"    layout shift: {culprit}")
        print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
