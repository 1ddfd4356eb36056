"""Record REAL answers of the download-count APIs as fixtures (needs internet; 7 requests).

    .venv/bin/python -m tests.registries.record_fixtures

Writes `tests/registries/fixtures/recorded_<case>.json` (or `.txt` when the body is not JSON)
with the bodies exactly as received, and `recorded_manifest.json` (URL, status, content type,
UTC time of each); a test over them is still to be written once they exist. The SYNTHETIC
fixtures stay as they are. Not collected by pytest (no `test_` prefix), never run offline.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime

import requests

from pipeline.registries.downloads import NPM_BASE, PYPI_BASE, USER_AGENT
from tests.registries.conftest import FIXTURES

MISSING = "ptm-pipeline-no-such-package-7q3x"  # an unscoped name nobody has published
CASES = {
    "npm_point_bulk": f"{NPM_BASE}/downloads/point/last-month/debug,chalk,tslib,{MISSING}",
    "npm_point_single_scoped": f"{NPM_BASE}/downloads/point/last-month/@slack/client",
    "npm_point_not_found": f"{NPM_BASE}/downloads/point/last-month/@{MISSING}/none",
    "npm_scoped_in_bulk_error": f"{NPM_BASE}/downloads/point/last-month/@slack/client,debug",
    "pypistats_recent_boto3": f"{PYPI_BASE}/api/packages/boto3/recent",
    "pypistats_recent_requests": f"{PYPI_BASE}/api/packages/requests/recent",
    "pypistats_recent_not_found": f"{PYPI_BASE}/api/packages/{MISSING}/recent",
}


def main() -> int:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    manifest = {}
    for case, url in CASES.items():
        try:
            response = session.get(url, timeout=30)
        except requests.RequestException as error:
            print(f"{url}: {type(error).__name__}: cannot record (offline?)", file=sys.stderr)
            return 1
        try:
            json.loads(response.content)
            suffix = "json"
        except ValueError:
            suffix = "txt"
        name = f"recorded_{case}.{suffix}"
        (FIXTURES / name).write_bytes(response.content)
        manifest[case] = {
            "file": name,
            "url": url,
            "status": response.status_code,
            "content_type": response.headers.get("Content-Type"),
            "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        print(f"{response.status_code} {url} -> {name}")
        time.sleep(1.0)  # polite
    path = FIXTURES / "recorded_manifest.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
