"""Properties of « ce qu'il faudrait » over generated dossiers (hypothesis, issue 13).

* the combined remedy of any inéligible dossier, applied, yields an éligible
  dossier — or there is none and the reason is given;
* each remedy shown under a failed rule makes that rule hold once applied;
* a remedy never changes a field to the value it already has.

The default run keeps a few dozen examples; ``HYPOTHESIS_PROFILE=fuzz`` runs
10 000 generated dossiers::

    HYPOTHESIS_PROFILE=fuzz .venv/bin/python -m pytest tests/test_remedes_properties.py -p no:xdist
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.engine import evaluer, verdict
from cdv_prog.core.remedier import appliquer, pour_etre_eligible, remedes
from test_properties import RULES, dossiers

EXEMPLES = 10_000 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 60
PROFIL = settings(
    max_examples=EXEMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


@PROFIL
@given(dossiers())
def test_the_combined_remedy_makes_the_dossier_eligible(data) -> None:
    dossier = Dossier.valider(data, RULES)
    if verdict(evaluer(dossier, RULES)) != "ineligible":
        return
    remede, pourquoi = pour_etre_eligible(dossier, RULES)
    if remede is None:
        assert pourquoi  # no combination: said, and why
        return
    assert pourquoi is None and remede.phrase and remede.changements
    assert all(c.avant != c.apres for c in remede.changements)
    fixed = appliquer(dossier, remede.changements, RULES)
    assert fixed is not None
    assert verdict(evaluer(fixed, RULES)) == "eligible"


@PROFIL
@given(dossiers())
def test_each_single_remedy_makes_its_rule_hold(data) -> None:
    dossier = Dossier.valider(data, RULES)
    for c in remedes(dossier, evaluer(dossier, RULES), RULES):
        if c.remede is None:
            continue
        assert c.statut == "echec"
        fixed = appliquer(dossier, c.remede.changements, RULES)
        assert fixed is not None
        after = {k.regle: k.statut for k in evaluer(fixed, RULES)}
        assert after[c.regle] != "echec", (c.regle, c.remede)
