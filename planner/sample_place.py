"""Riverbrook: the fictional place every generated scenario is set in.

Four employers share one borough: Riverbrook Borough Council, Riverbrook and Eastfold NHS
Foundation Trust, Eastfold Constabulary and the voluntary-sector partner Riverbrook Community
Action. This module holds only facts about the place (organisations, professions, the skill
taxonomy, the kinds of team, titles, names); `planner.generate` turns them into people.

Everything here is invented. Names are common UK first names and surnames combined at random,
so no generated person is a real one.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# Organisations and their grade scales
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Organisation:
    key: str
    name: str
    code: str
    grade_min: int
    grade_max: int
    grade_note: str


ORGANISATIONS: dict[str, Organisation] = {
    o.key: o
    for o in (
        Organisation("council", "Riverbrook Borough Council", "rbc", 1, 12,
                     "council grades 1-12 (12 = head of service)"),
        Organisation("nhs", "Riverbrook and Eastfold NHS Foundation Trust", "ret", 2, 11,
                     "Agenda for Change bands 2-7, with 8a-8d as 8-11"),
        Organisation("police", "Eastfold Constabulary", "efc", 1, 9,
                     "police staff grades and ranks 1-9 (3 = constable, 4 = sergeant, 5 = inspector)"),
        Organisation("charity", "Riverbrook Community Action", "rca", 1, 7,
                     "charity pay bands 1-7"),
    )
}

# ---------------------------------------------------------------------------------------------
# Skill taxonomy: (skill_id, name, category)
# ---------------------------------------------------------------------------------------------

SKILLS: tuple[tuple[str, str, str], ...] = (
    ("safeguarding-children", "Safeguarding children", "Social care"),
    ("safeguarding-adults", "Safeguarding adults", "Social care"),
    ("care-assessment", "Care and support assessment", "Social care"),
    ("case-management", "Case management", "Social care"),
    ("mental-capacity-act", "Mental Capacity Act assessment", "Social care"),
    ("approved-mental-health-practice", "Approved mental health professional (AMHP)", "Social care"),
    ("family-support", "Family support", "Social care"),
    ("personal-care", "Personal care and reablement", "Social care"),
    ("development-management", "Development management", "Planning and place"),
    ("planning-policy", "Planning policy", "Planning and place"),
    ("urban-design", "Urban design", "Planning and place"),
    ("planning-enforcement", "Planning enforcement", "Planning and place"),
    ("heritage-conservation", "Heritage and conservation", "Planning and place"),
    ("gis-mapping", "GIS and mapping", "Planning and place"),
    ("homelessness-prevention", "Homelessness prevention", "Housing"),
    ("tenancy-management", "Tenancy management", "Housing"),
    ("clinical-assessment", "Clinical assessment and triage", "Clinical"),
    ("medication-administration", "Medication administration", "Clinical"),
    ("wound-care", "Wound care", "Clinical"),
    ("infection-prevention", "Infection prevention and control", "Clinical"),
    ("mental-health-nursing", "Mental health nursing", "Clinical"),
    ("vaccination", "Vaccination", "Clinical"),
    ("discharge-planning", "Discharge planning", "Clinical"),
    ("rehabilitation", "Rehabilitation therapy", "Clinical"),
    ("epidemiology", "Epidemiology", "Public health"),
    ("health-protection", "Health protection", "Public health"),
    ("contact-tracing", "Contact tracing", "Public health"),
    ("health-promotion", "Health promotion", "Public health"),
    ("investigation", "Criminal investigation", "Policing"),
    ("community-policing", "Neighbourhood policing", "Policing"),
    ("public-order", "Public order", "Policing"),
    ("custody-procedures", "Custody procedures", "Policing"),
    ("intelligence-analysis", "Intelligence analysis", "Policing"),
    ("victim-care", "Victim care", "Policing"),
    ("digital-forensics", "Digital forensics", "Policing"),
    ("call-handling", "Emergency call handling", "Policing"),
    ("financial-planning", "Financial planning", "Finance"),
    ("budget-management", "Budget management", "Finance"),
    ("procurement", "Procurement and contracts", "Finance"),
    ("payroll", "Payroll", "Finance"),
    ("employee-relations", "Employee relations", "People"),
    ("recruitment", "Recruitment", "People"),
    ("organisational-development", "Organisational development", "People"),
    ("workforce-planning", "Workforce planning", "People"),
    ("coaching", "Coaching and mentoring", "People"),
    ("data-analysis", "Data analysis", "Data and digital"),
    ("sql", "SQL", "Data and digital"),
    ("python", "Python", "Data and digital"),
    ("data-visualisation", "Data visualisation", "Data and digital"),
    ("user-research", "User research", "Data and digital"),
    ("service-design", "Service design", "Data and digital"),
    ("software-development", "Software development", "Data and digital"),
    ("cyber-security", "Cyber security", "Data and digital"),
    ("media-relations", "Media relations", "Communications"),
    ("digital-content", "Digital content", "Communications"),
    ("public-consultation", "Public consultation", "Communications"),
    ("community-engagement", "Community engagement", "Community"),
    ("volunteer-coordination", "Volunteer coordination", "Community"),
    ("welfare-rights-advice", "Welfare rights advice", "Community"),
    ("fundraising", "Fundraising and bids", "Community"),
    ("co-production", "Co-production with residents", "Community"),
    ("project-management", "Project management", "Leadership and delivery"),
    ("people-management", "People management", "Leadership and delivery"),
    ("change-management", "Change management", "Leadership and delivery"),
    ("emergency-planning", "Emergency planning and resilience", "Leadership and delivery"),
    ("stakeholder-management", "Stakeholder management", "Leadership and delivery"),
    ("business-administration", "Business administration", "Leadership and delivery"),
    ("british-sign-language", "British Sign Language", "Languages and access"),
    ("language-urdu", "Urdu", "Languages and access"),
    ("language-polish", "Polish", "Languages and access"),
)

SKILL_IDS: tuple[str, ...] = tuple(s[0] for s in SKILLS)

# Skills that only a handful of people hold, whatever the size of the place.
RARE_SKILLS: tuple[str, ...] = (
    "approved-mental-health-practice",
    "heritage-conservation",
    "digital-forensics",
    "cyber-security",
    "british-sign-language",
)

# ---------------------------------------------------------------------------------------------
# Professions: grade range (on the shared 1-12 scale, clipped to the employer's own scale),
# the skills people in it usually hold (skill, share of people who hold it, typical level),
# and the job titles opportunities in it carry.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profession:
    key: str
    grade_low: int
    grade_high: int
    skills: tuple[tuple[str, float, float], ...]
    titles: tuple[str, ...]
    must_practise_share: float = 0.0  # share of the profession keeping registration by practice


PROFESSIONS: dict[str, Profession] = {
    p.key: p
    for p in (
        Profession("social-work", 6, 11, (
            ("case-management", 0.95, 3.2), ("safeguarding-children", 0.6, 3.0),
            ("safeguarding-adults", 0.6, 3.0), ("care-assessment", 0.7, 3.0),
            ("mental-capacity-act", 0.45, 2.6), ("family-support", 0.4, 2.8),
            ("approved-mental-health-practice", 0.05, 3.5), ("co-production", 0.15, 2.2),
        ), ("Social Worker", "Senior Social Worker", "Practice Educator", "Advanced Practitioner",
            "Team Manager (Social Work)"), must_practise_share=0.8),
        Profession("social-care", 2, 6, (
            ("personal-care", 0.85, 2.8), ("safeguarding-adults", 0.6, 2.0),
            ("family-support", 0.3, 2.3), ("care-assessment", 0.3, 2.0),
            ("medication-administration", 0.35, 2.2),
        ), ("Care and Support Worker", "Reablement Officer", "Family Support Worker",
            "Senior Care Coordinator")),
        Profession("planning", 5, 11, (
            ("development-management", 0.75, 3.1), ("planning-policy", 0.5, 2.9),
            ("urban-design", 0.3, 2.6), ("planning-enforcement", 0.25, 2.8),
            ("gis-mapping", 0.35, 2.4), ("heritage-conservation", 0.07, 3.3),
            ("public-consultation", 0.4, 2.4),
        ), ("Planning Officer", "Senior Planning Officer", "Principal Planner",
            "Planning Policy Officer", "Urban Design Officer"), must_practise_share=0.6),
        Profession("housing", 4, 9, (
            ("homelessness-prevention", 0.7, 3.0), ("tenancy-management", 0.6, 3.0),
            ("case-management", 0.5, 2.6), ("welfare-rights-advice", 0.3, 2.4),
            ("safeguarding-adults", 0.3, 2.2),
        ), ("Housing Options Officer", "Tenancy Officer", "Senior Housing Officer",
            "Homelessness Prevention Lead")),
        Profession("finance", 3, 11, (
            ("budget-management", 0.8, 3.0), ("financial-planning", 0.6, 3.0),
            ("procurement", 0.35, 2.6), ("payroll", 0.25, 2.8), ("data-analysis", 0.3, 2.4),
        ), ("Finance Officer", "Management Accountant", "Finance Business Partner",
            "Procurement Officer", "Payroll Officer")),
        Profession("hr", 3, 11, (
            ("employee-relations", 0.7, 3.0), ("recruitment", 0.6, 3.0),
            ("organisational-development", 0.35, 2.7), ("workforce-planning", 0.35, 2.6),
            ("coaching", 0.3, 2.6), ("payroll", 0.15, 2.4),
        ), ("HR Advisor", "HR Business Partner", "Recruitment Advisor",
            "Organisational Development Consultant", "Workforce Planner")),
        Profession("data", 4, 10, (
            ("data-analysis", 0.95, 3.2), ("sql", 0.75, 3.0), ("python", 0.4, 2.8),
            ("data-visualisation", 0.6, 2.9), ("gis-mapping", 0.15, 2.4),
            ("intelligence-analysis", 0.2, 2.8), ("epidemiology", 0.1, 2.4),
        ), ("Data Analyst", "Senior Data Analyst", "Data Scientist", "Intelligence Analyst",
            "Business Intelligence Developer")),
        Profession("digital", 4, 10, (
            ("software-development", 0.6, 3.0), ("service-design", 0.4, 2.8),
            ("user-research", 0.35, 2.8), ("cyber-security", 0.06, 3.2),
            ("sql", 0.3, 2.6), ("python", 0.3, 2.6), ("project-management", 0.25, 2.6),
        ), ("Developer", "Service Designer", "User Researcher", "Product Manager",
            "Infrastructure Engineer")),
        Profession("comms", 4, 10, (
            ("media-relations", 0.65, 3.0), ("digital-content", 0.75, 3.0),
            ("public-consultation", 0.45, 2.7), ("community-engagement", 0.3, 2.5),
            ("stakeholder-management", 0.35, 2.6),
        ), ("Communications Officer", "Senior Communications Officer", "Digital Content Officer",
            "Engagement and Consultation Officer")),
        Profession("community-development", 3, 8, (
            ("community-engagement", 0.9, 3.1), ("co-production", 0.5, 2.7),
            ("volunteer-coordination", 0.5, 2.8), ("fundraising", 0.3, 2.5),
            ("welfare-rights-advice", 0.25, 2.5), ("public-consultation", 0.25, 2.4),
        ), ("Community Development Worker", "Community Connector", "Volunteer Coordinator",
            "Partnerships Officer", "Youth Worker")),
        Profession("public-health", 5, 11, (
            ("health-protection", 0.6, 3.0), ("epidemiology", 0.45, 3.0),
            ("health-promotion", 0.7, 3.0), ("contact-tracing", 0.4, 2.6),
            ("data-analysis", 0.45, 2.7), ("community-engagement", 0.3, 2.5),
        ), ("Public Health Practitioner", "Public Health Specialist", "Health Protection Practitioner",
            "Public Health Intelligence Analyst")),
        Profession("nursing", 5, 9, (
            ("clinical-assessment", 0.9, 3.2), ("medication-administration", 0.9, 3.3),
            ("infection-prevention", 0.75, 3.0), ("wound-care", 0.5, 2.9),
            ("vaccination", 0.4, 2.8), ("discharge-planning", 0.35, 2.7),
            ("mental-health-nursing", 0.2, 3.2), ("safeguarding-adults", 0.4, 2.4),
        ), ("Staff Nurse", "Senior Staff Nurse", "Ward Sister / Charge Nurse",
            "Clinical Nurse Specialist", "Practice Development Nurse")),
        Profession("allied-health", 5, 8, (
            ("rehabilitation", 0.9, 3.2), ("clinical-assessment", 0.6, 2.9),
            ("discharge-planning", 0.45, 2.8), ("care-assessment", 0.3, 2.6),
            ("mental-capacity-act", 0.2, 2.4),
        ), ("Physiotherapist", "Occupational Therapist", "Senior Occupational Therapist",
            "Therapy Team Lead")),
        Profession("healthcare-support", 2, 4, (
            ("personal-care", 0.8, 2.9), ("infection-prevention", 0.6, 2.5),
            ("vaccination", 0.25, 2.3), ("clinical-assessment", 0.2, 2.0),
            ("business-administration", 0.15, 2.2),
        ), ("Healthcare Assistant", "Nursing Associate", "Vaccinator", "Therapy Assistant")),
        Profession("policing", 2, 7, (
            ("community-policing", 0.7, 3.0), ("public-order", 0.45, 2.8),
            ("investigation", 0.45, 2.5), ("custody-procedures", 0.3, 2.7),
            ("victim-care", 0.45, 2.6), ("safeguarding-children", 0.25, 2.3),
        ), ("Police Constable", "Police Sergeant", "Police Community Support Officer",
            "Neighbourhood Inspector", "Custody Sergeant")),
        Profession("investigation", 3, 8, (
            ("investigation", 0.95, 3.3), ("intelligence-analysis", 0.35, 2.7),
            ("victim-care", 0.5, 2.8), ("safeguarding-children", 0.35, 2.8),
            ("digital-forensics", 0.06, 3.4),
        ), ("Detective Constable", "Detective Sergeant", "Investigation Officer",
            "Public Protection Investigator")),
        Profession("contact-and-control", 2, 5, (
            ("call-handling", 0.95, 3.0), ("victim-care", 0.3, 2.4),
            ("business-administration", 0.3, 2.5), ("emergency-planning", 0.1, 2.4),
        ), ("Call Handler", "Force Control Room Dispatcher", "Contact Centre Advisor",
            "Control Room Supervisor")),
        Profession("business-support", 1, 5, (
            ("business-administration", 0.95, 3.0), ("data-analysis", 0.15, 2.0),
            ("digital-content", 0.1, 2.0), ("payroll", 0.08, 2.2), ("call-handling", 0.15, 2.3),
        ), ("Business Support Officer", "Team Administrator", "Executive Assistant",
            "Business Support Manager")),
        Profession("project-management", 5, 10, (
            ("project-management", 0.95, 3.3), ("change-management", 0.6, 2.9),
            ("stakeholder-management", 0.7, 3.0), ("emergency-planning", 0.2, 2.7),
            ("service-design", 0.2, 2.5),
        ), ("Project Officer", "Project Manager", "Programme Manager", "Business Change Manager",
            "Emergency Planning Officer")),
        Profession("advice-work", 2, 6, (
            ("welfare-rights-advice", 0.9, 3.0), ("case-management", 0.45, 2.6),
            ("homelessness-prevention", 0.25, 2.5), ("community-engagement", 0.35, 2.5),
        ), ("Advice Worker", "Welfare Rights Advisor", "Debt Advisor", "Advice Service Manager")),
    )
}

# Permanent posts (role profiles) a profession promotes into: the title of the post whose top
# grade is each grade above the bottom of the profession's range, from grade_low + 1 upwards
# (on the shared scale: NHS bands 5, 6, 7 are grades 5, 6, 7 and 8a-8d are 8-11; police ranks
# 3 constable, 4 sergeant, 5 inspector).
LADDER_TITLES: dict[str, tuple[str, ...]] = {
    "social-work": ("Senior Social Worker", "Advanced Practitioner", "Team Manager (Social Work)",
                    "Service Manager (Social Work)", "Head of Service (Social Work)"),
    "social-care": ("Senior Care and Support Worker", "Reablement Coordinator", "Senior Care Coordinator",
                    "Care Services Manager"),
    "planning": ("Planning Officer", "Senior Planning Officer", "Principal Planner", "Planning Team Leader",
                 "Development Manager", "Head of Planning"),
    "housing": ("Housing Options Officer", "Senior Housing Officer", "Homelessness Prevention Lead",
                "Housing Options Team Manager", "Head of Housing Options"),
    "finance": ("Finance Officer", "Senior Finance Officer", "Accountant", "Management Accountant",
                "Senior Management Accountant", "Finance Business Partner", "Finance Manager", "Head of Finance"),
    "hr": ("HR Officer", "Senior HR Officer", "HR Advisor", "Senior HR Advisor", "HR Business Partner",
           "Senior HR Business Partner", "HR Manager", "Head of HR and Organisational Development"),
    "data": ("Data Analyst", "Senior Data Analyst", "Lead Data Analyst", "Principal Data Scientist",
             "Data and Insight Manager", "Head of Data and Insight"),
    "digital": ("Developer", "Senior Developer", "Lead Developer", "Principal Service Designer",
                "Digital Delivery Manager", "Head of Digital"),
    "comms": ("Communications Officer", "Senior Communications Officer", "Communications Lead",
              "Communications Manager", "Communications and Engagement Manager",
              "Head of Communications and Engagement"),
    "community-development": ("Community Development Worker", "Senior Community Development Worker",
                              "Community Development Coordinator", "Partnerships Manager", "Head of Communities"),
    "public-health": ("Public Health Officer", "Public Health Practitioner", "Senior Public Health Practitioner",
                      "Public Health Specialist", "Consultant in Public Health", "Deputy Director of Public Health"),
    "nursing": ("Band 6 Senior Staff Nurse", "Band 7 Ward Sister / Charge Nurse", "Band 8a Matron",
                "Band 8b Lead Nurse"),
    "allied-health": ("Band 6 Senior Occupational Therapist", "Band 7 Therapy Team Lead",
                      "Band 8a Clinical Lead Therapist"),
    "healthcare-support": ("Band 3 Senior Healthcare Assistant", "Band 4 Nursing Associate"),
    "policing": ("Police Constable", "Police Sergeant", "Police Inspector", "Chief Inspector", "Superintendent"),
    "investigation": ("Detective Sergeant", "Detective Inspector", "Detective Chief Inspector",
                      "Detective Superintendent", "Detective Chief Superintendent"),
    "contact-and-control": ("Senior Call Handler", "Control Room Supervisor", "Control Room Manager"),
    "business-support": ("Business Support Officer", "Senior Business Support Officer",
                         "Business Support Team Leader", "Business Support Manager"),
    "project-management": ("Project Manager", "Senior Project Manager", "Programme Manager",
                           "Senior Programme Manager", "Head of Transformation"),
    "advice-work": ("Advice Worker", "Senior Advice Worker", "Advice Team Leader", "Advice Service Manager"),
}

# Skills anyone may hold whatever their profession: (skill, share of people, typical level).
# people-management and coaching grow with grade (see planner.generate).
CROSS_CUTTING_SKILLS: tuple[tuple[str, float, float], ...] = (
    ("project-management", 0.10, 2.3), ("stakeholder-management", 0.10, 2.4),
    ("data-analysis", 0.08, 2.2), ("change-management", 0.05, 2.3),
    ("community-engagement", 0.05, 2.2), ("emergency-planning", 0.03, 2.2),
    ("business-administration", 0.08, 2.4), ("digital-content", 0.04, 2.0),
    ("service-design", 0.02, 2.0), ("language-urdu", 0.04, 3.2), ("language-polish", 0.03, 3.3),
    ("british-sign-language", 0.004, 3.0), ("coaching", 0.04, 2.4),
)

# Skills opportunities of any host can develop (cross-profession growth).
DEVELOPMENT_SKILLS: tuple[str, ...] = (
    "project-management", "people-management", "change-management", "stakeholder-management",
    "data-analysis", "service-design", "co-production", "coaching", "community-engagement",
    "public-consultation", "emergency-planning", "organisational-development", "user-research",
    "data-visualisation", "budget-management",
)

# ---------------------------------------------------------------------------------------------
# Kinds of team
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamKind:
    key: str
    name: str
    organisation: str
    service: str
    mix: tuple[tuple[str, float], ...]  # (profession, share of the team)
    critical: tuple[tuple[str, int], ...]  # (skill, level) the team must keep
    crisis_status: str = "normal"  # status in a crisis: normal, paused or critical
    local: bool = False  # one team per locality
    size: tuple[int, int] = (12, 30)
    weight: float = 1.0  # how common the kind is in a large place


TEAM_KINDS: dict[str, TeamKind] = {
    k.key: k
    for k in (
        # Riverbrook Borough Council
        TeamKind("childrens-sc", "Children's Social Care", "council", "Children's Services",
                 (("social-work", 0.72), ("social-care", 0.16), ("business-support", 0.12)),
                 (("safeguarding-children", 3),), "critical", True, (16, 40), 3.0),
        TeamKind("adults-sc", "Adult Social Care", "council", "Adults and Health",
                 (("social-work", 0.5), ("social-care", 0.38), ("allied-health", 0.04),
                  ("business-support", 0.08)),
                 (("safeguarding-adults", 3), ("care-assessment", 3)), "critical", True, (18, 45), 3.0),
        TeamKind("reablement", "Reablement and Home Care", "council", "Adults and Health",
                 (("social-care", 0.82), ("allied-health", 0.08), ("business-support", 0.1)),
                 (("personal-care", 3),), "critical", False, (20, 60), 2.0),
        TeamKind("dev-management", "Development Management", "council", "Place and Planning",
                 (("planning", 0.85), ("business-support", 0.15)),
                 (("development-management", 3),), "paused", False, (10, 25), 1.0),
        TeamKind("planning-policy", "Planning Policy and Design", "council", "Place and Planning",
                 (("planning", 0.8), ("data", 0.1), ("comms", 0.1)),
                 (("planning-policy", 3),), "paused", False, (8, 16), 0.6),
        TeamKind("housing-options", "Housing Options and Homelessness", "council", "Housing",
                 (("housing", 0.82), ("advice-work", 0.06), ("business-support", 0.12)),
                 (("homelessness-prevention", 3),), "normal", True, (12, 30), 1.5),
        TeamKind("tenancy", "Tenancy Services", "council", "Housing",
                 (("housing", 0.8), ("business-support", 0.2)),
                 (("tenancy-management", 3),), "paused", True, (10, 25), 1.0),
        TeamKind("public-health", "Public Health", "council", "Adults and Health",
                 (("public-health", 0.7), ("data", 0.2), ("comms", 0.1)),
                 (("health-protection", 3),), "critical", False, (10, 28), 0.8),
        TeamKind("council-finance", "Finance and Procurement", "council", "Resources",
                 (("finance", 0.9), ("business-support", 0.1)),
                 (("budget-management", 3),), "normal", False, (12, 35), 1.0),
        TeamKind("council-hr", "HR and Organisational Development", "council", "Resources",
                 (("hr", 0.9), ("business-support", 0.1)),
                 (("employee-relations", 3),), "normal", False, (8, 22), 0.8),
        TeamKind("council-data", "Data and Insight", "council", "Resources",
                 (("data", 0.85), ("digital", 0.15)),
                 (("sql", 3),), "normal", False, (8, 18), 0.6),
        TeamKind("council-digital", "Digital Services", "council", "Resources",
                 (("digital", 0.8), ("data", 0.1), ("project-management", 0.1)),
                 (("software-development", 3),), "normal", False, (8, 24), 0.7),
        TeamKind("council-comms", "Communications and Engagement", "council", "Chief Executive's Office",
                 (("comms", 0.85), ("community-development", 0.15)),
                 (("media-relations", 3),), "normal", False, (8, 16), 0.5),
        TeamKind("communities", "Communities and Neighbourhoods", "council", "Communities",
                 (("community-development", 0.8), ("comms", 0.08), ("business-support", 0.12)),
                 (("community-engagement", 3),), "normal", True, (8, 20), 1.0),
        TeamKind("contact-centre", "Customer Contact Centre", "council", "Resources",
                 (("business-support", 0.75), ("contact-and-control", 0.25)),
                 (("call-handling", 2),), "normal", False, (15, 45), 0.8),
        TeamKind("libraries", "Libraries and Culture", "council", "Communities",
                 (("community-development", 0.45), ("business-support", 0.55)),
                 (("community-engagement", 2),), "paused", True, (8, 20), 0.8),
        TeamKind("resilience", "Emergency Planning and Resilience", "council", "Chief Executive's Office",
                 (("project-management", 0.7), ("community-development", 0.15), ("business-support", 0.15)),
                 (("emergency-planning", 3),), "critical", False, (8, 12), 0.3),
        TeamKind("transformation", "Transformation and Programmes", "council", "Resources",
                 (("project-management", 0.7), ("digital", 0.15), ("data", 0.15)),
                 (("project-management", 3),), "paused", False, (8, 20), 0.5),
        # Riverbrook and Eastfold NHS Foundation Trust
        TeamKind("emergency-dept", "Emergency Department", "nhs", "Urgent and Emergency Care",
                 (("nursing", 0.6), ("healthcare-support", 0.3), ("allied-health", 0.04),
                  ("business-support", 0.06)),
                 (("clinical-assessment", 4), ("infection-prevention", 3)), "critical", False, (30, 60), 1.0),
        TeamKind("acute-ward", "Acute Medical Ward", "nhs", "Medicine",
                 (("nursing", 0.55), ("healthcare-support", 0.4), ("business-support", 0.05)),
                 (("medication-administration", 3),), "critical", False, (25, 50), 3.0),
        TeamKind("community-nursing", "Community Nursing", "nhs", "Community Services",
                 (("nursing", 0.7), ("healthcare-support", 0.25), ("business-support", 0.05)),
                 (("wound-care", 3),), "normal", True, (15, 35), 2.0),
        TeamKind("mental-health-crisis", "Mental Health Crisis Team", "nhs", "Mental Health",
                 (("nursing", 0.6), ("social-work", 0.2), ("allied-health", 0.1),
                  ("healthcare-support", 0.1)),
                 (("mental-health-nursing", 3), ("approved-mental-health-practice", 3)),
                 "critical", False, (12, 30), 0.8),
        TeamKind("therapies", "Therapies (Physiotherapy and OT)", "nhs", "Community Services",
                 (("allied-health", 0.85), ("healthcare-support", 0.15)),
                 (("rehabilitation", 4),), "paused", False, (12, 35), 1.0),
        TeamKind("patient-flow", "Discharge and Patient Flow", "nhs", "Medicine",
                 (("nursing", 0.4), ("social-work", 0.2), ("allied-health", 0.2), ("business-support", 0.2)),
                 (("discharge-planning", 3),), "critical", False, (10, 22), 0.7),
        TeamKind("vaccination", "Vaccination Service", "nhs", "Community Services",
                 (("nursing", 0.45), ("healthcare-support", 0.5), ("business-support", 0.05)),
                 (("vaccination", 3),), "critical", False, (10, 30), 0.6),
        TeamKind("outpatients", "Outpatients Administration", "nhs", "Planned Care",
                 (("business-support", 0.9), ("healthcare-support", 0.1)),
                 (("business-administration", 3),), "paused", False, (12, 35), 1.0),
        TeamKind("day-surgery", "Elective Day Surgery Unit", "nhs", "Planned Care",
                 (("nursing", 0.6), ("healthcare-support", 0.35), ("business-support", 0.05)),
                 (("clinical-assessment", 3),), "paused", False, (15, 35), 1.0),
        TeamKind("nhs-finance", "Finance and Procurement", "nhs", "Corporate Services",
                 (("finance", 0.9), ("business-support", 0.1)),
                 (("financial-planning", 3),), "normal", False, (12, 35), 0.8),
        TeamKind("nhs-workforce", "Workforce and HR", "nhs", "Corporate Services",
                 (("hr", 0.9), ("business-support", 0.1)),
                 (("recruitment", 3),), "normal", False, (10, 30), 0.8),
        TeamKind("nhs-bi", "Business Intelligence", "nhs", "Corporate Services",
                 (("data", 0.9), ("digital", 0.1)),
                 (("data-analysis", 3),), "normal", False, (8, 20), 0.6),
        TeamKind("nhs-digital", "Digital and IT", "nhs", "Corporate Services",
                 (("digital", 0.9), ("business-support", 0.1)),
                 (("cyber-security", 3),), "normal", False, (10, 30), 0.7),
        # Eastfold Constabulary
        TeamKind("neighbourhood-policing", "Neighbourhood Policing", "police", "Local Policing",
                 (("policing", 0.92), ("business-support", 0.08)),
                 (("community-policing", 3),), "normal", True, (12, 30), 2.5),
        TeamKind("response-policing", "Response Policing", "police", "Local Policing",
                 (("policing", 0.97), ("business-support", 0.03)),
                 (("public-order", 3),), "critical", True, (20, 50), 2.0),
        TeamKind("cid", "Criminal Investigation Department", "police", "Crime",
                 (("investigation", 0.85), ("data", 0.05), ("business-support", 0.1)),
                 (("investigation", 4),), "normal", False, (15, 40), 1.2),
        TeamKind("public-protection", "Public Protection Unit", "police", "Crime",
                 (("investigation", 0.75), ("policing", 0.2), ("business-support", 0.05)),
                 (("safeguarding-children", 3),), "critical", False, (10, 28), 0.8),
        TeamKind("control-room", "Force Control Room", "police", "Contact Management",
                 (("contact-and-control", 0.9), ("policing", 0.1)),
                 (("call-handling", 3),), "critical", False, (25, 60), 1.0),
        TeamKind("intelligence", "Intelligence Bureau", "police", "Crime",
                 (("data", 0.35), ("investigation", 0.55), ("business-support", 0.1)),
                 (("intelligence-analysis", 3),), "normal", False, (8, 20), 0.6),
        TeamKind("custody", "Custody Suite", "police", "Criminal Justice",
                 (("policing", 0.8), ("nursing", 0.1), ("business-support", 0.1)),
                 (("custody-procedures", 3),), "critical", False, (12, 30), 0.7),
        TeamKind("digital-forensics", "Digital Forensics Unit", "police", "Crime",
                 (("investigation", 0.55), ("digital", 0.4), ("business-support", 0.05)),
                 (("digital-forensics", 3),), "normal", False, (8, 14), 0.3),
        TeamKind("police-corporate", "People, Finance and Communications", "police", "Corporate Services",
                 (("hr", 0.35), ("finance", 0.35), ("comms", 0.2), ("business-support", 0.1)),
                 (("employee-relations", 3),), "paused", False, (10, 30), 0.7),
        # Riverbrook Community Action
        TeamKind("advice", "Advice Service", "charity", "Advice and Support",
                 (("advice-work", 0.75), ("community-development", 0.15), ("business-support", 0.1)),
                 (("welfare-rights-advice", 3),), "paused", False, (8, 22), 0.8),
        TeamKind("volunteering", "Volunteering and Befriending", "charity", "Communities",
                 (("community-development", 0.8), ("business-support", 0.2)),
                 (("volunteer-coordination", 3),), "normal", False, (8, 16), 0.6),
        TeamKind("food-network", "Food Network and Community Hubs", "charity", "Communities",
                 (("community-development", 0.7), ("advice-work", 0.15), ("business-support", 0.15)),
                 (("community-engagement", 3),), "critical", False, (8, 20), 0.5),
        TeamKind("youth", "Youth Outreach", "charity", "Children and Young People",
                 (("community-development", 0.75), ("social-care", 0.15), ("social-work", 0.1)),
                 (("safeguarding-children", 2),), "normal", False, (8, 16), 0.5),
        TeamKind("charity-fundraising", "Fundraising and Partnerships", "charity", "Central Services",
                 (("community-development", 0.4), ("comms", 0.4), ("finance", 0.2)),
                 (("fundraising", 3),), "paused", False, (8, 14), 0.3),
    )
}

# The teams of the bundled sample, in order: every organisation and service appears once before
# the generator starts repeating kinds for larger places.
CORE_TEAM_SEQUENCE: tuple[str, ...] = (
    "childrens-sc", "adults-sc", "emergency-dept", "acute-ward", "neighbourhood-policing",
    "advice", "dev-management", "community-nursing", "response-policing", "public-health",
    "mental-health-crisis", "housing-options", "cid", "council-finance", "volunteering",
    "reablement", "therapies", "day-surgery", "control-room", "council-data", "outpatients", "planning-policy",
    "food-network", "nhs-workforce", "public-protection", "council-digital", "patient-flow",
    "council-hr", "digital-forensics", "vaccination", "communities", "custody", "council-comms",
    "resilience", "youth", "nhs-bi", "libraries", "tenancy", "intelligence",
    "transformation", "nhs-finance", "contact-centre", "nhs-digital", "police-corporate",
    "charity-fundraising", "childrens-sc", "adults-sc", "acute-ward",
)

LOCALITIES: tuple[str, ...] = (
    "Northgate", "Millbrook", "Eastfold", "Riverside", "Hollins Cross", "Ashcombe", "Kingsmere",
    "Fernley", "Stanwell Park", "Brookhouse", "Oakhurst", "Westbury Vale", "Sedgefield Green",
    "Carrow End", "Thornbury", "Lindholme", "Greyfriars", "Marsh Lane", "Highcliffe", "Dunmore",
)

# ---------------------------------------------------------------------------------------------
# Opportunities
# ---------------------------------------------------------------------------------------------

# (kind, share of opportunities)
OPPORTUNITY_KINDS: tuple[tuple[str, float], ...] = (
    ("secondment", 0.22), ("project", 0.22), ("development_move", 0.14),
    ("shadowing", 0.08), ("role", 0.34),
)

PROJECT_NAMES: tuple[str, ...] = (
    "Cost-of-living support hub", "Hospital discharge pathway redesign",
    "Serious violence reduction partnership", "Digital front door", "Winter resilience programme",
    "Estate regeneration consultation", "Community wealth building", "Youth violence prevention",
    "Population health data platform", "Family hubs roll-out", "Net zero council buildings",
    "Domestic abuse one-stop shop", "Falls prevention in the community", "Local plan review",
    "Supported housing review", "Anti-social behaviour data sharing", "Vaccine uptake outreach",
    "Carers' strategy co-production", "Shared HR service design", "Warm spaces network",
    "Mental health first responders pilot", "Neighbourhood health and care teams",
    "Workforce wellbeing programme", "Apprenticeship levy pooling", "Flood resilience plan",
)

# ---------------------------------------------------------------------------------------------
# Names: common UK first names and surnames by heritage, mixed at random
# ---------------------------------------------------------------------------------------------

NAME_GROUPS: tuple[tuple[float, tuple[str, ...], tuple[str, ...]], ...] = (
    (0.52,
     ("Oliver", "Emily", "Jack", "Sophie", "Thomas", "Charlotte", "James", "Hannah", "Daniel",
      "Lucy", "Matthew", "Rebecca", "Ryan", "Laura", "Callum", "Megan", "Rhys", "Cerys", "Aidan",
      "Siobhan", "Fraser", "Eilidh", "Gareth", "Sian", "Liam", "Niamh", "Paul", "Karen", "Gary",
      "Julie", "David", "Claire", "Mark", "Joanne", "Stephen", "Helen", "Owen", "Gemma", "Connor",
      "Bethany"),
     ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
      "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
      "Jackson", "Clarke", "Campbell", "MacLeod", "Murray", "Griffiths", "Hughes", "Llewellyn",
      "O'Brien", "Murphy", "Kelly", "Doyle", "Harrison", "Marshall", "Bennett", "Cooper",
      "Fletcher", "Shaw", "Lloyd", "Morgan", "Pearson", "Atkinson")),
    (0.17,
     ("Aisha", "Mohammed", "Priya", "Arjun", "Fatima", "Imran", "Ananya", "Rahul", "Zainab",
      "Hamza", "Sunita", "Vikram", "Nadia", "Bilal", "Kiran", "Amir", "Shabana", "Ravi",
      "Farhana", "Sanjay", "Ayesha", "Tariq", "Harpreet", "Gurpreet", "Rukhsana", "Nikhil"),
     ("Khan", "Patel", "Ahmed", "Hussain", "Begum", "Ali", "Singh", "Kaur", "Shah", "Sharma",
      "Rahman", "Islam", "Chaudhry", "Iqbal", "Mistry", "Choudhury", "Malik", "Akhtar", "Gill",
      "Sandhu", "Desai", "Kumar", "Mahmood", "Bibi")),
    (0.11,
     ("Chidi", "Grace", "Kwame", "Abena", "Tunde", "Folake", "Marcus", "Shanice", "Emeka",
      "Adaeze", "Kofi", "Ama", "Jerome", "Tanisha", "Yusuf", "Hodan", "Nia", "Tobi", "Ifeoma",
      "Andre"),
     ("Okafor", "Mensah", "Adeyemi", "Boateng", "Campbell", "Williams", "Okonkwo", "Asante",
      "Osei", "Adebayo", "Nwosu", "Grant", "Mohamed", "Farah", "Clarke", "Bailey", "Owusu",
      "Eze", "Richards", "Francis")),
    (0.06,
     ("Wei", "Mei", "Jun", "Li", "Maria", "Jose", "Angelica", "Mark", "Linh", "Minh", "Hui",
      "Joy", "Kevin", "Cherry"),
     ("Chen", "Wong", "Li", "Zhang", "Liu", "Santos", "Reyes", "Cruz", "Garcia", "Nguyen",
      "Tran", "Lim", "Tan", "Bautista")),
    (0.07,
     ("Katarzyna", "Piotr", "Agnieszka", "Tomasz", "Ewa", "Marek", "Ioana", "Andrei", "Elena",
      "Mihai", "Ruta", "Tomas", "Magdalena", "Pawel"),
     ("Kowalski", "Nowak", "Wisniewska", "Zielinski", "Popescu", "Ionescu", "Dumitru",
      "Kazlauskas", "Petrauskas", "Lewandowski", "Wojcik", "Kaminska", "Stan", "Lazar")),
    (0.04,
     ("Emre", "Elif", "Omar", "Layla", "Dilan", "Zeynep", "Hassan", "Mariam", "Karim",
      "Yasmin"),
     ("Yilmaz", "Demir", "Kaya", "Haddad", "Aziz", "Rashid", "Hassan", "Celik", "Saleh",
      "Mansour")),
    (0.03,
     ("Giulia", "Marco", "Ana", "Joao", "Lucia", "Carlos", "Eleni", "Nikos", "Sofia", "Pedro"),
     ("Rossi", "Ferreira", "Silva", "Rodrigues", "Fernandez", "Papadopoulos", "Costa", "Bianchi",
      "Martins", "Romano")),
)

# Part-time opportunities that use what social workers and planners already know, so people who
# must keep practising can take them beside their practice: (title, required, developed).
PRACTICE_FRIENDLY: tuple[tuple[str, dict[str, int], dict[str, int]], ...] = (
    ("Safeguarding Adviser", {"safeguarding-adults": 3}, {"stakeholder-management": 3}),
    ("Safeguarding Children Lead", {"safeguarding-children": 3}, {"organisational-development": 3}),
    ("Mental Capacity Act Practice Lead", {"mental-capacity-act": 3}, {"coaching": 3}),
    ("Family Hub Practice Adviser", {"family-support": 3}, {"co-production": 3}),
    ("Case Review Project Officer", {"case-management": 3}, {"data-analysis": 2}),
    ("Hospital Discharge Social Work Adviser", {"care-assessment": 3}, {"discharge-planning": 2}),
    ("Estates and Site Planning Adviser", {"development-management": 3}, {"project-management": 3}),
    ("Neighbourhood Plan Engagement Lead", {"planning-policy": 3}, {"community-engagement": 3}),
    ("Spatial Data Analyst", {"gis-mapping": 3}, {"data-visualisation": 3}),
    ("Designing Out Crime Adviser", {"urban-design": 3}, {"co-production": 3}),
)
