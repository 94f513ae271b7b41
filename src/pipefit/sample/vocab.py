"""Word lists of the synthetic company: names, industries, titles and Situation Slide phrases.

No entry may contain a comma, a quote or a line break: files are written unquoted.
"""

from __future__ import annotations

INDUSTRIES = (
    "software",
    "financial_services",
    "healthcare",
    "manufacturing",
    "retail",
    "logistics",
    "education",
    "media",
    "telecom",
    "public_sector",
)
REGIONS = ("North America", "EMEA", "APAC", "LATAM")
REGION_WEIGHTS = (0.45, 0.32, 0.15, 0.08)
CULTURES = ("innovator", "early_adopter", "early_majority", "late_majority", "laggard")
CULTURE_WEIGHTS = (0.08, 0.17, 0.35, 0.28, 0.12)

NAME_STEMS = (
    "North",
    "Blue",
    "Silver",
    "Bright",
    "Iron",
    "Cedar",
    "Summit",
    "Harbor",
    "Apex",
    "Red",
    "Granite",
    "Maple",
    "Delta",
    "Vertex",
    "Pioneer",
    "Atlas",
    "Orbit",
    "Crest",
    "Falcon",
    "Evergreen",
    "Lumen",
    "Nova",
    "Quarry",
    "Sterling",
    "Willow",
    "Zenith",
)
NAME_TAILS = (
    "wind",
    "peak",
    "field",
    "stone",
    "bridge",
    "point",
    "gate",
    "line",
    "works",
    "wave",
    "ridge",
    "path",
    "forge",
    "light",
    "bay",
    "port",
    "mark",
    "view",
)
NAME_KINDS = (
    "Systems",
    "Group",
    "Labs",
    "Partners",
    "Industries",
    "Holdings",
    "Networks",
    "Solutions",
    "Health",
    "Logistics",
    "Foods",
    "Capital",
    "Media",
    "Energy",
)
FIRST_NAMES = (
    "Ana",
    "Ben",
    "Carla",
    "Dan",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Luis",
    "Maya",
    "Nils",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Andrei",
    "Bianca",
    "Ioana",
    "Mihai",
)
LAST_NAMES = (
    "Alvarez",
    "Brooks",
    "Chen",
    "Dumitru",
    "Evans",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kim",
    "Lopez",
    "Moreau",
    "Novak",
    "Okafor",
    "Popescu",
    "Quinto",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
)
EXEC_TITLES = ("CEO", "CFO", "CTO", "COO", "VP Operations", "VP Sales", "CIO", "VP Finance")
STAFF_TITLES = (
    "IT Manager",
    "Operations Manager",
    "Procurement Lead",
    "Sales Operations Analyst",
    "Finance Manager",
    "Security Lead",
    "Solutions Architect",
    "Data Analyst",
    "Project Manager",
    "Head of Customer Success",
)
PRODUCTS = ("Core", "Analytics add-on", "Enterprise suite")
LEAD_SOURCES = ("website", "webinar", "content_download", "event", "partner", "outbound")
LEAD_SOURCE_WEIGHTS = (0.34, 0.16, 0.18, 0.12, 0.08, 0.12)
REFERRAL_SOURCE = "customer_referral"

LOSS_REASONS = ("no budget", "lost to competitor", "no decision", "timing", "poor fit")
BACKWARD_REASONS = (
    "new stakeholder joined",
    "requirements changed",
    "budget under review",
    "champion left",
)

# Situation Slide phrases (DOMAIN section 5).
CONTACT_ROLES = ("economic buyer", "champion", "technical evaluator", "end user lead", "sponsor")
CRITICAL_ISSUES = (
    "forecast misses every quarter",
    "deals stall after the demo",
    "no view of the pipeline by stage",
    "slow onboarding of new reps",
    "presales team overloaded",
    "churn rising in the mid market",
    "manual commission statements",
)
PROBLEMS = (
    "manual reporting",
    "spreadsheets for quotas",
    "no stage definitions",
    "late forecast",
    "low win rate",
    "long sales cycle",
    "poor lead qualification",
    "disputed commissions",
    "unclear presales capacity",
)
CAPABILITIES = (
    "stage triggers",
    "pipeline analytics",
    "lead scoring",
    "quota pools",
    "commission statements",
    "capacity planning",
    "CRM import",
)
VALUE_EXPECTED = (
    "win rate up 5 points",
    "cycle 20% shorter",
    "forecast within 10%",
    "statements in one day",
    "one more quarter of presales capacity",
    "fewer stalled deals",
)
VALUE_EVENTS = (
    "first forecast from pipefit",
    "first commission run",
    "stage report used in the QBR",
    "first scored lead handed off",
    "capacity plan approved",
)
