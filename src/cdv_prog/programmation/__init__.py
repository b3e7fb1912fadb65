"""The programmation of an exercice: what each financeur is asked and grants, against its enveloppe.

Pure computation over dossier reports and a rule set, no I/O:

* :mod:`.totals` — per-financeur totals (demandé, retenu, solde, taux) against
  the enveloppes, accumulated one report at a time (also used by ``cdv check``);
* :mod:`.breakdowns` — retained totals by quartier, défi, objectif, porteur…;
* :mod:`.commitments` — what the CPO of the exercice already commit for the
  following years;
* :mod:`.kinds` and :mod:`.evaluation` — the programmation-level rules
  (section ``programmation:`` of the rules files);
* :mod:`.calcul` — everything above for one exercice, as a
  :class:`~.calcul.Programmation` the renderers draw.

This package's ``__init__`` stays import-free: :mod:`cdv_prog.regles` imports
:mod:`.kinds` while it loads.
"""
