"""The notice card: a notice's standard facts, each with the span of the clean text it came from.

Every notice has a fixed shape (``根据…部署,2020年3月10日至4月20日,市委第三巡察组对市委宣传部进行了巡察。
2020年7月23日,巡察组向我部反馈了巡察意见…``, a closing ``联系方式电话:…;电子邮箱:…``), so its facts are
read by rules over that shape: who inspected (the group), whom, the inspection period, the feedback date, the
round, the stated counts (problems, completed, rate — the patterns of :mod:`ingest.structure`, extended), money
recovered, people disciplined, systems made, contact details (per group when an announcement lists several)
and the leader of the rectification group.

A card is a plain dict (JSON): ``{field: [{"value", "start", "end"}, …], "contacts": [{"group", "inspected",
"phone", "email", "mailbox", "hours"}, …]}`` with offsets into ``Document.text``; fields not stated are left out.
Precision and recall per field are measured on hand-labelled notices (``tests/data/card_labels.jsonl``,
``benchmarks/bench_card.py``).
"""

from __future__ import annotations

import re
from typing import Any

from .metadata import inspected_unit, one_unit
from .structure import _DOC_FIGURES

#: Card fields in display order, with their Chinese names (what the notice page shows).
CARD_FIELDS: dict[str, str] = {
    "group": "巡察（巡视）组",
    "inspected": "被巡察单位",
    "period": "巡察（进驻）时间",
    "feedback_date": "反馈时间",
    "round": "轮次",
    "problems": "反馈问题数",
    "completed": "已完成整改",
    "rate": "完成率",
    "money": "清退/追缴/挽回金额",
    "disciplined": "处分/问责人数",
    "systems": "建立制度",
    "phone": "电话",
    "email": "电子邮箱",
    "mailbox": "信箱/来信地址",
    "hours": "信访受理时间",
    "leader": "整改领导小组组长",
}

_NUM = "一二三四五六七八九十"
_ORDINAL = rf"[{_NUM}\d]{{1,3}}"
_GROUP = re.compile(
    rf"(?:中央|[省市区县州旗]委|党委|党组)?(?:第{_ORDINAL}(?:专项)?巡[视察]组|巡[视察]{_ORDINAL}组)"
    rf"|(?:[省市区县州旗]委)[\u4e00-\u9fff]{{2,10}}?专项巡[视察]组"
)
_GROUP_CORE = re.compile(rf"第?({_ORDINAL})(?:专项)?巡([视察])|巡([视察])({_ORDINAL})组")

_DAY = r"(?:\d{1,2}日|[上中下]旬|底|初)"
_DATE = rf"(?:(?:19|20)\d{{2}}年)?\d{{1,2}}月{_DAY}?"
_DATE_FULL = r"(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}日"
_RANGE = re.compile(
    rf"(?<![\d年月])(?P<a>{_DATE}(?:起)?)\s*[,]?\s*(?:至|到|—|-|~)\s*(?P<b>(?:(?:19|20)\d{{2}}年)?(?:\d{{1,2}}月{_DAY}?|{_DAY}))"
)
_SINGLE = re.compile(rf"(?<![\d年月])(?:从|自|于)?(?P<a>{_DATE_FULL})")
_ROUND = re.compile(rf"(?:第{_ORDINAL}轮|首轮)(?=[^。;,、\d]{{0,4}}巡[视察])")

_FEEDBACK_NEAR = re.compile(
    r"^(?![^。;]{0,45}?(?:落实|对照|针对|整改|传达|学习|公布|公开)[^。;]{0,8}?反馈)[^。;]{0,100}?反馈"
)
_START_NEAR = re.compile(r"^[^。;]{0,6}?(?:起|开始)|^[^。;]{0,30}?进驻")
_INSPECTION_NEAR = re.compile(
    r"^[^。;]{0,60}?(?:巡[视察]组?对|对[^。;]{1,200}?(?:开展|进行)|开展[^。;]{0,10}巡[视察])"
)
#: A range named as the inspection's time (``巡视时间安排在9月至11月下旬``).
_PERIOD_BEFORE = re.compile(r"(?:巡[视察]|进驻)(?:工作)?时间(?:安排)?(?:在|为|是)?$")

#: Problem counts beyond :data:`ingest.structure._DOC_FIGURES` (``5类主要问题``, ``针对52项问题``).
_MORE_PROBLEMS = [
    re.compile(r"(?:反馈|指出|发现|针对|存在|梳理)[^。;]{0,30}?(?<![\d.])(\d+)\s*[个项条类](?:具体|突出|主要)?问题"),
    re.compile(r"(?:发现|反馈)[^。;\d]{0,16}?问题\s*(\d+)\s*[个项条]"),
]
_MONEY = re.compile(r"(?:清退|追缴|挽回|追回|收回|退还|退赔|整改)[^。;,]{0,16}?(\d+(?:\.\d+)?\s*(?:亿|万)?元)")
_DISCIPLINED = [
    re.compile(r"(?:处分|问责|诫勉|组织处理|处罚|党纪政务处分|立案)[^。;,\d]{0,6}?(\d+)\s*(?:人|名)(?!次)"),
    re.compile(r"(?<![\d.])(\d+)\s*(?:人|名)(?:次)?[^。;,]{0,4}?(?:受到|给予)?[^。;,]{0,4}?(?:处分|问责|诫勉|处罚)"),
]
_SYSTEMS = [
    re.compile(r"(?:制定|修订|完善|出台|建立|健全|新建)[^。;]{0,16}?制度[^。;,\d]{0,6}?(\d+)\s*(?:多|余)?[项个套条件]"),
    re.compile(r"(?<![\d.])(\d+)\s*[项个套条件](?:规章|管理)?制度"),
]
_PHONE = re.compile(r"(?<![\d-])(?:0\d{2,3}\s*[-—–]\s*\d{7,8}|1[3-9]\d{9}|[2-9]\d{6,7}|0\d{9,11})(?![\d])")
_PHONE_WORD = re.compile(r"电话|热线|手机|来电")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_MAILBOX = [
    re.compile(r"(?:来信请寄|信件请寄|邮寄地址|通信地址|通讯地址|来信地址|邮政信箱(?=\s*:))\s*[::]?\s*([^;。\n]{4,60}?)(?=[;。\n]|$)"),
    re.compile(r"([\u4e00-\u9fff]{0,12}?(?:邮政)?第?\d+号(?:邮政)?(?:专用)?信箱)"),
]
_HOURS = re.compile(
    r"(?:受理时间|信访时间|接访时间|值班时间|接听电话时间)\s*(?:为|是)?\s*[::]?\s*([^;。\n()]{4,60}?)(?=[;。\n()]|$)"
)
_LEADER = [
    re.compile(r"(?:由|领导小组,)([^,。;:“”()]{2,24}?)(?:任|为|担任)组长"),
    re.compile(r"([^,。;:“”()\d]{2,14}?)(?:担任|任)[^。;,]{0,10}?领导小组组长"),
]
_INSPECTED_MORE = [
    re.compile(r"巡[视察]组(?:[^。;,]{0,12}?)(?:巡察|巡视|进驻)(?P<unit>[^。;,、“”:\s]{2,30}?)(?:工作|情况|党委|党组)?(?:动员|反馈|汇报)"),
    re.compile(r"巡[视察]组[^。;,]{0,4}?对(?P<unit>[^。;,、“”:\s]{2,30}?)(?:党组织|领导班子)?(?:进行|开展)"),
    re.compile(r"巡[视察]组[^。;,]{0,12}?(?:向|到)(?P<unit>[^。;,、“”:\s]{2,30}?)(?:党组织|领导班子)?反馈"),
]
#: Several units inspected together, enumerated with 、 (巡察组巡察州委宣传部、州委统战部工作动员会).
_INSPECTED_LIST = re.compile(r"巡[视察]组[^。;,、]{0,6}?(?:巡察|巡视|进驻|对)(?P<units>[^。;,、“”:\s]{2,30}?"
                             r"(?:、[^。;,、“”:\s]{2,30}?)+)(?:党组织|领导班子)?(?:工作|开展|进行|,|，)")
#: A rectification notice is issued by the unit inspected: ``X关于…巡察…整改进展情况的通报`` heading the text.
_ISSUER = re.compile(r"(?P<unit>[^\s。;,，:：]{3,40}?)关于[^。\n]{0,40}?巡[察视][^。\n]{0,24}?整改[^。\n]{0,12}?"
                     r"(?:情况|进展)[^。\n]{0,6}?的?(?:通报|公告|报告)")
_LEADER_SUBJECTLESS = re.compile(r"(?:担任|担负|任)[^。;,]{0,10}?整改[^。;,]{0,8}?领导小组组长")
_SECRETARY = re.compile(r"[\u4e00-\u9fff]{0,6}?(?:党委|党组|党工委|区委|市委|县委|省委|集团党委)书记")


def _item(value: str, start: int, end: int) -> dict[str, Any]:
    return {"value": value, "start": start, "end": end}


def group_key(name: str) -> str:
    """What makes two group names the same group: the ordinal and 巡视/巡察 (``市委第三巡察组`` → ``三察``)."""
    m = _GROUP_CORE.search(name)
    if m:
        return (m.group(1) or m.group(4)) + (m.group(2) or m.group(3))
    return re.sub(r"^(?:中央|[省市区县州旗]委)", "", name)


def _groups(text: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for m in _GROUP.finditer(text):
        key = group_key(m.group(0))
        if key not in seen:
            seen[key] = _item(m.group(0), m.start(), m.end())
    return list(seen.values())


def _dates(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(inspection periods, feedback dates): date ranges and dates by what their sentence says of them."""
    periods: list[dict[str, Any]] = []
    feedback: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for m in _RANGE.finditer(text):
        taken.append((m.start(), m.end()))
        after = text[m.end():m.end() + 260]
        item = _item(m.group(0), m.start("a"), m.end())
        if _FEEDBACK_NEAR.search(after) and not _INSPECTION_NEAR.search(after):
            feedback.append(item)
        elif _INSPECTION_NEAR.search(after) or _START_NEAR.search(after) \
                or _PERIOD_BEFORE.search(text[max(0, m.start() - 12):m.start()]):
            periods.append(item)
    for m in _SINGLE.finditer(text):
        if any(a <= m.start("a") < b for a, b in taken):
            continue
        after = text[m.end():m.end() + 80]
        item = _item(m.group("a"), m.start("a"), m.end("a"))
        if _FEEDBACK_NEAR.search(after) and not re.match(r"^[^。;]{0,6}?(?:之前|以前|前|以内)(?=[,。;完])", after):
            feedback.append(item)
        elif _START_NEAR.search(after) and not _FEEDBACK_NEAR.search(after):
            periods.append(item)
    return periods[:3], feedback[:1]  # a notice is fed back once: the first date (chosen on the dev labels)


def _first_of(patterns: list[re.Pattern[str]], text: str) -> list[dict[str, Any]]:
    found = [m for p in patterns if (m := p.search(text))]
    if not found:
        return []
    m = min(found, key=lambda x: x.start(1))
    return [_item(m.group(1), m.start(1), m.end(1))]


def _all_of(patterns: list[re.Pattern[str]], text: str, limit: int = 6) -> list[dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for p in patterns:
        for m in p.finditer(text):
            out.setdefault(m.start(1), _item(m.group(1), m.start(1), m.end(1)))
    return [out[k] for k in sorted(out)][:limit]


def _phones(text: str) -> list[dict[str, Any]]:
    out = []
    for m in _PHONE.finditer(text):
        line_start = max(text.rfind("\n", 0, m.start()), text.rfind("。", 0, m.start())) + 1
        before = text[max(line_start, m.start() - 40):m.start()]
        if _PHONE_WORD.search(before):
            out.append(_item(m.group(0), m.start(), m.end()))
    return out


def _leader(text: str) -> list[dict[str, Any]]:
    for pattern in _LEADER:
        for m in pattern.finditer(text):
            tail = text[m.end():m.end() + 60]
            group = tail[:tail.find("领导小组") + 4] if "领导小组" in tail else ""
            before = text[max(0, m.start(1) - 40):m.start(1)]
            named = before[before.rfind("领导小组") - 30:] if "领导小组" in before[-16:] else ""
            rectifying = ("整改" in group and "督" not in group) or ("整改" in named and "督" not in named)
            if pattern is _LEADER[0] and not rectifying:
                continue
            if pattern is _LEADER[1] and "整改" not in text[m.end(1):m.end()]:
                continue
            who = re.sub(r"^(?:成立了?|并|由|是|作为|一是|二是)", "", m.group(1)).strip()
            start = m.start(1) + m.group(1).find(who)
            if len(who) >= 2:
                return [_item(who, start, start + len(who))]
    m = _LEADER_SUBJECTLESS.search(text)
    if m:  # 担任巡视整改工作领导小组组长: the secretary named before it
        secretaries = list(_SECRETARY.finditer(text, max(0, m.start() - 600), m.start()))
        if secretaries:
            s = secretaries[-1]
            return [_item(s.group(0), s.start(), s.end())]
    return []


def _contacts(text: str, card: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Contact details per group: each phone, e-mail, mailbox and hours to the group named last before it."""
    groups = sorted(_GROUP.finditer(text), key=lambda m: m.start())
    details = [(f, item) for f in ("phone", "email", "mailbox", "hours") for item in card.get(f, [])]
    if not details:
        return []
    by_group: dict[str, dict[str, Any]] = {}
    for field_name, item in sorted(details, key=lambda x: x[1]["start"]):
        before = [g for g in groups if g.end() <= item["start"]]
        name = before[-1].group(0) if before else ""
        key = group_key(name) if name else ""
        if key not in by_group:
            by_group[key] = {"group": name, "group_start": before[-1].start() if before else 0,
                             "group_end": before[-1].end() if before else 0,
                             "inspected": _group_units(text, before[-1]) if before else [],
                             "phone": [], "email": [], "mailbox": [], "hours": []}
        entry = by_group[key]
        entry[field_name].append(item)
    return list(by_group.values())


def _group_units(text: str, group: re.Match[str]) -> list[str]:
    """The units a group inspects when the text says so right after its name.

    ``县委第二巡察组巡察县人大机关、县政协机关。`` → ``["县人大机关", "县政协机关"]``.
    """
    m = re.match(r"\s*(?:巡察|巡视|进驻|负责)([^。;\n:]{2,200})", text[group.end():])
    if not m:
        return []
    return [u.strip() for u in re.split(r"[、,和及]", m.group(1)) if 2 <= len(u.strip()) <= 30][:12]


def _one_unit(name: str) -> bool:
    """Whether a matched run names one organisation (not 44所高校, 我区…, 工作开展了)."""
    return len(name) >= 3 and "情况" not in name and one_unit(name)


def extract_card(text: str) -> dict[str, Any]:
    """The card of one notice from its clean text (see the module docstring for the shape)."""
    card: dict[str, Any] = {}
    card["group"] = _groups(text)
    unit = inspected_unit(text) or next((m.group("unit") for p in _INSPECTED_MORE if (m := p.search(text[:1500]))
                                          and _one_unit(m.group("unit"))), "")
    if not unit and (m := _ISSUER.search(text[:600])) and _one_unit(m.group("unit")):
        unit = m.group("unit")
    if unit:
        at, end = text.find(unit), -1
        if at >= 0:
            end = at + len(unit)
        elif (at := text.find(unit[:4])) >= 0 and (tail := text.find(unit[-2:], at)) >= 0:
            end = tail + 2  # the unit was named with an alias inside (…管理局(简称…)党组): its words as written
        if at >= 0 and end > at:
            card["inspected"] = [_item(text[at:end], at, end)]
    elif (m := _INSPECTED_LIST.search(text[:1500])) and all(_one_unit(u) for u in m.group("units").split("、")):
        at = m.start("units")
        for name in m.group("units").split("、"):
            card.setdefault("inspected", []).append(_item(name, at, at + len(name)))
            at += len(name) + 1
    card["period"], card["feedback_date"] = _dates(text)
    card["round"] = [_item(m.group(0), m.start(), m.end()) for m in _ROUND.finditer(text)][:1]
    card["problems"] = _first_of(_DOC_FIGURES["problems"] + _MORE_PROBLEMS, text)
    card["completed"] = _first_of(_DOC_FIGURES["completed"], text)
    card["rate"] = _first_of(_DOC_FIGURES["rate"], text)
    card["money"] = _all_of([_MONEY], text)
    card["disciplined"] = _all_of(_DISCIPLINED, text)
    card["systems"] = _first_of(_SYSTEMS, text)
    card["phone"] = _phones(text)
    card["email"] = [_item(m.group(0), m.start(), m.end()) for m in _EMAIL.finditer(text)]
    card["mailbox"] = _all_of(_MAILBOX, text)
    card["hours"] = _all_of([_HOURS], text, 3)
    card["leader"] = _leader(text)
    card = {k: v for k, v in card.items() if v}
    contacts = _contacts(text, card)
    if len(contacts) > 1 or (contacts and contacts[0]["group"]):
        card["contacts"] = contacts
    return card
