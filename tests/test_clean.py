"""ingest.clean on the real corpus: garbling repaired, page furniture lifted out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from shared_data import NOTICES, QUESTIONS, SEED, missing_message

from index.text.repair import count_annotations, to_simplified
from ingest.clean import clean, is_breadcrumb, is_widget_line, parse_meta_line, repair
from ingest.load import load_paths
from ingest.raw import RawDocument

REPO = Path(__file__).resolve().parent.parent
TONED = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")


@pytest.fixture(scope="module")
def raws() -> dict[str, RawDocument]:
    """Every corpus document and the seed, as loaded."""
    if not NOTICES.is_file():
        pytest.fail(missing_message())
    docs = [d for d in load_paths([NOTICES, SEED]) if isinstance(d, RawDocument)]
    return {d.doc_id: d for d in docs}


@pytest.fixture(scope="module")
def cleaned(raws: dict[str, RawDocument]) -> dict[str, tuple[str, dict]]:
    return {doc_id: clean(raw) for doc_id, raw in raws.items()}


def _mojibake_ids(raws: dict[str, RawDocument]) -> list[str]:
    return [doc_id for doc_id, raw in raws.items() if raw.meta.get("mojibake")]


def _assert_repaired(doc_id: str, text: str) -> None:
    assert count_annotations(text) == 0, doc_id
    leftover = TONED.search(text)
    assert leftover is None, (doc_id, text[max(0, leftover.start() - 10) : leftover.end() + 5])
    assert to_simplified(text) == text, doc_id


# ---------------------------------------------------------------- seed


def test_seed_is_repaired_and_its_furniture_lifted(cleaned: dict[str, tuple[str, dict]]) -> None:
    text, meta = cleaned["seed"]
    _assert_repaired("seed", text)
    lines = text.split("\n")
    assert lines[0] == "【巡察整改】中共张家界市委宣传部关于巡察整改进展情况的通报"
    assert "当前位置" not in text and "来源" not in text and "阅读上一篇" not in text
    assert "市委第三巡察组对市委宣传部进行了巡察" in text
    assert text.endswith("中共张家界市委宣传部\n\n2020年10月15日")
    assert meta["source_site"] == "张家界廉政网"
    assert meta["editor"] == "谢航"
    assert meta["published"] == "2020-12-07"
    assert meta["repaired"] is True and meta["garbled"] is True


def test_seed_lost_characters_leave_no_pinyin(cleaned: dict[str, tuple[str, dict]]) -> None:
    text, _ = cleaned["seed"]
    assert "初审推荐" in text  # ``初審?fù)扑]``: annotation gone, the lost lead byte of 推薦 rebuilt
    assert "fù" not in text
    assert "\ue2fd" not in text


# ---------------------------------------------------------------- mojibake


@pytest.mark.parametrize("doc_id", ["n0004", "n0011", "n0072", "n0157", "n0200"])
def test_mojibake_sample_comes_out_clean(cleaned: dict[str, tuple[str, dict]], doc_id: str) -> None:
    text, meta = cleaned[doc_id]
    _assert_repaired(doc_id, text)
    assert meta["repaired"] is True


def test_every_mojibake_document_comes_out_clean(
    raws: dict[str, RawDocument], cleaned: dict[str, tuple[str, dict]]
) -> None:
    ids = _mojibake_ids(raws)
    assert len(ids) == 27
    for doc_id in ids:
        text, meta = cleaned[doc_id]
        _assert_repaired(doc_id, text)
        assert meta["repaired"] and meta["garbled"], doc_id


def test_whole_corpus_is_simplified_and_width_normalised(cleaned: dict[str, tuple[str, dict]]) -> None:
    for doc_id, (text, _) in cleaned.items():
        assert to_simplified(text) == text, doc_id
        assert "，" not in text and "（" not in text, doc_id


def test_clean_simplified_page_is_not_marked_repaired(cleaned: dict[str, tuple[str, dict]]) -> None:
    assert cleaned["n0001"][1]["repaired"] is False
    assert cleaned["n0001"][1]["garbled"] is False


def test_traditional_page_without_pinyin_is_repaired(cleaned: dict[str, tuple[str, dict]]) -> None:
    text, meta = cleaned["n0019"]
    assert meta["repaired"] is True and meta["garbled"] is False
    assert "巡视" in text


# ---------------------------------------------------------------- furniture

FURNITURE = [
    (
        "n0005",
        ["首页 > 向阳区 > 巡视巡察", "来源:向阳区委巡察办发布时间:2020-12-10 16:02:43"],
        {"source_site": "向阳区委巡察办", "published": "2020-12-10"},
    ),
    (
        "n0015",
        ["您当前的位置: 首页 > 工作动态 > 县区动态 > 紫阳 > 正文", "作者:刘安枝文章来源"],
        {"author": "刘安枝", "source_site": "紫阳县委巡察办", "published": "2020-04-10"},
    ),
    (
        "n0073",
        ["当前位置: 首页 >> 本级巡察情况", "字体大小:", "访问量:0"],
        {"source_site": "市委巡察办", "published": "2025-05-28"},
    ),
    ("n0084", ["时间:2020-06-15 08:52", "【字体: 】"], {"source_site": "蚌埠市纪检监察网", "published": "2020-06-15"}),
    (
        "n0093",
        ["您现在的位置:首页", "来源:明珠湾管理局发布日期:2022-12-08", "【浏览字号 :大 中 小】"],
        {"source_site": "明珠湾管理局", "published": "2022-12-08"},
    ),
    (
        "n0149",
        ["来源:中央纪委监察部网站", "已有0人参与", "版权及免责声明"],
        {"source_site": "中央纪委监察部网站", "published": "2017-08-17"},
    ),
    (
        "n0166",
        ["来源:福建省委巡视办 发布时间:2015-12-02 08:58", "【责任编辑:林丹霓】"],
        {"source_site": "福建省委巡视办", "editor": "林丹霓", "published": "2015-12-02"},
    ),
    (
        "n0206",
        ["当前位置: 衡水要闻", "分享:", "关键词:省委巡视,进驻责任编辑:邢梅智", "推荐阅读"],
        {"source_site": "河北日报", "editor": "邢梅智", "keywords": "省委巡视,进驻"},
    ),
    (
        "n0214",
        ["发布时间:2021-06-02", ">>上一篇", ">>下一篇"],
        {"source_site": "北京纪检监察网", "author": "佚名", "published": "2021-06-02"},
    ),
    (
        "n0260",
        ["来源 | 成都市交通运输局", "编辑 | 夏金、范潇颖"],
        {"source_site": "成都市交通运输局", "editor": "夏金、范潇颖"},
    ),
    ("n0276", ["发布日期:2022-07-06浏览次数", "打印本页 关闭窗口"], {"published": "2022-07-06"}),
    (
        "n0297",
        ["新华网>廉政> 正文", "来源: 湖北日报", "字体:", "分享到:"],
        {"source_site": "湖北日报", "published": "2021-10-23"},
    ),
]


@pytest.mark.parametrize(("doc_id", "gone", "fields"), FURNITURE, ids=[f[0] for f in FURNITURE])
def test_furniture_lines_become_metadata(
    raws: dict[str, RawDocument], cleaned: dict[str, tuple[str, dict]], doc_id: str, gone: list[str], fields: dict
) -> None:
    text, meta = cleaned[doc_id]
    for fragment in gone:
        assert fragment in raws[doc_id].text  # the furniture really is on the page
        assert fragment not in text, fragment
    assert {key: meta.get(key) for key in fields} == fields
    assert meta["removed_lines"] >= len(gone) - 1


def test_content_glued_to_a_source_line_is_kept(cleaned: dict[str, tuple[str, dict]]) -> None:
    text, meta = cleaned["n0099"]
    assert text.split("\n")[1] == "2月27日上午,十届省委第四轮巡视工作动员部署会召开。会议宣布了本轮巡视任务分工。"
    assert meta["source_site"] == "中安在线" and meta["published"] == "2018-03-01"


@pytest.mark.parametrize(
    ("doc_id", "line"),
    [
        ("n0035", "按照有关规定,信访渠道于2024年11月22日下午17:30关闭。"),
        ("n0170", "受理时间:工作日上午9:00—12:00 下午2:00—6:00"),
        ("n0003", "本轮巡察将坚持以习近平新时代中国特色社会主义思想为指导"),
        ("n0027", "(张丽春 || 责任编辑 茹婷婷)"),
    ],
)
def test_content_mentioning_furniture_words_stays(cleaned: dict[str, tuple[str, dict]], doc_id: str, line: str) -> None:
    assert line in cleaned[doc_id][0]


def test_cleaning_keeps_every_evaluation_answer(cleaned: dict[str, tuple[str, dict]]) -> None:
    with QUESTIONS.open(encoding="utf-8") as fh:
        questions = [json.loads(line) for line in fh]
    answered = [q for q in questions if q["answer"]]
    assert len(answered) >= 30
    for q in answered:
        assert q["answer"] in cleaned[q["relevant"][0]][0], q["qid"]


def test_blank_lines_collapsed_and_lines_trimmed(cleaned: dict[str, tuple[str, dict]]) -> None:
    for doc_id, (text, _) in cleaned.items():
        assert "\n\n\n" not in text, doc_id
        assert text == text.strip(), doc_id
        assert all(line == line.strip() for line in text.split("\n")), doc_id


def test_only_short_furniture_lines_are_dropped(
    raws: dict[str, RawDocument], cleaned: dict[str, tuple[str, dict]]
) -> None:
    """A dropped line is short page furniture, never a paragraph of content (a shortened line keeps its tail)."""
    dropped = 0
    for doc_id, raw in raws.items():
        kept = [line for line in cleaned[doc_id][0].split("\n") if line]
        for line in repair(raw.text)[0].split("\n"):
            line = line.strip()
            if line and line not in kept and not any(line.endswith(part) for part in kept):
                dropped += 1
                assert len(line) <= 160, (doc_id, line)
    assert dropped >= 100


# ---------------------------------------------------------------- line rules on real lines


@pytest.mark.parametrize(
    ("line", "fields", "remainder"),
    [
        (
            "来源:张家界廉政网 编辑:谢航 2020-12-07 16:03:59",
            {"source_site": "张家界廉政网", "editor": "谢航", "published": "2020-12-07"},
            "",
        ),
        (
            "- 发布时间:2014-10-11 05:38:46 来源:经济日报 责任编辑:罗伯特",
            {"published": "2014-10-11", "source_site": "经济日报", "editor": "罗伯特"},
            "",
        ),
        ("2019年07月24日 10:53  点击:[]", {"published": "2019-07-24"}, ""),
        ("(来源:中央纪委监察部网站) |", {"source_site": "中央纪委监察部网站"}, ""),
        (
            "来源 :中共天津市东丽区委办公室 访问次数 : 发布时间 :2022-08-16",
            {"source_site": "中共天津市东丽区委办公室", "published": "2022-08-16"},
            "",
        ),
        (
            "信息来源:长宁区纪委监委发布日期:2025年08月13日",
            {"source_site": "长宁区纪委监委", "published": "2025-08-13"},
            "",
        ),
    ],
)
def test_parse_meta_line(line: str, fields: dict, remainder: str) -> None:
    assert parse_meta_line(line) == (fields, remainder)


@pytest.mark.parametrize(
    "line",
    [
        "根据市委统一部署,2020年3月10日至4月20日,市委第三巡察组对市委宣传部进行了巡察。",
        "受理时间:工作日上午9:00—12:00 下午2:00—6:00",
        "2020年10月15日",
        "(一)思想高度重视,落实整改责任。",
    ],
)
def test_content_lines_are_not_metadata(line: str) -> None:
    assert parse_meta_line(line) is None
    assert not is_breadcrumb(line) and not is_widget_line(line)


# ---------------------------------------------------------------- repeated / spaced annotations, lost bytes

SEED_RAW_LINE = "成立了落實(shí)巡察反饋意見整改工作領(lǐng)導(dǎo)小組"


def _doubled(text: str, times: int) -> str:
    """The seed's own annotations written ``times`` times, as some scrapes do (``視(shi)(shi)``)."""
    return re.sub(r"(\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\))", lambda m: m.group(1) * times, text)


@pytest.mark.parametrize("garbled", ["視(shi)(shi)", "市(shi)(shi)委(wei)", "巡(xun)(xun)視(shi)(shi)(shi)"])
def test_repeated_annotations_from_the_issue(garbled: str) -> None:
    """The forms the issue quotes come out without any annotation left."""
    text, _ = repair(garbled)
    assert "(" not in text and text in {"视", "市委", "巡视"}


@pytest.mark.parametrize("times", [2, 3])
def test_repeated_annotations_on_the_seed(raws: dict[str, RawDocument], times: int) -> None:
    """The whole seed with every annotation doubled or tripled repairs exactly like the seed."""
    seed = raws["seed"].text
    assert SEED_RAW_LINE in seed
    once, _ = repair(seed)
    again, _ = repair(_doubled(seed, times))
    assert again == once
    assert "成立了落实巡察反馈意见整改工作领导小组" in again


def test_spaced_bracket_repairs_like_the_single_form(cleaned: dict[str, tuple[str, dict]], raws: dict) -> None:
    """n0064 writes ``會(huì )議`` with a space inside the bracket."""
    assert "會(huì )議" in raws["n0064"].text
    text, _ = cleaned["n0064"]
    assert "会议认为,省委巡视机构认真贯彻" in text and "huì" not in text
    assert repair("省人力資源和社會(huì )保障廳")[0] == "省人力资源和社会保障厅"


def test_real_brackets_survive_repetition(cleaned: dict[str, tuple[str, dict]]) -> None:
    """Real brackets stay: ``人(次)``, ``(信)`` in n0064, ``(A)(B)`` style markers."""
    text, _ = cleaned["n0064"]
    assert "7137人(次)" in text and "(信)" in text
    assert repair("附件(A)(B)")[0] == "附件(A)(B)"


def test_lost_lead_byte_is_rebuilt_when_one_word_fits(cleaned: dict[str, tuple[str, dict]], raws: dict) -> None:
    """seed: ``初審?fù)扑]`` lost the GBK lead byte of 推薦; only one reading makes a word."""
    assert "初審?fù)扑]" in raws["seed"].text
    text, meta = cleaned["seed"]
    assert "区县财政局初审推荐、联合实地考察" in text
    assert meta["lost_bytes_repaired"] == 1


def test_unrepairable_runs_are_kept_and_counted(cleaned: dict[str, tuple[str, dict]]) -> None:
    """Ambiguous lost-byte runs stay in the text (nothing invented) and are counted."""
    from index.text.repair import damaged_spans

    text, meta = cleaned["seed"]
    assert "第一??圩印" in text  # 扣子 or 袍子 or …: ten readings, none chosen
    spans = [text[a:b] for a, b in damaged_spans(text, True)]
    assert meta["damaged_runs"] == len(spans) >= 3
    assert any("圩印" in s for s in spans) and any("体现新" in s for s in spans)
    text, meta = cleaned["n0011"]
    assert "汇报??委3个巡察组" in text  # the stray pinyin ``h`` of 縣(xiàn) is gone, the loss stays marked
    assert "h委" not in text and meta["damaged_runs"] >= 1


def test_no_damage_reported_in_clean_notices(cleaned: dict[str, tuple[str, dict]]) -> None:
    """Real question marks (n0013 ``有没有故态复萌?``, n0281's title) are no damage."""
    damaged = {doc_id for doc_id, (_, meta) in cleaned.items() if meta["damaged_runs"]}
    assert damaged == {"n0011", "n0072", "n0157", "n0200", "seed"}
    from index.text.repair import is_damaged

    assert not is_damaged("宿迁市委巡察工作该如何做?张爱军提出最新要求")
    assert is_damaged("汇报??委3个巡察组") and is_damaged("h委3个巡察组", garbled=True)
