"""What a question asks for, and the spans of a sentence that could be it.

:func:`asked_types` reads the question (多少个县 → a count measured in 个 of
县; 电话和邮箱 → a phone number *and* an e-mail address); :func:`find_spans`
finds candidate spans of a type in a sentence.  The patterns are general
Chinese forms (numerals with measure words, dates, phone numbers, e-mail and
postal boxes, 《》/“” names, names after a role word), not fitted to any one
question; which candidate wins is the scorer's business (:mod:`index.answer.reader`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

#: A number: Arabic (with decimals/thousands), Chinese numerals, or 近/约/余 forms around them (4万余 条).
NUM = (r"(?:[近约超逾共计]?(?:\d[\d,，]*(?:\.\d+)?(?:[万亿](?=[余多]))?|[零一二两三四五六七八九十百千万亿半]+)"
       r"(?:余|多)?)")
#: Measure words a count is stated in (longest first so 人次 wins over 人).
MEASURES = ("人次", "场次", "平方米", "公里", "小时", "分钟", "方面", "个", "项", "条", "件", "名", "所", "家", "类",
            "批", "轮", "户", "村", "起", "份", "种", "次", "人", "位", "处", "座", "组", "期", "笔", "场", "篇", "张",
            "亩", "元", "天", "年", "周", "月", "万", "亿", "块", "套", "台", "辆", "栋", "本", "册", "幅", "首", "株",
            "棵", "吨", "宗", "例", "封", "遍", "米")
_MEASURE = "|".join(MEASURES)
#: Measure words that count the same things: people are counted in 人, 名 or 位 (多少人 → 240余名).
PEOPLE_MEASURES = ("人", "名", "位")
SAME_MEASURE = dict.fromkeys(PEOPLE_MEASURES, PEOPLE_MEASURES)
#: The marks between the two ends of a range of dates or times (3月10日至4月20日, 9:00—17:00, 8:30～12:00).
RANGE_MARK = r"(?:至|到|—|－|-|~|～)"
_HAN = r"[\u4e00-\u9fff]"

SPAN_PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"),
    "phone": re.compile(r"(?<!\d)(?:\d{3,4}\s*[-—－–]{1,2}\s*\d{7,8}|1[3-9]\d{9}|\d{7,8}|\d{3,4}\s*\d{7,8})(?!\d)"),
    "postal": re.compile(rf"(?:{_HAN}{{0,12}}?)(?:第)?\d+号?{_HAN}{{0,6}}信箱"),
    "postcode": re.compile(r"(?<!\d)\d{6}(?!\d)"),
    "percent": re.compile(rf"(?:{NUM}\s*[%％])|百分之{NUM}|{NUM}成"),
    "money": re.compile(rf"{NUM}\s*(?:万|亿)?多?元"),
    "time": re.compile(r"(?:(?:上午|下午|早上?|晚上?|中午)\s*)?\d{1,2}\s*[:：]\s*\d{2}"
                       rf"(?:\s*{RANGE_MARK}+\s*(?:(?:上午|下午|早上?|晚上?|中午)\s*)?\d{{1,2}}\s*[:：]\s*\d{{2}})?"),
    "date": re.compile(r"(?:\d{4}\s*年)?(?:\d{1,2}\s*月)(?:\d{1,2}\s*[日号])?(?:[上中下]旬|初|底|末)?(?:[上下]午|晚)?"
                       rf"(?:\s*{RANGE_MARK}\s*(?:\d{{4}}\s*年)?(?:\d{{1,2}}\s*月)?(?:\d{{1,2}}\s*[日号])?"
                       r"(?:[上中下]旬|初|底|末)?)?"
                       r"|\d{4}\s*年(?:底|初|末|上半年|下半年)?"),
    "duration": re.compile(rf"(?:为期|历时|用时|仅)?{NUM}\s*(?:个(?:半)?月|天|周|年|个工作日|小时)(?:左右)?"),
    "address": re.compile(rf"{_HAN}{{2,12}}(?:路|街|大道|巷|道)(?:\d+号)?{_HAN}{{0,10}}"
                          r"(?:宾馆|酒店|大楼|大厦|楼|院|中心|室)"
                          rf"|(?<=地点[:：])[^,，;；。]{{4,30}}|(?<=地址[:：])[^,，;；。]{{4,30}}"
                          r"|(?<=在)[^,，;；。在]{2,16}?(?=召开|举行|举办)"),  # a meeting's place: 在X召开
    "docnum": re.compile(rf"{_HAN}{{1,10}}\s*[〔［\[（(]\s*\d{{4}}\s*[〕］\]）)]\s*\d+\s*号"),  # 张思发〔2020〕1号
    "quoted": re.compile(r"《[^》]{2,40}》|“[^”]{2,30}”|\"[^\"]{2,30}\""),
    "count": re.compile(rf"{NUM}\s*(?:{_MEASURE})"),
}

#: Role words a person is named after (组长刘卒) or asked by (组长是谁).
_ROLES = "组长|书记|部长|局长|主任|县长|市长|区长|镇长|厅长|院长|校长|董事长|总经理|主席"

#: Question patterns → the type they ask for, first match of each group wins.
_ASK_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("docnum", re.compile(r"文号|发文字号|发文号")),
    ("email", re.compile(r"电子邮箱|电子信箱|电子邮件|邮箱|e-?mail", re.I)),
    ("postcode", re.compile(r"邮编|邮政编码")),
    ("postal", re.compile(r"邮政信箱|信箱|寄信")),
    ("time", re.compile(r"几点|接听时间|时段")),
    ("phone", re.compile(r"电话(?:号码)?(?:是|为)?多少|哪个电话|电话号码|热线|手机号|举报电话|监督电话|电话和|和电话"
                         r"|号码")),  # 打哪个号码: in these notices a number to call
    ("percent", re.compile(r"率是?多少|率达到|比例|占比|几成|百分")),
    ("money", re.compile(r"多少钱|金额|多少元|多少万元|资金|挽回|追退|罚款|罚的钱|经济损失|数额")),
    ("date", re.compile(r"(?:时间|期限)[?？]?$|哪天|哪一天|何时|什么时候|啥时候|啥时|几号|什么时间|哪个月|日期|起止"
                        r"|截止|哪年|几月|哪几天|持续到")),
    ("person", re.compile(r"是谁|由谁|谁[任是]|哪位|叫什么名字|一把手叫|谁$|谁[?？]"
                          rf"|\s(?:第一)?副?(?:{_ROLES})$")),  # a keyword query ending in the role: …山东省 组长
    ("named", re.compile(r"(?:叫什么|是什么|什么\w{0,3})[?？]?$")),
    ("list_units", re.compile(r"哪些单位|哪(?:几|两|[三四五六七八九十]|\d+)[家个所位名]|哪些部门|哪些企业|哪些地方")),
    ("duration", re.compile(r"多久|多长时间|多少天|(?<!哪)几天|为期|多长")),
    ("count", re.compile(r"多少|几[个项条件次名所家类天人批轮种位]|数量|一共|总共")),
    ("address", re.compile(r"哪里|(?<!存)在哪|哪儿|地址|地点|什么地方")),
    ("list_problems", re.compile(r"哪些问题|存在哪些|什么问题|哪些方面")),
    ("named", re.compile(r"叫什么|什么名|什么文件|哪项|哪个|哪家|哪种|哪[部份篇本届场首支条座]|什么专项|什么方式"
                         r"|什么内容|什么说法|什么")),
]

#: Types whose answer has a strict shape: no span of the type means no answer.
STRICT = {"docnum", "email", "postcode", "postal", "phone", "time", "percent", "money", "date", "count", "duration",
          "person"}
#: Types answered by several items gathered over passages.
LIST_TYPES = {"list_units", "list_problems"}
#: A question about which *notices* (units, places, inspections, reports) share something: 哪些单位被指出…,
#: 哪些巡视巡察…, 哪些中央巡视…, 哪些地方…, …的报道有哪些 (up to four characters between 哪些 and the noun).
#: Answered by the cross-notice ranking (``related``), one item per notice, rather than by one sentence.
#: 哪几家/哪两所 (an enumeration inside one notice) stay ``list_units``.
NOTICE_LIST = re.compile(r"哪些[^,，、?？]{0,4}?(?:单位|部门|企业|地方|地区|省区|省份|城市|县区|市县|巡视|巡察|"
                         r"材料|通报|报道|文章|信息|医院|学校|高校|国企|央企)|(?:单位|部门|巡视|巡察|材料|通报|报道|文章|信息)有哪些")


@dataclass
class AskType:
    """What a question asks for."""

    types: list[str] = field(default_factory=list)  # e.g. ["phone", "email"]; [] = free sentence
    measure: str = ""  # measure word of a count (个, 项, 条 …)
    noun: str = ""  # the counted noun (县, 整改措施 …)
    role: str = ""  # the role a person question asks about (组长, 第一副组长, 区委书记 …)
    date_form: str = ""  # "day" (哪天, 几号: one day), "range" (起止, 从几月到几月: a period), "" either

    @property
    def name(self) -> str:
        """The type as reported in JSON (``phone+email``, ``count``, ``sentence``)."""
        return "+".join(self.types) or "sentence"


#: A date question asking for one day (哪天反馈, 几号进驻) or for a period (起止时间, 从几月到几月).
_DAY_ASK = re.compile(r"哪一?天|几号|几月几[日号]|哪一?日")
_RANGE_ASK = re.compile(r"起止|起讫|从[^?？]{0,6}到|几月到几月|多长时间|期间|持续")
_COUNT_ASK = re.compile(rf"(?:多少|几)\s*({_MEASURE})?({_HAN}{{0,6}})")
_UNITS_ASK = re.compile(rf"哪(?:些|几|两|[一二三四五六七八九十]|\d+)[家个所位名]?({_HAN}{{1,4}}?)(?=[?？,，的]|$)")
_STOP_NOUN = re.compile(r"[的了是在有呢吗啊?？,，。]|一共|总共")


def asked_types(question: str) -> AskType:
    """The types ``question`` asks for (two when it asks for two things joined by 和/及/与)."""
    found: list[str] = []
    for name, pattern in _ASK_RULES:
        if pattern.search(question) and name not in found:
            found.append(name)
    if NOTICE_LIST.search(question):  # 哪些单位被指出…, 哪些巡察…: one item per notice, not one fact
        return AskType(types=["list_notices"])
    # Only contact details may combine (电话和邮箱); otherwise the most specific type wins.
    contact = [t for t in found if t in ("phone", "email", "postal", "postcode", "address")]
    joined = re.search(r"和|及|与|以及|、", question)
    if len(contact) >= 2 and joined:
        types = contact
    elif found:
        types = [found[0]]
    else:
        types = []
    ask = AskType(types=types)
    if types and types[0] == "person":
        roles = [m.group(0) for m in _ROLE_ASK.finditer(question)]
        ask.role = roles[-1] if roles else ("书记" if re.search(r"一把手|主要负责人", question) else "")
    if types and types[0] == "list_units":  # 哪两所小学 → items named …小学
        match = _UNITS_ASK.search(question)
        ask.noun = match.group(1) if match else ""
    if types and types[0] == "date":
        ask.date_form = "range" if _RANGE_ASK.search(question) else "day" if _DAY_ASK.search(question) else ""
    if types and types[0] in ("count", "money", "percent", "duration"):
        match = _COUNT_ASK.search(question)
        if match:
            ask.measure = match.group(1) or ""
            noun = _STOP_NOUN.split(match.group(2) or "")[0]
            ask.noun = noun[:4]
    return ask


def find_spans(kind: str, sentence: str) -> list[tuple[int, int]]:
    """(start, end) of every candidate of ``kind`` in ``sentence``."""
    if kind == "person":
        return _person_spans(sentence)
    if kind == "count":
        return _count_spans(sentence)
    if kind == "named":  # 《…》/“…” names, and X+Y method names (巡察+派驻)
        quoted = [m.span() for m in SPAN_PATTERNS["quoted"].finditer(sentence)]
        return sorted(set(quoted + [_joined_span(sentence, m) for m in _JOINED.finditer(sentence)]))
    if kind == "list_units":  # an enumeration of two or more names (对A、B等2家学校), else quoted names
        spans = [_enumeration_span(m) for m in _ENUMERATION.finditer(sentence)]
        return [(a, b) for a, b in spans if b > a] or [m.span() for m in SPAN_PATTERNS["quoted"].finditer(sentence)]
    if kind == "list_problems":
        return [m.span() for m in SPAN_PATTERNS["quoted"].finditer(sentence)]
    pattern = SPAN_PATTERNS.get(kind)
    return [m.span() for m in pattern.finditer(sentence)] if pattern else []


def _count_spans(sentence: str) -> list[tuple[int, int]]:
    """Counts (41个, 4万余条), not years (2020年); a count of 方面 and the count right after it are one
    answer (8个方面36个问题: how many problems in how many respects, the notices' usual way of saying it)."""
    spans = [(a, b + 2 if sentence.startswith("方面", b) else b)  # 8个|方面
             for a, b in (m.span() for m in SPAN_PATTERNS["count"].finditer(sentence)
                          if not re.search(r"\d{4}\s*年$", m.group(0)))]
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and sentence[merged[-1][0]:merged[-1][1]].endswith("方面") and a - merged[-1][1] <= 1 \
                and sentence[merged[-1][1]:a] in ("", "、", "共"):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


#: A method named by joining two terms with + (巡察+派驻, 互联网+监督).
_JOINED = re.compile(rf"{_HAN}{{2,6}}\s*[+＋]\s*{_HAN}{{2,6}}")
#: Two or more names joined by 、 (the enumeration a 哪几家/哪两所 question asks for).
_ENUMERATION = re.compile(rf"{_HAN}[{_HAN[1:-1]}()（）]{{1,20}}(?:、{_HAN}[{_HAN[1:-1]}()（）]{{1,20}})+")

def _joined_span(sentence: str, match: re.Match[str]) -> tuple[int, int]:
    """An X+Y name cut to the jieba words touching the + (采取巡察+派驻联动 → 巡察+派驻)."""
    from index.text.jieba_dicts import default_tokenizer

    seg = default_tokenizer()
    left, right = re.split(r"\s*[+＋]\s*", match.group(0), maxsplit=1)
    first = [w for w in seg.lcut(left) if w.strip()][-1]
    last = next(w for w in seg.lcut(right) if w.strip())
    first = first if len(first) >= 2 else left[-2:]
    last = last if len(last) >= 2 else right[:2]
    return match.start() + len(left) - len(first), match.end() - len(right) + len(last)


def _enumeration_span(match: re.Match[str]) -> tuple[int, int]:
    """An enumeration without a leading verb or preposition and without its trailing 等 (对A、B等 → A、B)."""
    text = match.group(0)
    lead = _ENUM_LEAD.match(text)
    start = len(lead.group(0)) if lead else 0
    tail = text.rfind("等")
    end = tail if tail > text.rfind("、") else len(text)
    return match.start() + start, match.start() + end


_ENUM_LEAD = re.compile(r"^(?:对|向|在|到|由|是|去了|包括|分别是|分别为|有|涉及|其中)")

_ROLE_ASK = re.compile(rf"(?:第一)?(?:副)?(?:{_ROLES})")
_ROLE = re.compile(rf"(?:{_ROLES}|委员)")
_PERSON_TAGS = ("nr",)


@functools.lru_cache(maxsize=8192)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's (word, POS tag) pairs of ``text``, cached: the index's sentences recur across questions and the
    HMM tagging is the largest share of a warm 谁 answer (about 10 ms a question before the cache)."""
    from index.text.jieba_dicts import posseg

    return tuple((w.word, w.flag) for w in posseg().cut(text))  # lazy: loading the tag dictionary is slow


@functools.lru_cache(maxsize=8192)
def _tagged_spans(text: str) -> tuple[tuple[str, str, int, int], ...]:
    """jieba's (word, POS tag, start, end) of ``text``: :func:`_tagged` with each word's offsets."""
    out, pos = [], 0
    for word, flag in _tagged(text):
        start = text.find(word, pos)
        if start < 0:
            continue
        pos = start + len(word)
        out.append((word, flag, start, pos))
    return tuple(out)


def _person_spans(sentence: str) -> list[tuple[int, int]]:
    """Person names: jieba's nr tag, and 2–3 Han characters right after a role word or before 同志/任组长."""
    return list(_cached_person_spans(sentence))


@functools.lru_cache(maxsize=8192)
def _cached_person_spans(sentence: str) -> tuple[tuple[int, int], ...]:
    spans = [(start, end) for word, flag, start, end in _tagged_spans(sentence)
             if flag in _PERSON_TAGS and 2 <= len(word) <= 4 and not _NOT_NAME.search(word)]
    for m in _ROLE.finditer(sentence):
        span = name_after(sentence, m.end())
        if span:
            spans.append(span)
    return tuple(sorted(set(spans)))


_NAME_END = "同志|代表|在|向|主持|指出|表示|强调|讲话|作|带队|率|为|任|担任|是|等|和|及"
#: jieba sometimes tags a unit (宣传部) or a phrase as a name; a name does not end like a unit.
_NOT_NAME = re.compile(r"[部委局办厅处科院党政廉组会司省市县区镇乡村]$")


def name_after(sentence: str, at: int) -> tuple[int, int] | None:
    """The person name right after a role word at ``at`` (组长刘卒代表… → 刘卒), or None.

    A name is 2–3 Han characters that jieba tags as a name, or does not know as a
    common word, ending where jieba's next word starts.
    """
    rest = sentence[at:at + 8]
    if not re.match(_HAN, rest):
        return None
    words = _tagged(rest)
    if not words:
        return None
    word, flag = words[0]
    if flag.startswith("nr") and 2 <= len(word) <= 4 and not _NOT_NAME.search(word):
        return at, at + len(word)
    # jieba often splits an unknown name (涂放姑 → 涂/放/姑): take 2–3 characters up to a common word.
    bound = re.match(rf"{_HAN}{{2,3}}?(?=[,，、;；。\s(（]|{_NAME_END}|$)", rest)
    if bound and not re.match(rf"(?:{_NAME_END})", bound.group(0)):  # 组长指出: a verb, not a name
        return at, at + len(bound.group(0))
    return None


# --------------------------------------------------------------------------
# Named things asked by their class (哪家企业, 哪个巡视组, 什么专项巡察)
# --------------------------------------------------------------------------

#: 哪个/哪家/什么 … before the class word a named-thing question asks for.
_HEAD_ASK = re.compile(r"(?:哪一?[个家种所位条项座类支级部份篇本届场首]?|什么|啥)")
#: Class words whose members are named with another ending (哪家企业 → …集团/…公司; 哪个城市 → 昆明市).
_CLASS_ENDINGS = {"企业": ("公司", "集团", "企业", "厂"), "央企": ("公司", "集团"), "国企": ("公司", "集团"),
                  "城市": ("市",), "地市": ("市",), "公司": ("公司", "集团"), "学校": ("学", "学校", "学院", "中学"),
                  "高校": ("大学", "学院"), "大学": ("大学", "学院")}
#: A class word asking for a kind of the word before it (什么巡察方式 → …巡察: 提级交叉巡察).
_KIND_WORDS = ("方式", "形式", "模式", "方法", "办法")
#: jieba tags a name is built of, walking back from its class word (省委|第三|巡视组, 沭阳|中医院).
_NAME_TAGS = ("n", "ns", "nt", "nz", "nr", "nrt", "ng", "j", "m", "q", "b", "vn", "l", "an", "s")


def head_spans(question: str, sentence: str) -> list[tuple[int, int]]:
    """Names in ``sentence`` of the class a 哪个X/什么X question asks for: a noun phrase ending in X.

    ``…是由哪个巡视组巡视的?`` in ``省委第三巡视组巡视省人民医院`` → ``省委第三巡视组``; ``哪家企业`` →
    ``中国铁路物资集团有限公司``; ``什么专项巡察?`` → ``开发区建设专项巡察``.  The class is the word after
    哪个/什么, or the two or three words up to the question's end (专项巡察); the phrase is the class and the
    name words before it (nouns, place and organisation names, numerals; a verb or a preposition ends it).
    A class word with less than two characters before it (市, 地市) names nothing; of nested phrases the
    longest is kept.
    """
    match = _HEAD_ASK.search(question)
    if not match:
        return []
    tail = re.split(r"[?？,，。;；!！]", question[match.end():])[0]
    rest = [w for w, _ in _tagged(tail) if w.strip()]
    if not rest or not re.fullmatch(rf"{_HAN}+", rest[0]):
        return []
    whole = len(rest) <= 3 and all(re.fullmatch(rf"{_HAN}{{2,}}", w) for w in rest)
    compound = rest if whole else rest[:1]  # 专项|巡察 to the end of the question; else 巡视组 (巡视组|巡视|的)
    if len(compound) > 1 and compound[-1] in _KIND_WORDS:
        compound = compound[:-1]  # 巡察|方式 → a name ending in 巡察
    joined = "".join(compound)
    endings = _CLASS_ENDINGS.get(joined, (joined,)) if len(compound) == 1 else (joined,)
    words = _tagged_spans(sentence)
    spans = []
    for i, (_, _, _, end) in enumerate(words):
        if not sentence[:end].endswith(endings):
            continue
        j = i
        while j > 0 and (words[j - 1][1].startswith(_NAME_TAGS) or words[j - 1][0] in compound):
            j -= 1
        start = words[j][2]
        phrase = sentence[start:end]
        ending = next(e for e in endings if phrase.endswith(e)) if phrase.endswith(endings) else ""
        if len(phrase) < len(ending) + 2:
            continue  # the class word alone, or with one character (地市), names nothing
        spans.append((start, end))
    return [(a, b) for a, b in spans if not any(c <= a and b <= d and (c, d) != (a, b) for c, d in spans)]
