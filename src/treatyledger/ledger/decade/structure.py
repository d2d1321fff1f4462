"""The force structures the decade exercise generates items for: per party, its legs (one system
type each), the bases each leg is spread over, and the storage, repair and forward facilities
that routine operations use.

Every base is a real one (named with its public source); how a leg's numbers are shared among
its bases and between the legs is an assumption, fixed over the decade (no public source splits
every official aggregate by base at every date). ``split`` keeps every sum exact, so the items
generated always add up to the official aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Base:
    """A facility and the share of its leg's launchers (or bombers) it holds."""

    id: str
    name: str
    share: float = 1.0


@dataclass(frozen=True)
class Leg:
    """One system type. ``reduction``: how surplus launchers leave accountability
    (``eliminate``; ``convert``: launchers in_conversion then converted, e.g. SLBM tubes;
    ``convert_non_nuclear``: bombers). ``storage``: where its spare missiles are kept."""

    kind: str  # "icbm" | "slbm" | "heavy_bomber"
    system_type: str
    deployed_share: float
    non_deployed_share: float
    bases: tuple[Base, ...]
    storage: str = ""
    reduction: str = "eliminate"
    armament: str | None = None  # bombers: "lrna" or "nuclear"
    spare_missiles: int = 30

    @property
    def is_bomber(self) -> bool:
        return self.kind == "heavy_bomber"


@dataclass(frozen=True)
class Site:
    """A facility that is not a base of a leg: storage, repair, a forward airfield."""

    id: str
    type: str  # a treatyledger.model.kinds.FacilityType value
    name: str


@dataclass(frozen=True)
class ForceStructure:
    party: str
    legs: tuple[Leg, ...]
    sites: tuple[Site, ...]
    repair: str  # non-deployed heavy bombers are here (New START: only at a repair facility)
    warhead_storage: str
    forward_airfield: str | None = None  # heavy bomber exits go there and back
    stored_warheads: int = 300
    source: str = ""

    def facilities(self) -> list[dict[str, str]]:
        """The declared facilities (JSON form of ``model.parties.Facility``)."""
        types = {"icbm": "icbm_base", "slbm": "submarine_base", "heavy_bomber": "air_base"}
        found: dict[str, dict[str, str]] = {}
        for leg in self.legs:
            for base in leg.bases:
                found.setdefault(
                    base.id,
                    {
                        "id": base.id,
                        "party": self.party,
                        "type": types[leg.kind],
                        "name": base.name,
                    },
                )
        for site in self.sites:
            found.setdefault(
                site.id, {"id": site.id, "party": self.party, "type": site.type, "name": site.name}
            )
        return list(found.values())


US_STRUCTURE = ForceStructure(
    party="US",
    legs=(
        Leg(
            "icbm",
            "MM III",
            0.51,
            0.40,
            (
                Base("US-MALMSTROM", "Malmstrom AFB, 341st Missile Wing, Montana"),
                Base("US-MINOT-MW", "Minot AFB, 91st Missile Wing, North Dakota"),
                Base("US-WARREN", "F.E. Warren AFB, 90th Missile Wing, Wyoming"),
            ),
            storage="US-HILL",
        ),
        Leg(
            "slbm",
            "Trident II",
            0.28,
            0.30,
            (
                Base("US-BANGOR", "Naval Base Kitsap-Bangor, Washington", 8),
                Base("US-KINGS-BAY", "Naval Submarine Base Kings Bay, Georgia", 6),
            ),
            storage="US-SWF-KINGS-BAY",
            reduction="convert",
        ),
        Leg(
            "heavy_bomber",
            "B-52H",
            0.15,
            0.25,
            (
                Base("US-MINOT-AFB", "Minot AFB, 5th Bomb Wing, North Dakota"),
                Base("US-BARKSDALE", "Barksdale AFB, 2nd Bomb Wing, Louisiana"),
            ),
            reduction="convert_non_nuclear",
            armament="lrna",
        ),
        Leg(
            "heavy_bomber",
            "B-2A",
            0.06,
            0.05,
            (Base("US-WHITEMAN", "Whiteman AFB, 509th Bomb Wing, Missouri"),),
            armament="nuclear",
        ),
    ),
    sites=(
        Site("US-HILL", "storage", "Minuteman III storage (assumed Hill AFB, Utah)"),
        Site("US-SWF-KINGS-BAY", "storage", "Strategic Weapons Facility Atlantic, Kings Bay"),
        Site("US-TINKER", "repair", "Tinker AFB, Oklahoma City Air Logistics Complex"),
        Site("US-KIRTLAND", "storage", "Kirtland Underground Munitions Storage Complex"),
        Site("US-FAIRFORD", "air_base", "RAF Fairford, UK (bomber task force deployments)"),
    ),
    repair="US-TINKER",
    warhead_storage="US-KIRTLAND",
    forward_airfield="US-FAIRFORD",
    source="State Dept. New START breakdown of 2011-06-01; FAS Nuclear Notebook 2020; bases "
    "as named; shares are assumptions",
)

# Bases: P. Podvig, russianforces.org (strategic rocket forces divisions: Dombarovsky and Uzhur
# for SS-18; Teykovo, Novosibirsk, Yoshkar-Ola road-mobile and Kozelsk silo-based Yars; Northern
# Fleet SSBNs at Gadzhiyevo; Tu-95MS at Engels and Ukrainka, Tu-160 at Engels); bomber repair
# at the Taganrog aviation plant (Beriev); Anadyr as a forward airfield of long-range aviation.
# Shares: roughly 55 % ICBMs, 30 % SLBMs, 15 % bombers (2011), rounded.
RU_STRUCTURE = ForceStructure(
    party="RU",
    legs=(
        Leg(
            "icbm",
            "SS-18",
            0.12,
            0.10,
            (
                Base("RU-DOMBAROVSKY", "Dombarovsky, 13th Missile Division"),
                Base("RU-UZHUR", "Uzhur, 62nd Missile Division"),
            ),
            storage="RU-ICBM-ARSENAL",
        ),
        Leg(
            "icbm",
            "Yars",
            0.43,
            0.40,
            (
                Base("RU-TEYKOVO", "Teykovo, 54th Guards Missile Division"),
                Base("RU-NOVOSIBIRSK", "Novosibirsk, 39th Guards Missile Division"),
                Base("RU-YOSHKAR-OLA", "Yoshkar-Ola, 14th Missile Division"),
                Base("RU-KOZELSK", "Kozelsk, 28th Guards Missile Division (silo)"),
            ),
            storage="RU-ICBM-ARSENAL",
        ),
        Leg(
            "slbm",
            "Sineva",
            0.30,
            0.30,
            (
                Base("RU-GADZHIYEVO", "Gadzhiyevo, Northern Fleet", 2),
                Base("RU-VILYUCHINSK", "Vilyuchinsk, Pacific Fleet", 1),
            ),
            storage="RU-OKOLNAYA",
        ),
        Leg(
            "heavy_bomber",
            "Tu-95MS",
            0.12,
            0.16,
            (
                Base("RU-ENGELS", "Engels, 22nd Guards Heavy Bomber Division"),
                Base("RU-UKRAINKA", "Ukrainka, 326th Heavy Bomber Division"),
            ),
            armament="lrna",
        ),
        Leg(
            "heavy_bomber",
            "Tu-160",
            0.03,
            0.04,
            (Base("RU-ENGELS", "Engels, 22nd Guards Heavy Bomber Division"),),
            armament="lrna",
        ),
    ),
    sites=(
        Site("RU-ICBM-ARSENAL", "storage", "ICBM storage arsenal (assumed)"),
        Site("RU-OKOLNAYA", "storage", "Okolnaya SLBM storage, Severomorsk"),
        Site("RU-TAGANROG", "repair", "Taganrog aviation plant (heavy bomber repair)"),
        Site("RU-WARHEAD-STORE", "storage", "12th Main Directorate central storage (assumed)"),
        Site("RU-ANADYR", "air_base", "Anadyr, forward airfield of long-range aviation"),
    ),
    repair="RU-TAGANROG",
    warhead_storage="RU-WARHEAD-STORE",
    forward_airfield="RU-ANADYR",
    source="P. Podvig, russianforces.org (bases); shares are assumptions",
)

STRUCTURES = {"US": US_STRUCTURE, "RU": RU_STRUCTURE}
