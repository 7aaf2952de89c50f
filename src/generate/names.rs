//! Word lists for plausible people, companies and webinar titles.

pub const FIRST: &[&str] = &[
    "Ada", "Alan", "Amara", "Ben", "Bianca", "Carla", "Chen", "Dana", "Diego", "Elena", "Emeka", "Farah",
    "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jade", "Jonas", "Kai", "Kemi", "Lars", "Leila",
    "Luca", "Maya", "Mateo", "Nadia", "Nils", "Omar", "Olga", "Priya", "Paolo", "Quinn", "Rosa", "Ravi",
    "Sofia", "Sam", "Tara", "Tomas", "Uma", "Victor", "Wen", "Yara", "Yusuf", "Zoe", "Zane", "Aisha",
    "Bruno", "Clara",
];

pub const LAST: &[&str] = &[
    "Abbott", "Banerjee", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi", "Schmidt", "Tanaka",
    "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Adeyemi", "Brennan", "Carvalho", "Dimitrov",
    "Engel", "Fontaine", "Gupta", "Hoffmann", "Ivanova", "Kim", "Lopez", "Mendes", "Novak", "Olsen",
];

pub const COMPANY_HEAD: &[&str] = &[
    "North", "Blue", "Bright", "Cedar", "Silver", "Iron", "Summit", "Harbor", "Maple", "Quantum", "Vertex",
    "Atlas", "Nova", "Pioneer", "Golden", "Crimson", "Granite", "Swift", "Clear", "Polar",
];

pub const COMPANY_TAIL: &[&str] =
    &["wind", "field", "stone", "bridge", "point", "gate", "line", "works", "peak", "path"];

pub const COMPANY_SUFFIX: &[&str] =
    &["Labs", "Systems", "Health", "Logistics", "Capital", "Retail", "Media", "Software", "Energy", "Foods"];

pub const INDUSTRIES: &[&str] = &[
    "Software",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Media",
    "Logistics",
    "Education",
];

pub const REGIONS: &[&str] = &["NA", "EMEA", "APAC", "LATAM"];

pub const TITLES: &[&str] = &[
    "VP Operations",
    "Director of IT",
    "Head of Customer Success",
    "Product Manager",
    "Analyst",
    "CTO",
    "Engineering Manager",
    "Operations Lead",
    "Data Scientist",
    "COO",
];

pub const TEAMS: &[&str] = &["Enterprise", "Mid-Market", "Scale"];

pub const WEBINARS: &[&str] = &[
    "Onboarding Essentials",
    "Roadmap Preview",
    "Customer Stories",
    "Admin Masterclass",
    "Automation Deep Dive",
    "Reporting Best Practices",
    "Security & Compliance",
    "Office Hours",
];

pub const COMMENTS: &[&str] = &[
    "Great support team",
    "Reporting could be faster",
    "Love the new dashboards",
    "Onboarding took too long",
    "Indispensable for our ops team",
    "Pricing is a concern",
];
