"""The shipped system catalog: every required type, with category, basing, capacities and sources."""

from __future__ import annotations

import pytest

from detente.catalog import builtin_catalog, load_catalog
from detente.errors import CatalogError

REQUIRED = {
    "minuteman-ii": ("icbm", "silo"),
    "minuteman-iii": ("icbm", "silo"),
    "peacekeeper": ("icbm", "silo"),
    "poseidon-c3": ("slbm", "submarine"),
    "trident-i-c4": ("slbm", "submarine"),
    "trident-ii-d5": ("slbm", "submarine"),
    "b-52g": ("heavy-bomber", "air"),
    "b-52h": ("heavy-bomber", "air"),
    "b-1b": ("heavy-bomber", "air"),
    "b-2a": ("heavy-bomber", "air"),
    "ss-11": ("icbm", "silo"),
    "ss-13": ("icbm", "silo"),
    "ss-17": ("icbm", "silo"),
    "ss-18": ("icbm", "silo"),
    "ss-19": ("icbm", "silo"),
    "ss-24-silo": ("icbm", "silo"),
    "ss-24-rail": ("icbm", "rail-mobile"),
    "ss-25": ("icbm", "road-mobile"),
    "ss-27-silo": ("icbm", "silo"),
    "ss-27-mobile": ("icbm", "road-mobile"),
    "rs-24-silo": ("icbm", "silo"),
    "rs-24-mobile": ("icbm", "road-mobile"),
    "ss-n-6": ("slbm", "submarine"),
    "ss-n-8": ("slbm", "submarine"),
    "ss-n-17": ("slbm", "submarine"),
    "ss-n-18": ("slbm", "submarine"),
    "ss-n-20": ("slbm", "submarine"),
    "ss-n-23": ("slbm", "submarine"),
    "sineva": ("slbm", "submarine"),
    "bulava": ("slbm", "submarine"),
    "tu-95ms": ("heavy-bomber", "air"),
    "tu-160": ("heavy-bomber", "air"),
}


def test_every_required_type_is_shipped_with_category_basing_capacity_and_source():
    catalog = builtin_catalog()
    for system_id, (category, basing) in REQUIRED.items():
        s = catalog.get(system_id)
        assert (s.category.value, s.basing.value) == (category, basing), system_id
        assert s.sources, system_id
        assert all(key in catalog.sources for key in s.sources)
        if s.is_bomber:
            assert s.max_rvs == 0
            assert (s.alcm_capacity > 0) == (s.armament.value == "alcm"), system_id
        else:
            assert s.max_rvs >= 1, system_id


def test_heavy_icbm_is_the_ss_18_only():
    assert [s.id for s in builtin_catalog() if s.heavy] == ["ss-18"]


@pytest.mark.parametrize(
    ("alias", "system_id"),
    [
        ("LGM-30G", "minuteman-iii"),
        ("minuteman III", "minuteman-iii"),
        ("Trident II D5", "trident-ii-d5"),
        ("TU-160", "tu-160"),
    ],
)
def test_aliases_find_types_regardless_of_case_and_punctuation(alias, system_id):
    assert builtin_catalog().get(alias).id == system_id


def test_users_add_their_own_types(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        '[sources]\nME = "my notes"\n[[systems]]\nid = "df-41"\nname = "DF-41"\ncountry = "CN"\n'
        'category = "icbm"\nbasing = "road-mobile"\nmax_rvs = 3\nsources = ["ME"]\nconfidence = "estimate"\n'
    )
    merged = builtin_catalog().merged(load_catalog(path))
    assert merged.get("DF 41").max_rvs == 3
    assert len(merged) == len(builtin_catalog()) + 1


def test_a_user_type_may_not_take_a_shipped_name(tmp_path):
    path = tmp_path / "clash.toml"
    path.write_text(
        '[[systems]]\nid = "mm3"\nname = "Minuteman III"\ncountry = "US"\ncategory = "icbm"\nbasing = "silo"\n'
    )
    with pytest.raises(CatalogError, match="already names 'minuteman-iii'"):
        builtin_catalog().merged(load_catalog(path))


def test_a_catalog_citing_an_unknown_source_is_refused(tmp_path):
    path = tmp_path / "nosource.toml"
    path.write_text(
        '[[systems]]\nid = "x"\nname = "X"\ncountry = "US"\ncategory = "icbm"\nbasing = "silo"\nsources = ["NOPE"]\n'
    )
    with pytest.raises(CatalogError, match=r"systems\[0\]\.sources"):
        load_catalog(path)
