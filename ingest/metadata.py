"""Notice metadata from clean text: title, issuer, inspected unit, dates, kind.

:func:`extract_metadata` reads the clean text (see :mod:`ingest.clean`), the
raw document and the metadata :func:`ingest.clean.clean` lifted out of the
page boilerplate.  The rules follow the fixed shape of Chinese official
documents (标题 ``X关于…的通报``, 落款 organisation + date at the end, the
``…巡察组对X进行了巡察`` opening), not any one region's template.
"""

from __future__ import annotations

import datetime as dt
import re

from index.text.ordinals import number
from index.text.repair import is_damaged, repair_text, without_damage
from ingest.raw import RawDocument

KINDS = ("rectification_progress", "feedback", "announcement", "other")
_KIND_ALIASES = {"other_related": "other"}

# ---------------------------------------------------------------- dates

_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "O": 0,
    "o": 0,
    "Ｏ": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_YEAR = "[〇○零OoＯ一二三四五六七八九]{4}"
_CN_NUM = "[一二三四五六七八九十]{1,3}"
#: A date as written in notices: 2020年10月15日, 2020-10-15, 2020.10.15,
#: 2020/10/15, 二〇二〇年十月十五日.
DATE_PATTERN = (
    rf"(?:(?<!\d)(?:19|20)\d{{2}}\s*(?:年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日?|[-/.]\d{{1,2}}[-/.]\d{{1,2}})(?!\d)"
    rf"|{_CN_YEAR}\s*年\s*{_CN_NUM}\s*月\s*{_CN_NUM}\s*日)"
)
_NUM_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2}|\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_CN_DATE = re.compile(rf"({_CN_YEAR})\s*年\s*({_CN_NUM})\s*月\s*({_CN_NUM})\s*日")
_URL_DATES = (
    re.compile(r"(?<!\d)((?:19|20)\d{2})[-_/.]?(\d{2})[-_/.]?(\d{2})(?!\d)"),
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
)


def _iso(year: int, month: int, day: int) -> str:
    """ISO date, or '' when the parts are not a plausible date."""
    if year < 100:
        year += 2000
    if not 1949 <= year <= dt.date.today().year + 1:
        return ""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


def parse_date(text: str) -> str:
    """The first date in ``text`` as ISO ``yyyy-mm-dd`` ('' if none).

    Reads ``2020年10月15日``, ``2020-10-15 16:03:59``, ``2020.10.15``,
    ``20-04-10`` (two-digit year, as some CMS stamp it) and Chinese numerals
    such as ``二〇二〇年十月十五日``.
    """
    match = _NUM_DATE.search(text)
    if match:
        return _iso(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _CN_DATE.search(text)
    if match:
        year = int("".join(str(_CN_DIGITS[ch]) for ch in match.group(1)))
        return _iso(year, number(match.group(2)) or 0, number(match.group(3)) or 0)
    return ""


def date_from_url(url: str) -> str:
    """Publication date encoded in a CMS url (``/2023-01-29/``, ``/t20201207_…``)."""
    for pattern in _URL_DATES:
        for match in pattern.finditer(url or ""):
            iso = _iso(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            if iso:
                return iso
    return ""


# ---------------------------------------------------------------- lines

_SENTENCE_END = re.compile(r"[。;;,,::!!??]$")
_ENUMERATED = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|[((][一二三四五六七八九十\d]+[))]|\d+[.、．]|问题\d)")
_DATE_LINE = re.compile(rf"^{DATE_PATTERN}$")
_TAG = re.compile(r"^\s*#*\s*【[^】]{1,16}】\s*")
_TITLE_WORDS = re.compile(r"通报|公告|公示|报告|情况|反馈|巡察|巡视|整改|意见|通知|决定|讲话|会议|召开")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def strip_tag(title: str) -> str:
    """Drop a leading column tag and Markdown hashes: ``【巡察整改】X`` → ``X``."""
    return _TAG.sub("", title).lstrip("# ").strip()


def heading_line(text: str, window: int = 10) -> str:
    """The first title-like line among the first ``window`` lines ('' if none).

    Title-like: 6–80 characters, not ending like a sentence, not a numbered
    heading or a date, and using the vocabulary of notice titles.
    """
    for line in _lines(text)[:window]:
        line = strip_tag(line)
        if not 6 <= len(line) <= 80 or _SENTENCE_END.search(line):
            continue
        if _ENUMERATED.match(line) or _DATE_LINE.match(line):
            continue
        if _TITLE_WORDS.search(line):
            return line
    return ""


# ---------------------------------------------------------------- titles from sentences

# A given "title" that is really a sentence of the text (n0001: ``按照《…》有关规定,
# 现将整改进展情况向社会公开,…。``): it ends like a sentence or runs on over commas.
_SENTENCE_TITLE = re.compile(r"[。;]|[。;,,]$")
_OWN_TITLE = re.compile(
    r"(?:^|[\n。])\s*(?P<title>[^\n。,,;]{0,40}?关于[^\n。;]{2,60}?的(?:通报|公告|报告|情况))(?=\s*(?:$|\n))"
)
_CLAUSE = re.compile(r"[^,,。;;:!?\n]+")
_SUBJECT_PHRASE = re.compile(
    r"(?P<phrase>[^,,。;;:、\s]{2,30}?巡[察视][^,,。;;:、\s]{0,3}?"
    r"(?:整改(?:工作)?(?:进展)?情况(?:报告)?|反馈(?:意见|情况)))"
)
_LEADING_VERB = re.compile(r"^.*?(?:听取了?|审议了?|关于|现将|公布了?|通报了?)")
_LEADING_CLAUSE = re.compile(r"^(?:根据|按照|依据|近日|日前|为)")
_MAX_DERIVED = 40


def is_sentence_title(title: str) -> bool:
    """True when a given title reads as a sentence of text rather than a title."""
    title = title.strip()
    return bool(_SENTENCE_TITLE.search(title)) or (title.count(",") + title.count("，") >= 1 and len(title) > 30)


def derive_title(text: str) -> str:
    """A title for a notice whose given title is a sentence, as a person would write it.

    The notice's own ``…关于…的通报`` line if it has one; else the phrase that
    names what it reports (``十二届区委第二轮巡察的整改进展情况报告``); else its
    first clause about 巡察/巡视 (``中央巡视组第二轮巡视工作从去年10月底开始``);
    else its first clause, cut short.
    """
    own = _OWN_TITLE.search(text[:3000])
    if own:
        return strip_tag(own.group("title").strip())
    head = text[:1500]
    phrase = _SUBJECT_PHRASE.search(head)
    if phrase:
        return _LEADING_VERB.sub("", phrase.group("phrase")) or phrase.group("phrase")
    clauses = [c.strip() for c in _CLAUSE.findall(head) if c.strip()]
    for clause in clauses:
        if re.search("巡[察视]", clause) and 8 <= len(clause) <= _MAX_DERIVED and not _LEADING_CLAUSE.match(clause):
            return clause
    first = next((c for c in clauses if not _LEADING_CLAUSE.match(c)), clauses[0] if clauses else "")
    return first if len(first) <= _MAX_DERIVED else first[: _MAX_DERIVED - 1] + "…"


# ---------------------------------------------------------------- organisation

_ORG_SUFFIX = (
    r"(?:委员会|党委|党组|党工委|工委|纪委|监委|委|部|局|厅|署|办公室|办|院|校|大学|学院|公司|集团|医院|中心|政府"
    r"|支部|总支|巡察组|巡视组|领导小组|小组|工会|协会|联合会|所|站|馆|社|行|会"
    r"|省|市|区|县|州|盟|旗|镇|乡|街道|村|社区)"
)
_ORG = re.compile(rf"^[^\s,,。;;:、“”\"《》]{{2,40}}?{_ORG_SUFFIX}$")
_NOT_ORG = re.compile(
    r"召开|听取|开展|进行|学习|传达|部署|研究|审议|印发|发布|公布|通报|进驻|反馈|督查|推进|启动|举行|为期|本轮|做好"
)
_TITLE_ISSUER = re.compile(r"^(?P<org>.{2,40}?)关于.{2,}")


def is_org(name: str) -> bool:
    """True when ``name`` reads as an organisation (中共X委员会, X局党组, X县委…)."""
    return bool(_ORG.match(name)) and not _NOT_ORG.search(name) and not name[0].isdigit()


def org_from_title(title: str) -> str:
    """Issuer named at the head of a title: ``X关于…的通报`` or ``中共X办公室 标题``."""
    title = strip_tag(title)
    match = _TITLE_ISSUER.match(title)
    if match and is_org(match.group("org").strip()):
        return match.group("org").strip()
    head = title.split()[0] if title.split() else ""
    if head.startswith("中共") and head != title and is_org(head):
        return head
    return ""


def signature(text: str) -> tuple[str, str]:
    """The last 落款 of the text: ``(organisation, ISO date)``.

    A date on its own line (``2020年10月15日``) directly under one or two short
    lines that together name an organisation (``中共乐至县委巡察工作`` /
    ``领导小组办公室``), or both on one line.  Empty strings when absent.
    """
    lines = _lines(text)
    for index in range(len(lines) - 1, 0, -1):
        org, date = _signature_at(lines, index)
        if date:
            return org, date
    return "", ""


_SAME_LINE_SIGNATURE = re.compile(rf"^(?P<org>\S.{{1,40}}?)\s+(?P<date>{DATE_PATTERN})$")


def _signature_at(lines: list[str], index: int) -> tuple[str, str]:
    """Signature ending at ``lines[index]``: ``(org, ISO date)`` or ``('', '')``."""
    line = lines[index]
    same_line = _SAME_LINE_SIGNATURE.match(line)
    if same_line and is_org(same_line.group("org")):
        return same_line.group("org"), parse_date(same_line.group("date"))
    if not _DATE_LINE.match(line):
        return "", ""
    org = _signature_org(lines[index - 1], lines[index - 2] if index >= 2 else "")
    return (org, parse_date(line)) if org else ("", "")


def _signature_org(above: str, upper: str) -> str:
    """Organisation on the line above a date, continued from the line before if split."""
    if upper and len(upper) <= 20 and not is_org(upper) and not _SENTENCE_END.search(upper) and is_org(upper + above):
        return upper + above
    return above if is_org(above) else ""


def signed_date(text: str) -> str:
    """Date under the signature; else a date alone on one of the last three lines."""
    _, date = signature(text)
    if date:
        return date
    lines = _lines(text)
    for line in reversed(lines[max(3, len(lines) - 3) :]):
        if _DATE_LINE.match(line):
            return parse_date(line)
    return ""


# ---------------------------------------------------------------- inspected unit

_INSPECTED = re.compile(
    r"巡[察视](?:[^。;,,、\n]{0,4})?组[^。;\n]{0,30}?(?:对|进驻)(?P<unit>[^。;,,、“”:\s]{2,40}?)"
    r"(?:党组织|领导班子)?(?:进行了?|开展了?|实施了?)?(?:常规|专项|机动|提级|联动|延伸)?(?:巡[察视])"
)
_ALIAS = re.compile(r"[((](?:以下)?简称[^))]*[))]")
_SELF = re.compile(r"^(?:我|本|贵)(?:部|局|委|院|校|单位|公司|县|市|区|镇|乡|中心|厅|办)")
_MULTI = re.compile(r"\d+\s*[个家户所]|[一二三四五六七八九十两]+[个家户所]|^被|及|等(?:单位|部门|地方|地区|党组织)?$")


def one_unit(name: str) -> bool:
    """Whether ``name`` reads as one organisation: not a self-reference (我部) nor several (4家单位, A及B)."""
    return is_org(name) and not _SELF.match(name) and not _MULTI.search(name)


def inspected_unit(text: str, head: int = 1500) -> str:
    """The unit inspected, when the opening states a single one ('' otherwise).

    ``市委第三巡察组对市委宣传部进行了巡察`` → ``市委宣传部``; rounds over many
    units (``对A、B等4家单位开展巡察``) and self-references (``我部``) give ''.
    """
    for match in _INSPECTED.finditer(text[:head]):
        unit = _ALIAS.sub("", match.group("unit")).strip()
        if one_unit(unit):
            return unit
    return ""


# ---------------------------------------------------------------- kind

# A progress notice reports 巡察/巡视 整改 进展/情况; visits, reviews and meetings about it are news.
_RECTIFICATION = re.compile(r"^(?!.*(?:督查|督导|回访|评估|汇报会|推进会|领导小组)).*巡[察视].*整改.{0,4}(?:进展|情况)")
_RECTIFICATION_TEXT = re.compile(r"现将[^。]{0,40}整改(?:落实)?(?:进展)?情况[^。]{0,10}(?:公布|公开|通报|报告)")
_FEEDBACK = re.compile(r"^(?!.*(?:整改|落实|传达|学习|精神))(?=.*巡[察视]).*反馈")
# Genres that are not notices: guidelines, speeches, studies, reviews.
_NOT_NOTICE = re.compile(r"(?:的(?:意见|办法|规定|条例|方案)|讲话|建议|研究|思考|综述|体会)(?:[((].*[))])?$")
_FEEDBACK_TEXT = re.compile(r"巡[察视]组[^。]{0,40}反馈(?:了)?[^。]{0,10}巡[察视](?:意见|情况)")
_ANNOUNCEMENT = re.compile(
    r"^(?=.*巡[察视]).*(?:进驻|入驻|公告|动员|启动|展开|撤离|举报电话|信访|联系方式|(?:巡察|巡视)(?:工作)?安排)"
)
_ANNOUNCEMENT_TEXT = re.compile(
    r"巡[察视]组[^。]{0,30}(?:进驻|入驻)|巡[察视]期间[^。]{0,40}(?:举报|信访|联系)|受理[^。]{0,10}来信来电来访"
)


def classify_kind(title: str, text: str) -> str:
    """Kind of a notice from its title, else from its opening paragraph."""
    if title and _NOT_NOTICE.search(title):
        return "other"
    for pattern, kind in (
        (_RECTIFICATION, "rectification_progress"),
        (_FEEDBACK, "feedback"),
        (_ANNOUNCEMENT, "announcement"),
    ):
        if title and pattern.search(title):
            return kind
    head = text[:600]
    for pattern, kind in (
        (_RECTIFICATION_TEXT, "rectification_progress"),
        (_FEEDBACK_TEXT, "feedback"),
        (_ANNOUNCEMENT_TEXT, "announcement"),
    ):
        if pattern.search(head):
            return kind
    return "other"


def normalise_kind(kind: str) -> str:
    """A given kind in our vocabulary (``other_related`` → ``other``); '' if unknown."""
    kind = _KIND_ALIASES.get(kind.strip(), kind.strip())
    return kind if kind in KINDS else ""


# ---------------------------------------------------------------- all together


def extract_metadata(text: str, raw: RawDocument, boiler: dict) -> dict:
    """Metadata of one notice.

    ``text`` is the clean text, ``boiler`` what :func:`ingest.clean.clean`
    lifted out of the page (``published`` ISO date, ``source_site``, …).
    Returns ``title``, ``org`` (issuer), ``inspected_unit``, ``date``
    (publication, ISO), ``signed_date`` (落款 date, ISO) and ``kind``
    (rectification_progress | feedback | announcement | other); a value not
    found is ''.  When the given title is a sentence rather than a title
    (see :func:`is_sentence_title`) the title is derived from the text
    (:func:`derive_title`) and the given one is returned as ``given_title``.
    A title holding a lost-byte run (:func:`index.text.repair.is_damaged`) is
    replaced the same way, or has the run cut out.
    """
    heading = heading_line(text)
    if heading and is_damaged(heading, boiler.get("garbled")):
        heading = ""
    given = strip_tag(repair_text(raw.title).strip()) if raw.title.strip() else ""
    title = given or heading
    extra: dict = {}
    if given and (is_sentence_title(given) or is_damaged(given, boiler.get("garbled"))):
        title = heading if heading and not is_sentence_title(heading) else derive_title(text)
        extra["given_title"] = given
    if is_damaged(title, boiler.get("garbled")):
        title = without_damage(title, boiler.get("garbled"))
    sig_org, _ = signature(text)
    org = org_from_title(title) or org_from_title(heading) or sig_org
    date = boiler.get("published") or parse_date(str(raw.meta.get("published", ""))) or date_from_url(raw.url)
    return {
        "title": title,
        "org": org,
        "inspected_unit": inspected_unit(text),
        "date": date,
        "signed_date": signed_date(text),
        "kind": normalise_kind(raw.kind) or classify_kind(title or heading, text),
        **extra,
    }
