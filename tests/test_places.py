"""Which province a notice concerns, from the places it names: the real notices of the development corpus."""

from __future__ import annotations

from shared_data import clean_notices

from index.text.places import asked_provinces, gazetteer, province_mentions


def test_the_gazetteer_is_installed_and_places_each_name_in_one_province() -> None:
    table = gazetteer()
    assert len(table) > 3000, "cpca's adcodes.csv (requirements-nodeps.txt) is missing"
    assert table["宜城市"] == "湖北" and table["通辽"] == "内蒙古" and table["湖北省"] == "湖北"
    assert table["朝阳区"] == ""  # 北京 and 长春 each have one


def test_a_city_notice_is_placed_in_its_province_though_it_never_names_it() -> None:
    notices = clean_notices()
    assert "湖北" not in notices["n0289"]  # 宜城市委关于十二届省委第三轮巡视集中整改进展情况的通报
    assert province_mentions(notices["n0289"]).most_common(1)[0][0] == "湖北"
    assert province_mentions(notices["n0210"]).most_common(1)[0][0] == "内蒙古"  # 通辽市六届市委第九轮巡察公告


def test_a_question_asks_for_a_province_only_when_it_names_one() -> None:
    assert asked_provinces("湖北省委巡视的材料有哪些,包括动员部署、进驻") == ["湖北"]
    assert asked_provinces("内蒙古 巡视巡察 有哪些材料") == ["内蒙古"]
    assert asked_provinces("宜城市委巡视整改进展") == []  # a city is searched by its own name
    assert asked_provinces("哪些单位被指出违规发放津贴补贴") == []
