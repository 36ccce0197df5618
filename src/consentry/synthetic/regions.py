"""Where synthetic members live: jurisdictions, their weights, languages and cities.

A region is an ISO 3166-1 alpha-2 code (`DE`) or an ISO 3166-2 subdivision (`US-CA`,
`CA-QC`). Weights are rough shares of a professional network's membership, so that
large markets dominate while every jurisdiction still appears.
"""

from __future__ import annotations

from dataclasses import dataclass

from consentry.consent import jurisdictions
from consentry.regions import normalise_region

# The EU's member states: the consent package's list, so the two never drift apart.
EU = list(jurisdictions.EU)
EEA_ONLY = ("IS", "LI", "NO")
US_STATES = [
    "US-CA",
    "US-CO",
    "US-CT",
    "US-TX",
    "US-NY",
    "US-WA",
    "US-OR",
    "US-NJ",
    "US-MA",
    "US-IL",
    "US-FL",
    "US-VA",
    "US-MT",
    "US-MN",
]
CA_PROVINCES = ("CA-QC", "CA-ON", "CA-BC")


@dataclass(frozen=True)
class Region:
    """One jurisdiction: its code, country, the language its names come from and its cities."""

    code: str
    country: str  # ISO 3166-1 alpha-2 of the country (`US` for `US-CA`)
    name: str
    language: str
    weight: float
    cities: tuple[str, ...]

    @property
    def subdivision(self) -> str:
        """`CA` for `US-CA`; empty for a country-level region."""
        return self.code.split("-", 1)[1] if "-" in self.code else ""


def _r(code: str, name: str, language: str, weight: float, cities: str) -> Region:
    # Seeded members get their region from here: through the one normaliser, so a code
    # that is not ISO 3166 fails at import rather than reaching the members table.
    code = normalise_region(code)
    country = code.split("-", 1)[0]
    return Region(code, country, name, language, weight, tuple(cities.split(";")))


REGIONS: tuple[Region, ...] = (
    # European Union
    _r("AT", "Austria", "de", 1.2, "Vienna;Graz;Linz;Salzburg;Innsbruck"),
    _r("BE", "Belgium", "nl", 1.5, "Brussels;Antwerp;Ghent;Leuven;Liège"),
    _r("BG", "Bulgaria", "bg", 0.6, "Sofia;Plovdiv;Varna;Burgas"),
    _r("HR", "Croatia", "hr", 0.5, "Zagreb;Split;Rijeka;Osijek"),
    _r("CY", "Cyprus", "el", 0.15, "Nicosia;Limassol;Larnaca"),
    _r("CZ", "Czechia", "cs", 1.0, "Prague;Brno;Ostrava;Plzeň"),
    _r("DK", "Denmark", "da", 0.9, "Copenhagen;Aarhus;Odense;Aalborg"),
    _r("EE", "Estonia", "et", 0.2, "Tallinn;Tartu;Pärnu"),
    _r("FI", "Finland", "fi", 0.8, "Helsinki;Espoo;Tampere;Oulu;Turku"),
    _r("FR", "France", "fr", 6.0, "Paris;Lyon;Marseille;Toulouse;Nantes;Lille;Bordeaux"),
    _r("DE", "Germany", "de", 7.0, "Berlin;Munich;Hamburg;Cologne;Frankfurt;Stuttgart;Leipzig"),
    _r("GR", "Greece", "el", 0.8, "Athens;Thessaloniki;Patras;Heraklion"),
    _r("HU", "Hungary", "hu", 0.7, "Budapest;Debrecen;Szeged;Pécs"),
    _r("IE", "Ireland", "en", 1.0, "Dublin;Cork;Galway;Limerick"),
    _r("IT", "Italy", "it", 4.5, "Milan;Rome;Turin;Bologna;Florence;Naples"),
    _r("LV", "Latvia", "lv", 0.2, "Riga;Daugavpils;Liepāja"),
    _r("LT", "Lithuania", "lt", 0.3, "Vilnius;Kaunas;Klaipėda"),
    _r("LU", "Luxembourg", "fr", 0.15, "Luxembourg;Esch-sur-Alzette"),
    _r("MT", "Malta", "en", 0.1, "Valletta;Sliema;Birkirkara"),
    _r("NL", "Netherlands", "nl", 3.0, "Amsterdam;Rotterdam;Utrecht;The Hague;Eindhoven"),
    _r("PL", "Poland", "pl", 2.5, "Warsaw;Kraków;Wrocław;Gdańsk;Poznań"),
    _r("PT", "Portugal", "pt", 1.2, "Lisbon;Porto;Braga;Coimbra"),
    _r("RO", "Romania", "ro", 1.0, "Bucharest;Cluj-Napoca;Iași;Timișoara"),
    _r("SK", "Slovakia", "sk", 0.4, "Bratislava;Košice;Žilina"),
    _r("SI", "Slovenia", "sl", 0.2, "Ljubljana;Maribor;Celje"),
    _r("ES", "Spain", "es", 4.0, "Madrid;Barcelona;Valencia;Seville;Bilbao;Málaga"),
    _r("SE", "Sweden", "sv", 1.5, "Stockholm;Gothenburg;Malmö;Uppsala"),
    # EEA beyond the EU
    _r("IS", "Iceland", "is", 0.05, "Reykjavík;Akureyri"),
    _r("LI", "Liechtenstein", "de", 0.02, "Vaduz;Schaan"),
    _r("NO", "Norway", "no", 0.8, "Oslo;Bergen;Trondheim;Stavanger"),
    # Europe beyond the EEA
    _r("GB", "United Kingdom", "en", 8.0, "London;Manchester;Edinburgh;Bristol;Leeds;Glasgow"),
    _r("CH", "Switzerland", "de", 1.5, "Zurich;Geneva;Basel;Lausanne;Bern"),
    # Canada: the country as a whole and three provinces
    _r("CA", "Canada", "en", 1.5, "Calgary;Edmonton;Winnipeg;Halifax"),
    _r("CA-QC", "Quebec", "fr-ca", 1.2, "Montreal;Quebec City;Laval;Gatineau"),
    _r("CA-ON", "Ontario", "en", 2.0, "Toronto;Ottawa;Mississauga;Hamilton"),
    _r("CA-BC", "British Columbia", "en", 1.0, "Vancouver;Victoria;Surrey;Burnaby"),
    # Hong Kong
    _r("HK", "Hong Kong", "zh", 1.0, "Hong Kong;Kowloon;Sha Tin;Tsuen Wan"),
    # United States
    _r("US-CA", "California", "en-us", 9.0, "San Francisco;Los Angeles;San Diego;San Jose;Oakland"),
    _r("US-CO", "Colorado", "en-us", 1.5, "Denver;Boulder;Colorado Springs;Fort Collins"),
    _r("US-CT", "Connecticut", "en-us", 0.9, "Hartford;New Haven;Stamford;Bridgeport"),
    _r("US-TX", "Texas", "en-us", 6.0, "Austin;Houston;Dallas;San Antonio;El Paso"),
    _r("US-NY", "New York", "en-us", 6.0, "New York;Brooklyn;Buffalo;Rochester;Albany"),
    _r("US-WA", "Washington", "en-us", 2.5, "Seattle;Spokane;Tacoma;Bellevue;Redmond"),
    _r("US-OR", "Oregon", "en-us", 1.0, "Portland;Eugene;Salem;Bend"),
    _r("US-NJ", "New Jersey", "en-us", 2.0, "Newark;Jersey City;Princeton;Hoboken"),
    _r("US-MA", "Massachusetts", "en-us", 2.2, "Boston;Cambridge;Worcester;Springfield"),
    _r("US-IL", "Illinois", "en-us", 2.5, "Chicago;Evanston;Naperville;Springfield"),
    _r("US-FL", "Florida", "en-us", 3.0, "Miami;Tampa;Orlando;Jacksonville"),
    _r("US-VA", "Virginia", "en-us", 1.8, "Arlington;Richmond;Norfolk;Alexandria"),
    _r("US-MT", "Montana", "en-us", 0.2, "Bozeman;Missoula;Billings"),
    _r("US-MN", "Minnesota", "en-us", 1.2, "Minneapolis;Saint Paul;Rochester;Duluth"),
)

BY_CODE: dict[str, Region] = {r.code: r for r in REGIONS}

COUNTRY_NAMES: dict[str, str] = {r.country: r.name for r in REGIONS if "-" not in r.code}
COUNTRY_NAMES.update({"US": "United States", "CA": "Canada"})


def location(region: Region, city: str) -> str:
    """How a profile or a job shows a place: `Munich, Germany`, `Austin, TX, United States`."""
    if region.country in ("US", "CA") and region.subdivision:
        return f"{city}, {region.subdivision}, {COUNTRY_NAMES[region.country]}"
    return f"{city}, {COUNTRY_NAMES.get(region.country, region.name)}"
