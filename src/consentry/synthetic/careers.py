"""Working lives: occupations with titles by seniority, skills, industries, companies, schools.

An occupation fixes what a member is called at each seniority level, which skills they
list, which industry they work in and what they write about, so that a profile, its
positions, its posts and the jobs a recruiter posts for it tell one coherent story.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

# Seniority levels, from a first job to running a function; the job board's words for them.
SENIORITY = ("entry", "mid", "senior", "lead", "executive")
EMPLOYMENT_TYPES = (
    "full-time",
    "full-time",
    "full-time",
    "part-time",
    "contract",
    "temporary",
    "internship",
)


@dataclass(frozen=True)
class Occupation:
    """A line of work: `titles[level]` is the job title at each of the five SENIORITY levels."""

    name: str
    industry: str
    titles: tuple[str, str, str, str, str]
    skills: tuple[str, ...]
    topics: tuple[str, ...]


def _o(name: str, industry: str, titles: str, skills: str, topics: str) -> Occupation:
    t = tuple(s.strip() for s in titles.split("|"))
    assert len(t) == 5, name
    return Occupation(
        name,
        industry,
        t,
        tuple(s.strip() for s in skills.split(",")),
        tuple(s.strip() for s in topics.split(",")),
    )


OCCUPATIONS: tuple[Occupation, ...] = (
    _o(
        "software engineering",
        "Software",
        "Junior Software Engineer|Software Engineer|Senior Software Engineer|Lead Software Engineer|Head of Engineering",
        "Python, Java, TypeScript, Go, Kubernetes, PostgreSQL, system design, code review, CI/CD, Rust, AWS",
        "clean code, technical debt, on-call, code review, distributed systems, developer experience",
    ),
    _o(
        "data science",
        "Software",
        "Junior Data Scientist|Data Scientist|Senior Data Scientist|Lead Data Scientist|Head of Data Science",
        "Python, SQL, statistics, scikit-learn, A/B testing, forecasting, pandas, causal inference, Spark",
        "experimentation, model evaluation, data quality, forecasting, causal inference",
    ),
    _o(
        "data engineering",
        "Software",
        "Junior Data Engineer|Data Engineer|Senior Data Engineer|Lead Data Engineer|Head of Data Platform",
        "SQL, Airflow, Spark, dbt, Kafka, Parquet, data modelling, Python, Snowflake, DuckDB",
        "data pipelines, lakehouses, data contracts, batch versus streaming",
    ),
    _o(
        "machine learning",
        "Software",
        "Junior ML Engineer|Machine Learning Engineer|Senior ML Engineer|Lead ML Engineer|Head of Machine Learning",
        "PyTorch, MLOps, feature stores, model serving, Python, evaluation, LLMs, retrieval, CUDA",
        "responsible AI, model monitoring, training data, evaluation, unlearning",
    ),
    _o(
        "product management",
        "Software",
        "Associate Product Manager|Product Manager|Senior Product Manager|Group Product Manager|VP of Product",
        "roadmapping, user research, prioritisation, discovery, stakeholder management, analytics, OKRs",
        "product discovery, roadmaps, saying no, customer interviews",
    ),
    _o(
        "UX design",
        "Design",
        "Junior UX Designer|UX Designer|Senior UX Designer|Lead Product Designer|Head of Design",
        "Figma, user research, prototyping, accessibility, design systems, usability testing, interaction design",
        "accessibility, design systems, usability, inclusive design",
    ),
    _o(
        "cybersecurity",
        "Information Security",
        "Security Analyst|Security Engineer|Senior Security Engineer|Security Architect|Chief Information Security Officer",
        "threat modelling, incident response, SIEM, penetration testing, ISO 27001, cloud security, IAM",
        "zero trust, incident response, phishing, supply-chain security",
    ),
    _o(
        "DevOps",
        "Software",
        "Junior DevOps Engineer|DevOps Engineer|Senior Site Reliability Engineer|Lead SRE|Head of Infrastructure",
        "Terraform, Kubernetes, Linux, Prometheus, Ansible, AWS, GCP, observability, incident management",
        "observability, on-call, infrastructure as code, reliability",
    ),
    _o(
        "marketing",
        "Marketing and Advertising",
        "Marketing Assistant|Marketing Manager|Senior Marketing Manager|Marketing Lead|Chief Marketing Officer",
        "content strategy, SEO, campaign management, brand strategy, marketing analytics, copywriting, HubSpot",
        "brand building, content marketing, attribution, storytelling",
    ),
    _o(
        "sales",
        "Sales",
        "Sales Development Representative|Account Executive|Senior Account Executive|Sales Team Lead|VP of Sales",
        "negotiation, CRM, Salesforce, prospecting, account management, forecasting, solution selling",
        "pipeline, cold outreach, enterprise deals, customer trust",
    ),
    _o(
        "accounting",
        "Accounting",
        "Junior Accountant|Accountant|Senior Accountant|Accounting Manager|Finance Director",
        "IFRS, US GAAP, bookkeeping, audit, tax, SAP, Excel, financial reporting, reconciliation",
        "month-end close, audit season, automation in finance, IFRS 16",
    ),
    _o(
        "financial analysis",
        "Financial Services",
        "Junior Financial Analyst|Financial Analyst|Senior Financial Analyst|FP&A Lead|Chief Financial Officer",
        "financial modelling, valuation, Excel, budgeting, forecasting, Power BI, variance analysis",
        "forecasting, scenario planning, capital allocation",
    ),
    _o(
        "nursing",
        "Hospital and Health Care",
        "Student Nurse|Registered Nurse|Senior Staff Nurse|Charge Nurse|Director of Nursing",
        "patient care, triage, medication administration, wound care, electronic health records, ICU, paediatrics",
        "patient safety, night shifts, staffing, burnout in health care",
    ),
    _o(
        "medicine",
        "Hospital and Health Care",
        "Junior Doctor|Resident Physician|Consultant Physician|Clinical Lead|Chief Medical Officer",
        "internal medicine, diagnostics, clinical research, patient communication, emergency medicine",
        "evidence-based medicine, clinical trials, digital health",
    ),
    _o(
        "pharmacy",
        "Pharmaceuticals",
        "Pharmacy Intern|Pharmacist|Senior Pharmacist|Lead Pharmacist|Head of Pharmacy",
        "pharmacology, dispensing, clinical pharmacy, regulatory affairs, GMP, pharmacovigilance",
        "drug safety, supply shortages, patient counselling",
    ),
    _o(
        "teaching",
        "Education",
        "Trainee Teacher|Teacher|Senior Teacher|Head of Department|Headteacher",
        "curriculum design, classroom management, assessment, differentiation, EdTech, mentoring",
        "classroom technology, assessment, inclusive education, reading",
    ),
    _o(
        "research",
        "Research",
        "Research Assistant|Researcher|Senior Researcher|Principal Investigator|Research Director",
        "grant writing, statistics, literature review, lab management, peer review, R, Python",
        "open science, reproducibility, grant funding, peer review",
    ),
    _o(
        "law",
        "Law Practice",
        "Trainee Solicitor|Associate|Senior Associate|Partner|General Counsel",
        "contract law, GDPR, litigation, compliance, M&A, legal research, negotiation",
        "privacy law, AI regulation, legal tech, contracts",
    ),
    _o(
        "privacy",
        "Legal Services",
        "Privacy Analyst|Privacy Counsel|Senior Privacy Counsel|Data Protection Officer|Chief Privacy Officer",
        "GDPR, CCPA, DPIA, records of processing, privacy by design, consent management, vendor assessment",
        "consent, data minimisation, AI training data, cross-border transfers",
    ),
    _o(
        "human resources",
        "Human Resources",
        "HR Assistant|HR Business Partner|Senior HR Business Partner|HR Lead|Chief People Officer",
        "employee relations, talent management, HRIS, compensation, labour law, onboarding, Workday",
        "hybrid work, employee experience, pay transparency",
    ),
    _o(
        "recruiting",
        "Staffing and Recruiting",
        "Recruiting Coordinator|Recruiter|Senior Technical Recruiter|Talent Acquisition Lead|Head of Talent",
        "sourcing, interviewing, employer branding, ATS, stakeholder management, Boolean search, offer negotiation",
        "candidate experience, hiring, employer branding, skills-based hiring",
    ),
    _o(
        "civil engineering",
        "Civil Engineering",
        "Graduate Civil Engineer|Civil Engineer|Senior Civil Engineer|Principal Engineer|Director of Engineering",
        "AutoCAD, structural analysis, BIM, project management, geotechnics, Revit, Eurocodes",
        "infrastructure, sustainable construction, BIM adoption",
    ),
    _o(
        "mechanical engineering",
        "Mechanical or Industrial Engineering",
        "Junior Mechanical Engineer|Mechanical Engineer|Senior Mechanical Engineer|Lead Engineer|Head of R&D",
        "SolidWorks, CAD, FEA, thermodynamics, prototyping, GD&T, manufacturing processes",
        "prototyping, manufacturing, electrification, quality",
    ),
    _o(
        "electrical engineering",
        "Electrical and Electronic Manufacturing",
        "Junior Electrical Engineer|Electrical Engineer|Senior Electrical Engineer|Lead Hardware Engineer|Head of Hardware",
        "PCB design, embedded C, power electronics, MATLAB, FPGA, signal processing",
        "embedded systems, energy transition, hardware startups",
    ),
    _o(
        "architecture",
        "Architecture and Planning",
        "Architectural Assistant|Architect|Senior Architect|Associate Director|Design Director",
        "Revit, urban design, sustainability, planning applications, Rhino, SketchUp, BIM",
        "housing, timber buildings, public space, retrofit",
    ),
    _o(
        "logistics",
        "Logistics and Supply Chain",
        "Logistics Coordinator|Supply Chain Analyst|Senior Supply Chain Manager|Head of Logistics|VP of Supply Chain",
        "inventory management, SAP, procurement, demand planning, warehousing, Lean, transport planning",
        "resilience, nearshoring, last-mile delivery",
    ),
    _o(
        "project management",
        "Management Consulting",
        "Project Coordinator|Project Manager|Senior Project Manager|Programme Manager|Director of PMO",
        "PRINCE2, Scrum, risk management, stakeholder management, budgeting, Jira, PMP",
        "delivery, agile at scale, risk, status reports",
    ),
    _o(
        "consulting",
        "Management Consulting",
        "Business Analyst|Consultant|Senior Consultant|Engagement Manager|Partner",
        "strategy, due diligence, process improvement, PowerPoint, change management, workshops",
        "transformation, strategy, operating models",
    ),
    _o(
        "customer success",
        "Software",
        "Customer Support Specialist|Customer Success Manager|Senior Customer Success Manager|Customer Success Lead|VP of Customer Success",
        "onboarding, renewals, Zendesk, churn analysis, customer advocacy, QBRs",
        "churn, onboarding, customer empathy",
    ),
    _o(
        "journalism",
        "Media Production",
        "Editorial Assistant|Reporter|Senior Correspondent|Editor|Editor-in-Chief",
        "reporting, fact-checking, interviewing, data journalism, editing, storytelling, podcasting",
        "trust in media, local news, data journalism",
    ),
    _o(
        "hospitality",
        "Hospitality",
        "Front Desk Agent|Hotel Supervisor|Assistant Hotel Manager|Hotel Manager|General Manager",
        "guest relations, revenue management, Opera PMS, event planning, team leadership",
        "guest experience, tourism recovery, seasonal staffing",
    ),
    _o(
        "retail",
        "Retail",
        "Sales Associate|Store Supervisor|Assistant Store Manager|Store Manager|Regional Director",
        "merchandising, inventory, customer service, visual merchandising, P&L, team scheduling",
        "omnichannel, customer service, store operations",
    ),
    _o(
        "graphic design",
        "Design",
        "Junior Graphic Designer|Graphic Designer|Senior Graphic Designer|Art Director|Creative Director",
        "Adobe Illustrator, InDesign, typography, branding, motion graphics, Photoshop, layout",
        "typography, brand identity, creative process",
    ),
    _o(
        "energy",
        "Renewables and Environment",
        "Junior Energy Analyst|Energy Engineer|Senior Energy Engineer|Lead Project Developer|Head of Renewables",
        "solar PV, wind, grid integration, energy modelling, permitting, battery storage, PPA",
        "energy transition, grid capacity, storage, heat pumps",
    ),
)

BY_NAME: dict[str, Occupation] = {o.name: o for o in OCCUPATIONS}

GENERIC_SKILLS = (
    "communication",
    "leadership",
    "teamwork",
    "problem solving",
    "public speaking",
    "mentoring",
    "English",
    "German",
    "French",
    "Spanish",
    "time management",
    "negotiation",
)

_COMPANY_HEADS = (
    "Nord",
    "Blue",
    "Silver",
    "Bright",
    "Alpen",
    "Atlas",
    "Vela",
    "Orion",
    "Lumen",
    "Cedar",
    "Harbor",
    "Kestrel",
    "Granite",
    "Juniper",
    "Aurora",
    "Meridian",
    "Tidal",
    "Helix",
    "Polar",
    "Copper",
    "Summit",
    "Linden",
    "Falcon",
    "Quartz",
    "Maple",
    "Solano",
    "Riva",
    "Fjord",
)
_COMPANY_TAILS = (
    "wind",
    "stone",
    "bridge",
    "field",
    "works",
    "lane",
    "point",
    "wave",
    "gate",
    "leaf",
    "path",
    "forge",
    "line",
    "peak",
    "light",
    "nest",
)
_COMPANY_KINDS = {
    "Software": ("Labs", "Systems", "Software", "Cloud", "AI", "Technologies"),
    "Hospital and Health Care": ("Health", "Clinic", "Medical Centre", "Care"),
    "Financial Services": ("Capital", "Bank", "Partners", "Finance"),
    "Education": ("Academy", "School", "Learning"),
    "Law Practice": ("Legal", "Law", "& Partners"),
}
_LEGAL_FORM = {
    "DE": "GmbH",
    "AT": "GmbH",
    "CH": "AG",
    "FR": "SAS",
    "GB": "Ltd",
    "IE": "Ltd",
    "NL": "B.V.",
    "BE": "NV",
    "ES": "S.L.",
    "IT": "S.r.l.",
    "PL": "sp. z o.o.",
    "SE": "AB",
    "NO": "AS",
    "DK": "ApS",
    "FI": "Oy",
    "US": "Inc.",
    "CA": "Inc.",
    "HK": "Limited",
}


def company_name(rng: Random, industry: str, country: str) -> str:
    """An invented company: `Nordwind Labs GmbH`, `Cedar Health Inc.`, `Quartzgate`."""
    base = rng.choice(_COMPANY_HEADS) + rng.choice(_COMPANY_TAILS)
    kinds = _COMPANY_KINDS.get(industry, ("Group", "Solutions", "Industries", "Consulting", ""))
    kind = rng.choice(kinds)
    name = f"{base} {kind}".strip()
    form = _LEGAL_FORM.get(country)
    if form and rng.random() < 0.4:
        name = f"{name} {form}"
    return name


_SCHOOL_FORMS = {
    "de": ("Universität {c}", "Technische Universität {c}", "Hochschule {c}"),
    "fr": ("Université de {c}", "École supérieure de {c}", "Institut national de {c}"),
    "fr-ca": ("Université de {c}", "Collège de {c}"),
    "es": ("Universidad de {c}", "Universidad Politécnica de {c}"),
    "it": ("Università di {c}", "Politecnico di {c}"),
    "pt": ("Universidade de {c}", "Instituto Superior de {c}"),
    "nl": ("Universiteit {c}", "Hogeschool {c}"),
    "pl": ("Uniwersytet w {c}", "Politechnika {c}"),
}
_DEFAULT_SCHOOL_FORMS = (
    "University of {c}",
    "{c} Institute of Technology",
    "{c} Business School",
    "{c} State University",
    "{c} College",
)

DEGREES = (
    ("Bachelor of Science", "BSc"),
    ("Bachelor of Arts", "BA"),
    ("Master of Science", "MSc"),
    ("Master of Arts", "MA"),
    ("MBA", "MBA"),
    ("PhD", "PhD"),
    ("Bachelor of Engineering", "BEng"),
    ("Master of Laws", "LLM"),
)
FIELDS_BY_OCCUPATION = {
    "Software": ("Computer Science", "Software Engineering", "Mathematics", "Physics"),
    "Design": ("Graphic Design", "Human-Computer Interaction", "Fine Arts"),
    "Hospital and Health Care": ("Nursing", "Medicine", "Public Health"),
    "Law Practice": ("Law",),
    "Legal Services": ("Law", "Information Law"),
    "Education": ("Education", "History", "Biology", "Mathematics"),
}
_DEFAULT_FIELDS = (
    "Business Administration",
    "Economics",
    "Engineering",
    "Psychology",
    "Communication",
    "Management",
    "Statistics",
)


def school_name(rng: Random, language: str, city: str) -> str:
    """A school of the member's country, named after one of its cities."""
    forms = _SCHOOL_FORMS.get(language, _DEFAULT_SCHOOL_FORMS)
    return rng.choice(forms).format(c=city)


def field_of_study(rng: Random, occupation: Occupation) -> str:
    return rng.choice(FIELDS_BY_OCCUPATION.get(occupation.industry, _DEFAULT_FIELDS))
