"""The static site (``mdbench site build``): built from the committed files, every number on a board page
equal to the committed JSON, everything reachable in two clicks, and a real headless Chromium that opens
every page (no console error, no broken link or image), sorts a board, switches the config selector and
saves screenshots (``$MDBENCH_SITE_SCREENSHOTS``, else a temporary folder)."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from mdbench import catalog
from mdbench.benchmark import leaderboard
from mdbench.core.errors import MdbenchError
from mdbench.site.build import MARKER, build, readme_path


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("site") / "site")


def _committed_tasks() -> dict[str, Path]:
    """{task: committed board JSON} of every system."""
    out = {}
    for system in catalog.systems().values():
        for task in system.tasks:
            path = leaderboard.path_for(task, system.leaderboard_dir)
            if path.is_file():
                out[task] = path
    return out


class _Page(HTMLParser):
    """Links, images, ids and the board cells of one page."""

    def __init__(self):
        super().__init__()
        self.links, self.images, self.ids = [], [], set()
        self.rows: list[dict] = []  # {sha256, config, cells: [{metric, value, v, err, n}]}
        self._config = None
        self._cell = None
        self._span = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "img":
            self.images.append(a.get("src", ""))
        if tag == "table" and "board" in a.get("class", ""):
            self._config = a["data-config"]
        if tag == "tr" and "data-sha256" in a:
            self.rows.append({"sha256": a["data-sha256"], "config": self._config, "cells": []})
        if tag == "td" and "data-metric" in a:
            self._cell = {"metric": a["data-metric"], "value": json.loads(a["data-value"]), "v": "", "err": "", "n": ""}
            self.rows[-1]["cells"].append(self._cell)
        if tag == "span" and self._cell is not None:
            self._span = a.get("class")

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        if tag == "span":
            self._span = None

    def handle_data(self, data):
        if self._cell is not None and self._span in ("v", "err", "n"):
            self._cell[self._span] += data


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text())
    return page


def _decode(x):
    return None if x is None else float(x)


def test_every_board_cell_is_the_committed_number(site):
    """Every metric cell of every task page shows the committed JSON value (3 significant digits, its
    standard error to 2 and its n), every committed entry is on its page once, primary metric first."""
    boards = _committed_tasks()
    assert boards, "no committed board found"
    checked = 0
    for task_name, path in boards.items():
        task = catalog.task(task_name)
        entries = {e["sha256"]: e for e in json.loads(path.read_text())["entries"]}
        page = _parse(site / "tasks" / f"{task_name.replace('/', '__')}.html")
        assert sorted(r["sha256"] for r in page.rows) == sorted(entries), task_name
        for row in page.rows:
            entry = entries[row["sha256"]]
            assert row["config"] == entry["config"]
            shown = [c["metric"] for c in row["cells"]]
            assert shown[0] == task.primary_metric
            assert set(shown) == set(task.leaderboard_columns_for(task.spec.config(entry["config"])))
            for cell in row["cells"]:
                rec = entry["metrics"][cell["metric"]]
                assert cell["value"] == rec["value"], (task_name, entry["model"], cell["metric"])
                value, err = _decode(rec["value"]), _decode(rec["stderr"])
                if value is None or math.isnan(value):
                    assert cell["v"] == "n/a"
                    continue
                if math.isinf(value):
                    assert cell["v"] in ("∞", "−∞")
                    continue
                assert float(cell["v"]) == float(f"{value:.3g}"), (task_name, entry["model"], cell["metric"])
                if err is not None and math.isfinite(err):
                    assert float(cell["err"].replace("±", "")) == float(f"{err:.2g}")
                else:
                    assert cell["err"] == ""
                if rec.get("n") is not None:
                    assert re.search(rf"\(n={rec['n']}\b", cell["n"])
                checked += 1
    assert checked > 100


def test_every_entry_is_compared_on_every_metric_with_its_committed_value(site):
    """Each board has one dot plot per column that compares every entry with a finite value; every dot is
    the committed number of that entry."""
    for task_name, path in _committed_tasks().items():
        task = catalog.task(task_name)
        entries = json.loads(path.read_text())["entries"]
        html = (site / "tasks" / f"{task_name.replace('/', '__')}.html").read_text()
        plots = re.findall(r'<svg[^>]*class="dots-plot" data-metric="([^"]+)".*?</svg>', html, re.S)
        bodies = re.findall(r'(<svg[^>]*class="dots-plot".*?</svg>)', html, re.S)
        expected = 0
        for config in sorted({e["config"] for e in entries}):
            for metric in task.leaderboard_columns_for(task.spec.config(config)):
                finite = [e for e in entries if e["config"] == config
                          and _decode(e["metrics"][metric]["value"]) is not None
                          and math.isfinite(_decode(e["metrics"][metric]["value"]))]
                expected += bool(finite)
        assert len(plots) == expected, task_name
        values = {(e["model"], m, _decode(r["value"])) for e in entries for m, r in e["metrics"].items()}
        for metric, body in zip(plots, bodies):
            dots = re.findall(r'data-label="([^"]+)" data-value="([^"]+)"', body)
            assert dots, (task_name, metric)
            for label, value in dots:
                assert (label, metric, float(value)) in values, (task_name, metric, label, value)


def _local_targets(page_path: Path, hrefs) -> list[tuple[Path, str]]:
    out = []
    for href in hrefs:
        parsed = urlparse(href)
        if parsed.scheme or href.startswith("//"):
            continue
        target = (page_path.parent / unquote(parsed.path)).resolve() if parsed.path else page_path
        out.append((target, parsed.fragment))
    return out


def test_links_are_relative_and_everything_committed_is_two_clicks_from_the_front_page(site):
    """No link leaves the site or is absolute (file:// and any static host); every local link and image
    exists (with its #anchor); every board, data card, generation record and figure is reachable from
    index.html in at most two clicks."""
    reachable = {(site / "index.html").resolve()}
    frontier = [(site / "index.html").resolve()]
    for _ in range(2):
        nxt = []
        for page in frontier:
            p = _parse(page)
            for target, _frag in _local_targets(page, p.links) + _local_targets(page, p.images):
                if target not in reachable:
                    reachable.add(target)
                    if target.suffix == ".html":
                        nxt.append(target)
        frontier = nxt
    for page in sorted(site.rglob("*.html")):
        p = _parse(page)
        for href in p.links + p.images:
            assert not href.startswith(("http:", "https:", "//", "/")), f"{page.name}: non-relative link {href}"
        for target, frag in _local_targets(page, p.links) + _local_targets(page, p.images):
            assert target.is_file(), f"{page.relative_to(site)}: broken link to {target}"
            if frag and target.suffix == ".html":
                assert frag in _parse(target).ids, f"{page.relative_to(site)}: no #{frag} in {target.name}"
    for system in catalog.systems().values():
        for task in system.tasks:
            assert (site / "tasks" / f"{task.replace('/', '__')}.html").resolve() in reachable
            board = leaderboard.path_for(task, system.leaderboard_dir)
            if board.is_file():
                assert (site / "files" / "boards" / board.name).resolve() in reachable
            figures = system.leaderboard_dir / "figures" / task.replace("/", "__")
            for fig in (figures.iterdir() if figures.is_dir() else []):
                assert (site / "files" / "figures" / figures.name / fig.name).resolve() in reachable, fig
        for dataset in system.datasets:
            assert (site / "datasets" / f"{dataset}.html").resolve() in reachable
            for record in system.generation_dir.glob(f"{dataset}__*.json"):
                assert (site / "files" / "generation" / record.name).resolve() in reachable


def test_front_page_takes_status_and_headlines_from_the_readme(site):
    """The README's system table and results table are the front page's status and headline (not retyped)."""
    readme = readme_path()
    if readme is None:
        pytest.skip("no README beside the package (an installed copy)")
    text = re.sub(r"<[^>]+>", "", (site / "index.html").read_text())
    rows = [line for line in readme.read_text().splitlines() if line.startswith("| `") and "headline" not in line]
    headlines = [row.strip("|").split("|")[2].strip() for row in rows if len(row.strip("|").split("|")) == 3]
    assert headlines
    for headline in headlines:
        plain = re.sub(r"`([^`]*)`", r"\1", headline)[:60]
        assert plain in text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"), plain


def test_build_refuses_a_folder_that_is_not_a_site_and_replaces_an_old_build(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(MdbenchError, match="not an mdbench site"):
        build(foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"
    old = tmp_path / "old"
    old.mkdir()
    (old / MARKER).write_text("")
    (old / "stale.html").write_text("")
    build(old)
    assert not (old / "stale.html").exists() and (old / "index.html").is_file()


# --- the browser ------------------------------------------------------------------------------------
def _chromium() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip("no headless Chromium installed (apt-get install -y chromium chromium-driver; .ci/run does it)")
    return browser, driver


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
    binary, driver_path = _chromium()
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--allow-file-access-from-files"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _open(driver, path: Path) -> list[dict]:
    """Open ``path``; return the severe console entries it logged."""
    driver.get(path.resolve().as_uri())
    driver.execute_script("return document.readyState")
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def _visible_rows(driver):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('section.per-config:not([hidden]) table.board tbody tr'))"
        ".filter(r => !r.hidden).map(r => r.getAttribute('data-sha256'))")


def _column_sort_values(driver, col: int):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('section.per-config:not([hidden]) table.board tbody tr'))"
        ".map(r => r.cells[arguments[0]].getAttribute('data-sort'))", col)


def test_every_page_opens_in_chromium_without_errors_or_broken_images(site, browser):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 3
    for page in pages:
        severe = _open(browser, page)
        assert not severe, f"{page.relative_to(site)}: console errors {severe}"
        broken = browser.execute_script(
            "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        assert not broken, f"{page.relative_to(site)}: images that do not load {broken}"
        hrefs = browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        for href in hrefs:
            parsed = urlparse(href)
            assert parsed.scheme == "file", f"{page.relative_to(site)}: link out of the site {href}"
            assert Path(unquote(parsed.path)).is_file(), f"{page.relative_to(site)}: broken link {href}"


def test_board_sorts_filters_and_switches_config_in_chromium(site, browser):
    boards = {t: json.loads(p.read_text())["entries"] for t, p in _committed_tasks().items()}
    multi = [t for t, es in boards.items() if len({e["config"] for e in es}) >= 2]
    assert multi, "no committed board has two configs"
    task = max(multi, key=lambda t: len(boards[t]))
    by_sha = {e["sha256"]: e for e in boards[task]}
    assert not _open(browser, site / "tasks" / f"{task.replace('/', '__')}.html")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    # the config selector: rows of the first config, then only rows of the second
    select = Select(browser.find_element(By.ID, "config-select"))
    first = select.first_selected_option.get_attribute("value")
    rows_first = _visible_rows(browser)
    assert rows_first and {by_sha[s]["config"] for s in rows_first} == {first}
    other = next(o.get_attribute("value") for o in select.options if o.get_attribute("value") != first)
    select.select_by_value(other)
    rows_other = _visible_rows(browser)
    assert rows_other and set(rows_other).isdisjoint(rows_first)
    assert {by_sha[s]["config"] for s in rows_other} == {other}
    assert sorted(rows_other) == sorted(s for s, e in by_sha.items() if e["config"] == other)

    # sorting: a numeric column whose initial order is not ascending, clicked once (ascending) and again
    buttons = browser.find_elements(By.CSS_SELECTOR, "section.per-config:not([hidden]) button.sort")
    chosen = None
    for button in buttons[1:]:
        col = int(button.get_attribute("data-col"))
        values = [float(v) for v in _column_sort_values(browser, col) if v]
        if len(set(values)) >= 2 and values != sorted(values):
            chosen = (button, col)
            break
    assert chosen, "no column to sort"
    button, col = chosen
    button.click()
    raw = _column_sort_values(browser, col)
    present = [float(v) for v in raw if v]
    assert present == sorted(present) and all(raw[: len(present)]), raw  # missing values last
    button.click()
    raw = _column_sort_values(browser, col)
    present = [float(v) for v in raw if v]
    assert present == sorted(present, reverse=True), raw

    # the filter: one model's name leaves only its rows; unticking "references" hides every reference
    model = next(by_sha[s]["model"] for s in rows_other if by_sha[s]["role"] == "model")
    box = browser.find_element(By.ID, "board-filter")
    box.send_keys(model)
    shown = _visible_rows(browser)
    assert shown and all(model in by_sha[s]["model"] for s in shown)
    box.clear()
    browser.execute_script("document.getElementById('board-filter').dispatchEvent(new Event('input'))")
    browser.find_element(By.ID, "show-refs").click()
    shown = _visible_rows(browser)
    assert shown and all(by_sha[s]["role"] == "model" for s in shown)


def test_screenshots_of_the_front_page_and_a_task_page(site, browser, tmp_path):
    folder = Path(os.environ.get("MDBENCH_SITE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    task = max(_committed_tasks(), key=lambda t: len(json.loads(_committed_tasks()[t].read_text())["entries"]))
    for name, page in (("front", site / "index.html"), ("task", site / "tasks" / f"{task.replace('/', '__')}.html")):
        assert not _open(browser, page)
        path = folder / f"site-{name}.png"
        assert browser.save_screenshot(str(path))
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_external_and_reproduced_entries_are_marked_when_the_board_says_so(tmp_path, monkeypatch):
    """An entry's optional ``origin`` field ("external" / "reproduced") gets its own column and badge."""
    from mdbench.site import build as site_build

    task = next(iter(_committed_tasks()))
    entries = json.loads(_committed_tasks()[task].read_text())["entries"]
    marked = [{**entries[0], "origin": "external"}, {**entries[1], "origin": "reproduced"}, *entries[2:]]
    monkeypatch.setattr(site_build.leaderboard, "read", lambda *a, **k: marked)
    page = site_build._task_page(catalog.system_of(task), task, tmp_path, {})
    assert page.has_origin
    text = site_build._environment().get_template("task.html").render(root="../", t=page, version="x")
    for entry, origin in ((marked[0], "external"), (marked[1], "reproduced")):
        row = re.search(rf'<tr [^>]*data-sha256="{entry["sha256"]}".*?</tr>', text, re.S).group(0)
        assert f'class="badge origin-{origin}"' in row
    assert "<th>origin</th>" in text
    monkeypatch.setattr(site_build.leaderboard, "read", lambda *a, **k: entries)  # no origin: no column
    assert not site_build._task_page(catalog.system_of(task), task, tmp_path, {}).has_origin
