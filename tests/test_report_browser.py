"""The results page in a real browser: headless Chromium loads index.html from disk.

Checks what a reader would meet: no console errors, every figure decoded, the accuracy
tables equal ``summary.csv``, nothing fetched from the network (a page that needs it
fails). The screenshot is kept as the test's artifact (pytest's tmp_path, printed).
Skips only when no Chromium is installed; ``.ci/run`` installs Debian's ``chromium``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from chromium_page import Chromium, Seen, find_chromium  # tests/ is on sys.path under pytest
from test_reports import write_synthetic_results

from reports.paper import build_report

COMMITTED = Path(__file__).resolve().parents[1] / "reports" / "figures"

pytestmark = pytest.mark.skipif(
    find_chromium() is None,
    reason="chromium not installed (apt-get install chromium; .ci/run does)",
)


@pytest.fixture(scope="module")
def browser():
    with Chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    write_synthetic_results(results)
    return build_report(results, tmp_path_factory.mktemp("report"))


def _table_matches_summary(seen: Seen, summary_csv: Path) -> None:
    summary = pd.read_csv(summary_csv)
    cells = sorted((c["model"], c["task"], c["length"], c["n"]) for c in seen.cells)
    expected = sorted(
        zip(summary["model"], summary["task"], summary["length"], summary["n"], strict=True)
    )
    assert cells == expected
    # one model (e.g. a prompted LM) may be evaluated on several tasks: key by task too
    shown = {(c["model"], c["task"], c["length"]): c["accuracy"] for c in seen.cells if c["n"] > 0}
    for row in summary[summary["n"] > 0].itertuples():
        key = (row.model, row.task, row.length)
        assert shown[key] == pytest.approx(row.accuracy, abs=1e-6)


def _healthy(seen: Seen, images: int) -> None:
    assert seen.errors == []
    assert seen.requests == []
    assert len(seen.images) == images
    assert all(image["width"] > 0 for image in seen.images), seen.images


def test_generated_page_in_chromium(browser, report, tmp_path) -> None:
    shot = tmp_path / "index-screenshot.png"
    seen = browser.load(report.page, screenshot=shot)
    _healthy(seen, images=len(report.made))
    _table_matches_summary(seen, report.page.parent / "summary.csv")
    assert seen.title == "rmt-bench results"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")


def test_committed_page_in_chromium(browser, tmp_path) -> None:
    page = COMMITTED / "index.html"
    if not page.is_file():
        pytest.fail(f"{page} is missing: redraw it with rmt-bench report (reports/README.md)")
    seen = browser.load(page, screenshot=tmp_path / "committed.png")
    _healthy(seen, images=len(list(COMMITTED.glob("*.png"))))
    _table_matches_summary(seen, COMMITTED / "summary.csv")


def test_a_page_that_needs_the_network_fails(browser, tmp_path) -> None:
    page = tmp_path / "needs-network.html"
    page.write_text(
        '<!doctype html><title>x</title><img src="http://example.com/figure.png">'
        '<script>console.error("boom")</script>',
        encoding="utf-8",
    )
    seen = browser.load(page)
    assert seen.requests == ["http://example.com/figure.png"]
    assert any("boom" in e for e in seen.errors) and any("figure.png" in e for e in seen.errors)
    assert seen.images[0]["width"] == 0
    with pytest.raises(AssertionError):
        _healthy(seen, images=1)


def test_our_page_blocks_an_outside_image(browser, report) -> None:
    text = report.page.read_text(encoding="utf-8")
    tampered = report.page.with_name("tampered.html")
    tampered.write_text(text.replace("</body>", '<img src="https://example.com/x.png"></body>'))
    seen = browser.load(tampered)
    assert any("Content Security Policy" in e or "x.png" in e for e in seen.errors), seen.errors
    assert any(image["width"] == 0 for image in seen.images)
