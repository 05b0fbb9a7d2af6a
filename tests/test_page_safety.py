"""The page never renders Markdown or HTML from untrusted text, and an upload never loses or replaces a notice.

A small real index (three real notices plus one whose id and title are an
image in Markdown and in HTML) is opened by the real page (AppTest).  The
hostile text reaches the three Markdown-rendering messages the attack used —
the delete confirmation, ``?view=compare&a=…`` and ``?view=related&ref=…`` —
and each must carry it escaped (no ``![`` nor ``<img`` left to render).
Uploads: a 300-character file name, and a same-name file with other content.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import NOTICES
from streamlit.testing.v1 import AppTest

from index.store import folder as store
from ingest.pipeline import ingest
from ui import state, upload
from ui.safe import plain

APP = Path(__file__).resolve().parent.parent / "app.py"
TIMEOUT = 120
IMAGE = "![x](http://127.0.0.1:9/x.png)"
TAG = "<img src=x>"
HOSTILE_ID = f"{IMAGE}{TAG}"
HOSTILE_TITLE = f"{IMAGE} {TAG} 巡察整改通报"


def _rows(count: int) -> list[dict]:
    return [json.loads(line) for line in NOTICES.read_text(encoding="utf-8").splitlines()[:count]]


@pytest.fixture(scope="module")
def page_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("page-safety")
    rows = _rows(4)
    hostile = dict(rows[3], id=HOSTILE_ID, title=HOSTILE_TITLE)
    notices = folder / "notices.jsonl"
    notices.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [*rows[:3], hostile]) + "\n",
                       encoding="utf-8")
    root = folder / "index"
    report = ingest([notices], root, progress=False)
    assert report.written and HOSTILE_ID in report.indexed, report
    return root


def _page(root: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    monkeypatch.setenv(state.INDEX_ENV, str(root))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _messages(at: AppTest) -> list[str]:
    return [m.value for group in (at.warning, at.error, at.info, at.success) for m in group]


def _assert_inert(values: list[str]) -> None:
    for value in values:
        assert "![" not in value and not re.search(r"(?<!\\)<img", value), value  # escaped: \!\[ and \<img


def test_compare_link_with_markdown_id_is_escaped(page_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(page_root, monkeypatch, view="compare", a=f"{IMAGE}{TAG}x")
    warnings = [w.value for w in at.warning]
    assert any(plain(IMAGE) in w for w in warnings), warnings
    _assert_inert(_messages(at) + [m.value for m in at.markdown])


def test_related_link_with_markdown_ref_is_escaped(page_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(page_root, monkeypatch, view="related", ref=f"n0001:{IMAGE}{TAG}")  # a finding n0001 lacks
    warnings = [w.value for w in at.warning]
    assert any(plain(IMAGE) in w for w in warnings), warnings
    _assert_inert(_messages(at) + [m.value for m in at.markdown])
    # a free-text ref is searched: the hostile notice is a result card, its title and id escaped HTML
    at = _page(page_root, monkeypatch, view="related", ref=f"{HOSTILE_ID}:问题9")
    cards = [h.value for h in at.html if "ns-hit" in h.value]
    assert any(IMAGE in c and "&lt;img src=x&gt;" in c for c in cards)
    assert not [c for c in cards if "<img" in c]


def test_delete_confirmation_escapes_the_title_and_id(page_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(page_root, monkeypatch)
    at = at.radio(key="view").set_value("upload").run()
    picker = next(s for s in at.selectbox if s.key and s.key.startswith(upload.KEY_REMOVE))
    at = picker.set_value(HOSTILE_ID).run()
    next(b for b in at.button if b.label == "删除这篇通报…").click().run()
    assert not at.exception
    confirm = [w.value for w in at.warning if "确定要从索引中删除" in w.value]
    assert confirm and plain(HOSTILE_TITLE) in confirm[0], confirm
    _assert_inert(_messages(at))


def _upload(at: AppTest, files: list[tuple[str, bytes, str]]) -> AppTest:
    at.file_uploader(key="uploads").set_value(files).run()
    next(b for b in at.button if b.label == "导入到索引").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_long_name_and_same_name_other_content(page_root: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    root = tmp_path / "index"
    shutil.copytree(page_root, root, ignore=shutil.ignore_patterns(".lock"))
    rows = _rows(7)[4:]
    body = [f"{r['title']}\n\n{r['text']}\n".encode() for r in rows]
    at = _page(root, monkeypatch).radio(key="view").set_value("upload").run()
    long_name = "关于巡察整改情况的通报" * 27 + ".txt"  # 300 characters: 894 bytes, over NAME_MAX
    assert len(long_name) >= 300
    at = _upload(at, [(long_name, body[0], "text/plain"), ("关于巡察整改情况的通报.txt", body[1], "text/plain")])
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    results = dict(zip(table["文件"], table["结果"], strict=True))
    assert results == {long_name: "已索引", "关于巡察整改情况的通报.txt": "已索引"}, results
    assert any("文件名过长" in note for note in table["说明"])
    before = store.load(root, vectors=False).documents
    first = before["关于巡察整改情况的通报"]

    # another unit's notice under the same file name: saved as a new notice, the first one kept
    at = _upload(at, [("关于巡察整改情况的通报.txt", body[2], "text/plain")])
    table = at.dataframe[0].value
    assert list(table["结果"]) == ["另存为新通报"], table
    assert "关于巡察整改情况的通报-2" in table["说明"][0]
    after = store.load(root, vectors=False).documents
    assert after["关于巡察整改情况的通报"].content_hash == first.content_hash
    assert after["关于巡察整改情况的通报-2"].content_hash not in {d.content_hash for d in before.values()}
    assert set(after) == set(before) | {"关于巡察整改情况的通报-2"}


def test_no_image_loads_in_chromium(page_root: Path, tmp_path: Path) -> None:
    """In real Chromium: the hostile id, title and query parameters make no ``img`` and no request to :9."""
    from test_browser import CHROMIUM, CHROMIUM_ARGS, _serve

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's /usr/bin/chromium: run `make browser`")
    from playwright.sync_api import expect, sync_playwright

    server = _serve(page_root, tmp_path)
    url = next(server)
    requested: list[str] = []
    hostile_images = 'img[src*="127.0.0.1:9"], img[src="x"]'
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 1400}, locale="zh-CN")
                page.on("request", lambda request: requested.append(request.url))
                from urllib.parse import urlencode

                page.goto(f"{url}/?{urlencode({'view': 'compare', 'a': HOSTILE_ID + 'x'})}")
                expect(page.get_by_text("在索引中不存在")).to_be_visible(timeout=120_000)
                assert page.locator(hostile_images).count() == 0
                page.goto(f"{url}/?{urlencode({'view': 'related', 'ref': 'n0001:' + IMAGE + TAG})}")
                expect(page.get_by_text("找不到要参照的通报或问题")).to_be_visible(timeout=120_000)
                assert page.locator(hostile_images).count() == 0
                page.goto(f"{url}/?{urlencode({'view': 'related', 'ref': HOSTILE_TITLE})}")
                expect(page.locator(".ns-hit").first).to_be_visible(timeout=120_000)
                expect(page.locator(".ns-hit").first).to_contain_text(IMAGE)  # shown as typed
                assert page.locator(hostile_images).count() == 0
                page.goto(f"{url}/?view=upload")
                picker = page.get_by_role("combobox", name="要删除的通报")
                picker.click()
                page.keyboard.type("巡察整改通报")
                page.keyboard.press("Enter")
                page.get_by_role("button", name="删除这篇通报…").click()
                expect(page.get_by_text("确定要从索引中删除")).to_be_visible(timeout=30_000)
                expect(page.get_by_text("确定要从索引中删除")).to_contain_text(IMAGE)
                page.wait_for_timeout(500)
                assert page.locator(hostile_images).count() == 0
            finally:
                browser.close()
    finally:
        server.close()
    assert not [u for u in requested if "127.0.0.1:9/" in u or u.endswith("/x")], requested
