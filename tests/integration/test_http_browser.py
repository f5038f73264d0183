"""Browser test of /setup: Debian's headless chromium driven by playwright-core
(tests/browser, installed by scripts/install-deps.sh) types an address into
the page of a real `postamt serve` and checks the settings table shows the
IMAP host and port 993. The screenshot is kept as a test artefact in
<build dir>/artifacts/setup-page.png."""
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
BROWSER = ROOT / "tests" / "browser"


def test_setup_page_in_chromium(server, build_dir):
    # Missing tools are a failure, not a skip: install-deps.sh installs them.
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    assert os.path.exists(chromium), f"{chromium} missing: run scripts/install-deps.sh"
    assert (BROWSER / "node_modules" / "playwright-core").is_dir(), \
        "playwright-core missing: run scripts/install-deps.sh (npm ci in tests/browser)"
    artifacts = pathlib.Path(build_dir).resolve() / "artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "setup-page.png"
    if shot.exists():
        shot.unlink()
    res = subprocess.run(["node", "setup_page.mjs", f"http://127.0.0.1:{server.ports['http']}",
                          "bob@example.org", server.hostname, str(shot)],
                         cwd=BROWSER, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, f"{res.stdout}\n{res.stderr}"
    assert "ok: IMAP port is 993" in res.stdout
    assert shot.stat().st_size > 1000
