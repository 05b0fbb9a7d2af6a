"""Which province a notice concerns, from the places it names (宜城市 → 湖北, 通辽市 → 内蒙古).

A question asks for one province's material (湖北省委巡视的材料有哪些, 内蒙古 巡视巡察 有哪些材料); a
notice of 宜城市委 or 通辽市委 never writes 湖北 or 内蒙古.  The gazetteer is the administrative division
table shipped in the ``cpca`` wheel (``resources/adcodes.csv``: 3 500 provinces, cities and counties by
national code); only that file is read (the package's matcher needs pandas and pyahocorasick, and a regular
expression over the names does the one thing needed here).

Names: every full name (湖北省, 宜城市, 科尔沁区); provinces and prefecture cities also without their suffix
(湖北, 内蒙古, 通辽).  A name of more than one province (朝阳区, 鼓楼区) places nothing.  Pure functions.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import re
from collections import Counter
from pathlib import Path

_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市", "地区", "盟")


def _table() -> Path | None:
    """The gazetteer file inside the installed ``cpca`` package (found without importing it)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    return path if path.is_file() else None


@functools.cache
def gazetteer() -> dict[str, str]:
    """Place name → its province's name without suffix (湖北); "" for a name found in several provinces."""
    path = _table()
    if path is None:
        return {}
    with path.open(encoding="utf-8") as f:
        rows = [(r["adcode"], r["name"]) for r in csv.DictReader(f) if r.get("adcode") and r.get("name")]
    provinces = {code[:2]: _short(name) for code, name in rows if code[2:].strip("0") == ""}
    seen: dict[str, set[str]] = {}
    for code, name in rows:
        names = {name}
        if code[4:].strip("0") == "":  # a province or a prefecture city: also its short name
            short = _short(name)
            if len(short) >= 2:
                names.add(short)
        for one in names:
            seen.setdefault(one, set()).add(code[:2])
    return {name: (provinces.get(next(iter(codes)), "") if len(codes) == 1 else "") for name, codes in seen.items()}


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@functools.cache
def _pattern() -> re.Pattern[str] | None:
    names = sorted(gazetteer(), key=len, reverse=True)  # the longest name first: 朝阳区 before 朝阳
    return re.compile("|".join(map(re.escape, names))) if names else None


def province_mentions(text: str) -> Counter[str]:
    """Province → how many places of it ``text`` names (湖北 for 宜城市 and for 湖北省 alike)."""
    pattern = _pattern()
    found: Counter[str] = Counter()
    if pattern is None:
        return found
    table = gazetteer()
    for match in pattern.finditer(text):
        province = table[match.group()]
        if province:
            found[province] += 1
    return found


@functools.cache
def _province_names() -> dict[str, str]:
    """Name of a province (full or short) → its short name."""
    return {name: province for name, province in gazetteer().items() if province and _short(name) == province}


def asked_provinces(question: str) -> list[str]:
    """The provinces a question names as such (湖北省委…, 内蒙古 …): a city or county it names is searched
    by its own name, not widened to its province."""
    names = _province_names()
    return list(dict.fromkeys(names[m.group()] for m in _pattern().finditer(question)
                              if m.group() in names)) if names else []
