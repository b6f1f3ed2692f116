# ruff: noqa: E501 (one customer a line reads better than a wrapped table)
"""The demo's cost-side customers, shared by the cost demo (margins.demo) and the billing demo.

Each entry: (external_id, name, email, monthly_revenue_usd_cents, monthly_cost_usd_micro_target, plan).
external_id is the cost tag value sent with every event; the billing demo creates a Stripe customer
with the same name, email and a subscription of `monthly_revenue_usd_cents` for each entry whose plan
is not None. Entries with plan None are cost tags only (no revenue), so they stay unmapped.
The margin tiers below assume the org's default thresholds (healthy 50, moderate 20, at risk 0).
"""

from __future__ import annotations

DemoCustomer = tuple[str, str, str, int, int, str | None]

# fmt: off
DEMO_CUSTOMERS: list[DemoCustomer] = [
    # Healthy: margin at or above 50%.
    ("northwind-analytics", "Northwind Analytics", "billing@northwind-analytics.example", 19900, 87_560_000, "growth"),
    ("pinecone-studio", "Pinecone Studio", "billing@pinecone-studio.example", 149900, 674_550_000, "scale"),
    ("quarry-labs", "Quarry Labs", "billing@quarry-labs.example", 4900, 20_580_000, "starter"),
    ("riverbank-finance", "Riverbank Finance", "billing@riverbank-finance.example", 19900, 39_800_000, "growth"),
    ("umbra-security", "Umbra Security", "billing@umbra-security.example", 49900, 119_760_000, "business"),
    ("vantage-retail", "Vantage Retail", "billing@vantage-retail.example", 4900, 11_760_000, "starter"),
    ("willow-education", "Willow Education", "billing@willow-education.example", 4900, 9_310_000, "starter"),
    ("xeno-robotics", "Xeno Robotics", "billing@xeno-robotics.example", 49900, 189_620_000, "business"),
    ("yardstick-hr", "Yardstick HR", "billing@yardstick-hr.example", 4900, 19_110_000, "starter"),
    ("zephyr-logistics", "Zephyr Logistics", "billing@zephyr-logistics.example", 4900, 7_840_000, "starter"),
    ("copperline-crm", "Copperline CRM", "billing@copperline-crm.example", 19900, 65_670_000, "growth"),
    ("driftwood-games", "Driftwood Games", "billing@driftwood-games.example", 499900, 1_849_630_000, "enterprise"),
    ("fjord-energy", "Fjord Energy", "billing@fjord-energy.example", 4900, 9_310_000, "starter"),
    ("iris-translation", "Iris Translation", "billing@iris-translation.example", 49900, 219_560_000, "business"),
    ("lighthouse-nonprofit", "Lighthouse Nonprofit", "billing@lighthouse-nonprofit.example", 49900, 194_610_000, "business"),
    ("nimbus-weather", "Nimbus Weather", "billing@nimbus-weather.example", 4900, 14_210_000, "starter"),
    ("prairie-agritech", "Prairie Agritech", "billing@prairie-agritech.example", 19900, 53_730_000, "growth"),
    ("quill-publishing", "Quill Publishing", "billing@quill-publishing.example", 19900, 81_590_000, "growth"),
    ("sable-fashion", "Sable Fashion", "billing@sable-fashion.example", 49900, 224_550_000, "business"),
    ("thistle-pharma", "Thistle Pharma", "billing@thistle-pharma.example", 49900, 109_780_000, "business"),
    ("velvet-hotels", "Velvet Hotels", "billing@velvet-hotels.example", 499900, 749_850_000, "enterprise"),
    ("wavelength-audio", "Wavelength Audio", "billing@wavelength-audio.example", 149900, 554_630_000, "scale"),
    ("xylo-music", "Xylo Music", "billing@xylo-music.example", 149900, 509_660_000, "scale"),
    ("zenith-capital", "Zenith Capital", "billing@zenith-capital.example", 149900, 449_700_000, "scale"),
    ("foxglove-florists", "Foxglove Florists", "billing@foxglove-florists.example", 4900, 21_070_000, "starter"),
    ("garnet-jewelry", "Garnet Jewelry", "billing@garnet-jewelry.example", 19900, 57_710_000, "growth"),
    # Moderate: 20% to 50%.
    ("cedar-health", "Cedar Health", "billing@cedar-health.example", 4900, 35_770_000, "starter"),
    ("lumen-docs", "Lumen Docs", "billing@lumen-docs.example", 149900, 959_360_000, "scale"),
    ("beacon-support", "Beacon Support", "billing@beacon-support.example", 49900, 349_300_000, "business"),
    ("granite-property", "Granite Property", "billing@granite-property.example", 499900, 3_799_240_000, "enterprise"),
    ("kestrel-aviation", "Kestrel Aviation", "billing@kestrel-aviation.example", 499900, 2_849_430_000, "enterprise"),
    ("oakridge-schools", "Oakridge Schools", "billing@oakridge-schools.example", 4900, 27_930_000, "starter"),
    ("upland-outdoors", "Upland Outdoors", "billing@upland-outdoors.example", 49900, 359_280_000, "business"),
    ("birch-dental", "Birch Dental", "billing@birch-dental.example", 49900, 294_410_000, "business"),
    ("delta-freight", "Delta Freight", "billing@delta-freight.example", 149900, 854_430_000, "scale"),
    ("hollow-tree-apps", "Hollow Tree Apps", "billing@hollow-tree-apps.example", 19900, 107_460_000, "growth"),
    ("indigo-design", "Indigo Design", "billing@indigo-design.example", 19900, 125_370_000, "growth"),
    ("kite-surf-co", "Kite Surf Co", "billing@kite-surf-co.example", 19900, 119_400_000, "growth"),
    ("maple-vet", "Maple Vet", "billing@maple-vet.example", 499900, 3_599_280_000, "enterprise"),
    ("nova-biotech", "Nova Biotech", "billing@nova-biotech.example", 19900, 117_410_000, "growth"),
    # At risk: 0% to 20%.
    ("orbit-travel", "Orbit Travel", "billing@orbit-travel.example", 4900, 47_040_000, "starter"),
    ("summit-recruiting", "Summit Recruiting", "billing@summit-recruiting.example", 19900, 173_130_000, "growth"),
    ("tidal-media", "Tidal Media", "billing@tidal-media.example", 49900, 419_160_000, "business"),
    ("ember-foods", "Ember Foods", "billing@ember-foods.example", 19900, 179_100_000, "growth"),
    ("harbor-clinics", "Harbor Clinics", "billing@harbor-clinics.example", 19900, 167_160_000, "growth"),
    ("juniper-realty", "Juniper Realty", "billing@juniper-realty.example", 4900, 44_100_000, "starter"),
    ("redwood-consulting", "Redwood Consulting", "billing@redwood-consulting.example", 4900, 42_630_000, "starter"),
    ("alder-architects", "Alder Architects", "billing@alder-architects.example", 49900, 469_060_000, "business"),
    ("cobalt-manufacturing", "Cobalt Manufacturing", "billing@cobalt-manufacturing.example", 4900, 44_100_000, "starter"),
    # Critical: AI cost above revenue.
    ("bluebird-legal", "Bluebird Legal", "billing@bluebird-legal.example", 4900, 59_780_000, "starter"),
    ("atlas-insurance", "Atlas Insurance", "billing@atlas-insurance.example", 19900, 394_020_000, "growth"),
    ("meadow-marketing", "Meadow Marketing", "billing@meadow-marketing.example", 4900, 98_980_000, "starter"),
    ("yonder-maps", "Yonder Maps", "billing@yonder-maps.example", 49900, 903_190_000, "business"),
    ("elm-street-bakery", "Elm Street Bakery", "billing@elm-street-bakery.example", 4900, 104_860_000, "starter"),
    ("jasper-law", "Jasper Law", "billing@jasper-law.example", 19900, 286_560_000, "growth"),
    ("lark-podcasts", "Lark Podcasts", "billing@lark-podcasts.example", 4900, 62_720_000, "starter"),
    # Cost only: cost tags with no Stripe customer; they stay unmapped.
    ("internal-evals", "", "", 0, 12_500_000, None),
    ("staging-smoke-tests", "", "", 0, 6_400_000, None),
    ("trial-7f3a9c", "", "", 0, 38_000_000, None),
    ("legacy-batch-jobs", "", "", 0, 38_000_000, None),
]
# fmt: on
