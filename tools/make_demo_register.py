"""Write traceability/demo/bpjph-register.csv: a small register in the layout an operator loads
(docs/reference/register.md), generated because the real one is not reachable from a test machine.

It lists every BPJPH certificate of the demo dossiers as they are recorded (with the register's standing: the
margarine certificate revoked, the sugar one suspended), one holder under its register spelling ("SAWIT RIAU
KEPULAUAN, PT"), the one-row-per-product layout of the register's own export, and generated holders around them,
some revoked, expired or naming a different holder. Deterministic: the same file on every run.

    python tools/make_demo_register.py
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "traceability" / "demo"
OUT = DEMO / "bpjph-register.csv"
COLUMNS = ("number", "holder_name", "holder_nib", "scope", "issued_on", "valid_until", "status")
# How the register spells some demo holders: the same holder, another form of the name.
SPELLING = {"PT Sawit Riau Kepulauan": "SAWIT RIAU KEPULAUAN, PT"}
FOODS = [
    "Kerupuk Ikan",
    "Dodol Durian",
    "Bolu Kemojo",
    "Lempok Durian",
    "Mie Lendir",
    "Kopi Bubuk",
    "Teh Serai",
    "Abon Ikan",
    "Kue Bangkit",
    "Sambal Belacan",
    "Roti Jala",
    "Keripik Pisang",
    "Madu Hutan",
    "Gonggong Asap",
]
KINDS = ["PT", "CV", "UD", ""]
PLACES = ["Batam", "Bintan", "Karimun", "Tanjungpinang", "Lingga", "Natuna", "Anambas"]


def demo_rows() -> list[dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for path in sorted(DEMO.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        suppliers = {s["id"]: s for s in doc["suppliers"]}
        names = {m["id"]: m["name"] for m in doc["materials"]}
        names[doc["product"]["id"]] = doc["product"]["name"]
        for cert in doc["certificates"]:
            if cert["issuer"] != "BPJPH":
                continue
            if cert["holder"] == "business":
                holder, nib = doc["business"]["name"], doc["business"]["nib"]
            else:
                holder, nib = suppliers[cert["holder"]]["name"], suppliers[cert["holder"]].get("nib") or ""
            status = {"revoked": "revoked", "suspended": "suspended"}.get(cert.get("status", "active"), "active")
            row = rows.setdefault(
                cert["number"],
                {
                    "number": cert["number"],
                    "holder_name": SPELLING.get(holder, holder),
                    "holder_nib": nib,
                    "scope": [],
                    "issued_on": cert["issued_on"],
                    "valid_until": cert.get("valid_until") or "",
                    "status": status,
                },
            )
            for item in cert["covers"]:
                if names[item] not in row["scope"]:
                    row["scope"].append(names[item])
    # One row per product, as the register's own export lists them.
    out = []
    for row in rows.values():
        for item in row["scope"]:
            out.append({**row, "scope": item})
    return out


def generated_rows(count: int) -> list[dict[str, str]]:
    rng = random.Random(20251112)
    out = []
    for index in range(count):
        year = rng.choice([2022, 2023, 2024, 2025])
        issued = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        kind = rng.choice(KINDS)
        place = rng.choice(PLACES)
        food = rng.choice(FOODS)
        name = " ".join(p for p in (kind, f"{food} {place} {index + 1}") if p)
        status, until = "active", ""
        if index % 10 == 3:
            status = "revoked"
        elif index % 10 == 6:
            status, until = "expired", f"{year + 3}-{issued[5:]}"
        out.append(
            {
                "number": f"ID{rng.randint(10, 35)}110{rng.randint(10**11, 10**12 - 1)}{str(year)[2:]}",
                "holder_name": name,
                "holder_nib": f"{rng.randint(10**12, 10**13 - 1)}",
                "scope": f"{food}; {food} Kemasan",
                "issued_on": issued,
                "valid_until": until,
                "status": status,
            }
        )
    return out


# Numbers a producer might copy from someone else's pack: the register names another holder than the one recorded.
OTHER_HOLDERS = [
    {
        "number": "ID21110090000010125",
        "holder_name": "PT Sumber Minyak Dumai",
        "holder_nib": "8120219900011",
        "scope": "Minyak goreng sawit",
        "issued_on": "2025-01-10",
        "valid_until": "",
        "status": "active",
    },
    {
        "number": "ID21110090000020225",
        "holder_name": "CV Gula Aren Lingga",
        "holder_nib": "9120229900022",
        "scope": "Gula aren; Gula semut",
        "issued_on": "2025-02-03",
        "valid_until": "",
        "status": "active",
    },
]


def main() -> None:
    rows = demo_rows() + OTHER_HOLDERS + generated_rows(60)
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
