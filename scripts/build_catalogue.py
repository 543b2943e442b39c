"""Build data/sheets.json from the verified reference file.

Usage: python scripts/build_catalogue.py [REFERENCE_JSON]

Every title, number, category, link, PDF name, date and source comes from the reference. The
only additions are search keywords (EXTRA_KEYWORDS): words a user types for a sheet's subject,
taken from or faithful to its title and summary. Fields the reference leaves null are left out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = ROOT.parent / "shared" / "reference" / "municipaless-2020.json"
OUTPUT = ROOT / "data" / "sheets.json"

KIT = {
    "name": "Kit MunicipalESS",
    "publisher": "RTES",
    "edition": 2020,
    "language": "fr",
    "sources": [
        "https://ripess.eu/en/resources-from-october-2020-in-collaboration-with-socioeco-org/",
        "https://www.rtes.fr/kit-municipaless",
    ],
}

# Search aids, in French and English, for each sheet's subject.
EXTRA_KEYWORDS: dict[int, tuple[list[str], list[str]]] = {
    0: (
        ["transition écologique", "services publics locaux", "élus municipaux"],
        ["ecological transition", "local public services", "local councillors"],
    ),
    1: (["définition", "qu'est-ce que l'ESS"], ["definition", "what is the SSE"]),
    2: (
        ["emploi", "emplois durables", "argumentaire", "pourquoi soutenir l'ESS"],
        ["jobs", "sustainable jobs", "why support the SSE"],
    ),
    3: (["compétences", "EPCI", "communes"], ["competences", "powers of municipalities"]),
    4: (
        ["mobilisation des acteurs", "connaître les acteurs", "acteurs locaux"],
        ["mobilisation of actors", "mobilising actors", "stakeholders", "mapping"],
    ),
    5: (
        ["revitalisation", "centre-ville", "commerces de proximité", "dévitalisation"],
        ["city centre revitalisation", "town centre", "local shops", "high street"],
    ),
    6: (["quartiers", "QPV", "habitants"], ["neighbourhoods", "residents", "urban"]),
    7: (
        ["marchés publics", "achat public", "achats socialement responsables", "insertion"],
        ["public contracts", "procurement", "public purchasing", "social clauses"],
    ),
    8: (
        [
            "cantine",
            "cantines scolaires",
            "restauration scolaire",
            "agriculture",
            "bio",
            "circuit court",
            "régies agricoles",
            "alimentation",
        ],
        ["school meals", "school canteens", "food", "local food", "agriculture", "organic food"],
    ),
    9: (
        [
            "société coopérative d'intérêt collectif",
            "coopérative multisociétaires",
            "collectivités sociétaires",
        ],
        ["collective interest cooperative", "multi-stakeholder cooperative"],
    ),
    10: (
        [
            "transport",
            "transports",
            "covoiturage",
            "autopartage",
            "vélo",
            "mobilité inclusive",
            "plateformes de mobilité solidaire",
        ],
        [
            "transport",
            "car sharing",
            "carpooling",
            "cycling",
            "bike",
            "mobility",
            "inclusive mobility",
        ],
    ),
    11: (
        ["contractualisation", "modes de contractualisation", "conventionnement", "subventions"],
        ["contracting", "contracts", "grants", "agreements"],
    ),
    12: (
        ["arts et culture", "arts", "lieux culturels", "politique culturelle"],
        ["arts", "arts and culture", "cultural venues", "cultural policy"],
    ),
    13: (
        [
            "accès au foncier",
            "bâtiments",
            "locaux vacants",
            "mise à disposition de locaux",
            "patrimoine communal",
        ],
        ["land access", "access to land", "buildings", "vacant premises"],
    ),
    14: (
        [
            "énergie",
            "énergies renouvelables",
            "coopératives citoyennes d'énergie",
            "rénovation énergétique",
            "climat",
        ],
        ["energy", "renewable energy", "energy cooperatives", "climate"],
    ),
    15: (
        ["mesure d'impact", "évaluation des politiques publiques"],
        ["impact measurement", "policy evaluation"],
    ),
    16: (["rural", "campagne", "villages"], ["rural", "countryside", "villages"]),
    17: (
        [
            "animation",
            "accompagnement des porteurs de projets",
            "accueil et orientation",
            "solidarités locales",
        ],
        ["facilitation", "project support", "local solidarity"],
    ),
    18: (
        ["logiciels libres", "internet", "informatique", "usage raisonné du numérique"],
        ["digital technologies", "internet", "open source", "computing"],
    ),
    19: (
        ["jeunes", "sports", "clubs sportifs", "groupements d'employeurs"],
        ["young people", "sports", "sports associations", "youth and sport"],
    ),
    20: (
        ["monnaie locale", "épargne solidaire", "financement citoyen"],
        ["local currency", "solidarity savings", "citizen finance", "community finance"],
    ),
    21: (
        [
            "crèche",
            "enfance",
            "garde d'enfants",
            "accueil du jeune enfant",
            "espaces de vie sociale",
        ],
        ["childcare", "nursery", "children", "families"],
    ),
    22: (
        ["recyclerie", "ressourcerie", "recyclage", "tri", "collecte", "loi anti-gaspillage"],
        ["recycling", "waste collection", "sorting", "anti-waste"],
    ),
    23: (
        ["transversal", "décloisonnement", "organisation des services"],
        ["cross-cutting", "transversal", "joined-up policy", "working across departments"],
    ),
    24: (
        ["ressources mobilisables", "partenaires", "financeurs", "écosystème"],
        ["resources", "partners", "funders", "summary of resources"],
    ),
}

# Reference field names that become keys under `links` in the catalogue.
LINK_FIELDS = {
    "socioeco_url": "socioeco",
    "citego_url": "citego",
    "rtes_url": "rtes",
    "pdf_name": "pdf",
}


def _merge(known: list[str], extra: list[str]) -> list[str]:
    """Known keywords first, then the extra ones not already there (compared case-blind)."""
    seen = {word.casefold() for word in known}
    return known + [word for word in extra if word.casefold() not in seen]


def build_sheet(entry: dict[str, Any]) -> dict[str, Any]:
    """One catalogue sheet from one reference entry."""
    number = entry["number"]
    extra_fr, extra_en = EXTRA_KEYWORDS.get(number, ([], []))
    sheet: dict[str, Any] = {"number": number, "category": entry["category"]}
    for key in ("title_fr", "title_en", "summary_fr", "published"):
        if entry.get(key) is not None:
            sheet[key] = entry[key]
    sheet["keywords_fr"] = _merge(entry.get("keywords_fr") or [], extra_fr)
    sheet["keywords_en"] = _merge(entry.get("keywords_en") or [], extra_en)
    links = {
        name: entry[field] for field, name in LINK_FIELDS.items() if entry.get(field) is not None
    }
    if links:
        sheet["links"] = links
    sheet["sources"] = entry.get("sources") or []
    sheet["field_sources"] = {
        f"links.{LINK_FIELDS[key]}" if key in LINK_FIELDS else key: url
        for key, url in (entry.get("field_sources") or {}).items()
    }
    return sheet


def build(reference: Path) -> dict[str, Any]:
    """The whole catalogue, sheets in number order."""
    entries = json.loads(reference.read_text(encoding="utf-8"))
    sheets = [build_sheet(entry) for entry in sorted(entries, key=lambda e: e["number"])]
    return {"kit": KIT, "sheets": sheets}


def main() -> None:
    """Write data/sheets.json."""
    reference = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REFERENCE
    catalogue = build(reference)
    OUTPUT.write_text(json.dumps(catalogue, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(catalogue['sheets'])} sheets to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
