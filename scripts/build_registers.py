"""Build the shipped registers by date and the 2025 crosswalk from the pinned ``vietnamadminunits`` package.

Run it only when the pinned package changes; the toolkit reads the files it writes and never needs the package::

    pip install vietnamadminunits==1.0.4
    python scripts/build_registers.py                      # writes danvan_analysis/data/registers/
    python scripts/build_registers.py --check-with vietnam_provinces-2026.9.0-py3-none-any.whl

Why this package and not ``vietnam-provinces``: ``vietnamadminunits`` (MIT, like this project) carries both maps
of 2025 (the 63-province register just before 1 July 2025 with districts, and the 34-province two-level register)
and a converter from an old commune to the new one(s), flagging the old communes that were divided. The newer
``vietnam-provinces`` releases (GPL-3.0-or-later, Python ≥ 3.12, so not installable beside our 3.11 floor) carry the
same two maps and an official code-to-code conversion table; ``--check-with`` reads that table from its wheel (a zip:
nothing of it is imported, shipped or copied) and prints every disagreement with the converter, so the two are
compared each time the data are rebuilt. ``docs/sources.md`` records the result.

Files written (UTF-8, NFC, LF, codes as zero-padded strings):

* ``units_2025_legacy.csv``: province, district and commune of every commune just before 1 July 2025 (10,040
  rows; the 5 island districts without communes have an empty commune). ``former_names``: folded names of units
  merged into this one in earlier rounds, from the package's aliases (``;``-separated).
* ``units_2025_07.csv``: province and commune of the two-level map from 1 July 2025 (3,321 communes, 34 provinces).
* ``crosswalk_2025_07.csv``: old commune (or island district) → new commune, one row per pair; ``n_new`` is the
  number of new communes the old one was divided between (1 = whole), ``is_default`` the package's default new
  commune for a divided one.
* ``crosswalk_2023_2025_thai_nguyen.csv``: each of the 177 communes of our shipped 2023 register → its commune just
  before 1 July 2025 (172): the same code, or the unit whose ``former_names`` holds its name, or the unit of the same name (NQ 1240/NQ-UBTVQH15).
* ``provenance.json``: package, version, licence and the SHA-256 of the package files read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import unicodedata
import zipfile
from importlib import metadata
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "danvan_analysis" / "data" / "registers"
PACKAGE = "vietnamadminunits"
PINNED = "1.0.4"


def nfc(value: object) -> str:
    return (
        ""
        if value is None or (isinstance(value, float) and pd.isna(value))
        else unicodedata.normalize("NFC", str(value))
    )


def package_dir() -> Path:
    version = metadata.version(PACKAGE)
    if version != PINNED:
        sys.exit(
            f"{PACKAGE} {version} is installed; this script is pinned to {PINNED} (pip install {PACKAGE}=={PINNED})."
        )
    import vietnamadminunits

    return Path(vietnamadminunits.__file__).parent


def read_tables(pkg: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    with sqlite3.connect(pkg / "data" / "dataset.db") as con:
        legacy = pd.read_sql("SELECT * FROM admin_units_legacy", con)
        new = pd.read_sql("SELECT * FROM admin_units", con)
    converter = json.loads((pkg / "data" / "converter_2025.json").read_text(encoding="utf-8"))
    return legacy, new, converter


def legacy_register(legacy: pd.DataFrame) -> pd.DataFrame:
    def former(alias: object) -> str:
        names = json.loads(alias) if isinstance(alias, str) else []
        return ";".join(sorted(n for n in names if n))

    out = pd.DataFrame(
        {
            "province_code": legacy.provinceCode,
            "province_name": legacy.province.map(nfc),
            "district_code": legacy.districtCode,
            "district_name": legacy.district.map(nfc),
            "district_type": legacy.districtType.map(nfc),
            "commune_code": legacy.wardCode.map(nfc),
            "commune_name": legacy.ward.map(nfc),
            "commune_type": legacy.wardType.map(nfc),
            "former_names": legacy.wardAlias.map(former),
        }
    )
    return out.sort_values(["province_code", "district_code", "commune_code"], kind="stable").reset_index(drop=True)


def two_level_register(new: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "province_code": new.provinceCode,
            "province_name": new.province.map(nfc),
            "commune_code": new.wardCode,
            "commune_name": new.ward.map(nfc),
            "commune_type": new.wardType.map(nfc),
        }
    )
    return out.sort_values(["province_code", "commune_code"], kind="stable").reset_index(drop=True)


def crosswalk(legacy: pd.DataFrame, new: pd.DataFrame, converter: dict) -> pd.DataFrame:
    """Every old commune → its new commune(s), read from the converter's two tables (name keys → codes)."""
    new_code = {(r.provinceKey, r.wardKey): (r.provinceCode, r.wardCode) for r in new.itertuples()}
    province_of = {old: new_key for new_key, olds in converter["DICT_PROVINCE"].items() for old in olds}
    whole = {
        (prov, old_key): ward_key
        for prov, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items()
        for ward_key, old_keys in wards.items()
        for old_key in old_keys
    }
    divided = converter["DICT_PROVINCE_WARD_DIVIDED"]
    rows, missing = [], []
    for r in legacy.itertuples():
        prov = province_of[r.provinceKey]
        ward_key_old = r.wardKey if isinstance(r.wardKey, str) else ""
        key = f"{r.provinceKey}_{r.districtKey}_{ward_key_old}"
        targets = [(whole[(prov, key)], True)] if (prov, key) in whole else []
        targets += [(w["newWardKey"], bool(w["isDefaultNewWard"])) for w in divided.get(prov, {}).get(key, [])]
        if not targets:
            missing.append(key)
        for ward_key, is_default in targets:
            new_province, new_commune = new_code[(prov, ward_key)]
            rows.append(
                {
                    "old_province_code": r.provinceCode,
                    "old_district_code": r.districtCode,
                    "old_commune_code": r.wardCode if isinstance(r.wardCode, str) else "",
                    "new_province_code": new_province,
                    "new_commune_code": new_commune,
                    "n_new": len(targets),
                    "is_default": is_default,
                }
            )
    if missing:
        sys.exit(f"The converter has no new commune for {len(missing)} old units, e.g. {missing[:5]}.")
    return (
        pd.DataFrame(rows)
        .sort_values(["old_province_code", "old_district_code", "old_commune_code", "new_commune_code"])
        .reset_index(drop=True)
    )


def crosswalk_2023(legacy_table: pd.DataFrame) -> pd.DataFrame:
    """Thái Nguyên's 2023 communes (our shipped file) → the commune they were part of just before 1 July 2025."""
    sys.path.insert(0, str(ROOT))
    from danvan_analysis.text import fold

    units_2023 = pd.read_csv(ROOT / "danvan_analysis" / "data" / "thai_nguyen_units_2023.csv", dtype=str)
    current = legacy_table[legacy_table.province_code == "19"]
    codes = set(current.commune_code)
    by_former = {
        (row.district_code, name): row.commune_code
        for row in current.itertuples()
        for name in row.former_names.split(";")
        if name
    }
    by_name = {
        (row.district_code, fold(row.commune_name).replace(" ", "")): row.commune_code for row in current.itertuples()
    }
    name_of = {code: key for (_, key), code in by_name.items()}
    rows = []
    for row in units_2023.itertuples():
        key = fold(row.commune_name).replace(" ", "")
        if row.commune_code in codes:
            # "kept_code": the unit took in another and changed its name (05569 Bảo Cường → Thị trấn Chợ Chu).
            rows.append(
                (row.commune_code, row.commune_code, "same" if name_of[row.commune_code] == key else "kept_code")
            )
        elif (row.district_code, key) in by_former:
            rows.append((row.commune_code, by_former[(row.district_code, key)], "merged"))
        elif (row.district_code, key) in by_name:  # the merged unit kept this name but took the other's code
            rows.append((row.commune_code, by_name[(row.district_code, key)], "merged"))
        else:
            sys.exit(f"No commune of 2025 took in {row.commune_code} {row.commune_name}.")
    return pd.DataFrame(rows, columns=["commune_code_2023", "commune_code_2025", "change"])


def compare_with_vietnam_provinces(wheel: Path, xwalk: pd.DataFrame) -> list[str]:
    """Disagreements between the converter and vietnam-provinces' OLD_TO_NEW table (read as text, not imported)."""
    with zipfile.ZipFile(wheel) as zf:
        source = zf.read("vietnam_provinces/_ward_conversion_2025.py").decode("utf-8")
    namespace: dict = {}
    exec(compile(source, "_ward_conversion_2025.py", "exec"), namespace)
    theirs = {
        f"{old:05d}": sorted(f"{w.code:05d}" for w in entry.new_wards) for old, entry in namespace["OLD_TO_NEW"].items()
    }
    ours = xwalk[xwalk.old_commune_code != ""].groupby("old_commune_code").new_commune_code.apply(sorted).to_dict()
    lines = []
    for code in sorted(set(ours) | set(theirs)):
        if ours.get(code) != theirs.get(code):
            province = xwalk.loc[xwalk.old_commune_code == code, "old_province_code"]
            lines.append(
                f"{province.iloc[0] if len(province) else '?'},{code},{'|'.join(ours.get(code, []))},{'|'.join(theirs.get(code, []))}"
            )
    return lines


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-with", type=Path, help="a vietnam-provinces wheel to compare the crosswalk with")
    args = parser.parse_args()
    pkg = package_dir()
    legacy, new, converter = read_tables(pkg)
    OUT.mkdir(parents=True, exist_ok=True)
    tables = {
        "units_2025_legacy.csv": legacy_register(legacy),
        "units_2025_07.csv": two_level_register(new),
        "crosswalk_2025_07.csv": crosswalk(legacy, new, converter),
    }
    tables["crosswalk_2023_2025_thai_nguyen.csv"] = crosswalk_2023(tables["units_2025_legacy.csv"])
    for name, table in tables.items():
        table.to_csv(OUT / name, index=False, lineterminator="\n")
        print(f"{name}: {len(table)} rows")
    provenance = {
        "package": PACKAGE,
        "version": PINNED,
        "licence": "MIT (Copyright (c) 2025 Tran Ngoc Minh Hieu)",
        "homepage": "https://github.com/tranngocminhhieu/vietnamadminunits",
        "read": {f: sha256(pkg / "data" / f) for f in ("dataset.db", "converter_2025.json")},
        "script": "scripts/build_registers.py",
    }
    (OUT / "provenance.json").write_text(json.dumps(provenance, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.check_with:
        lines = compare_with_vietnam_provinces(args.check_with, tables["crosswalk_2025_07.csv"])
        print(f"{len(lines)} old communes where the converter and {args.check_with.name} disagree")
        print("province,old_commune,converter,vietnam_provinces")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
