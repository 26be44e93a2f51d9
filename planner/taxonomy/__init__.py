"""Public skills taxonomies as Trellis skills: O*NET (skills and occupation profiles with
levels) and ESCO (a skills catalogue with alternative labels). See docs/taxonomies.md."""

from .esco import EscoImport, read_esco_skills
from .onet import OnetImport, read_onet_skills
from .profiles import OccupationProfile, UnknownOccupation, profile_requirements, read_occupation_profiles
from .source import TaxonomyError

__all__ = [
    "EscoImport",
    "OccupationProfile",
    "OnetImport",
    "TaxonomyError",
    "UnknownOccupation",
    "profile_requirements",
    "read_esco_skills",
    "read_occupation_profiles",
    "read_onet_skills",
]
