"""The programmation of an exercice: what each financeur is asked and grants, against its enveloppe.

Pure computation over dossier reports (:class:`~cdv_prog.core.report.DossierReport`,
with their :class:`~cdv_prog.core.montants.Montants`) and a rule set; no file is read here:

* :mod:`.totaux` — per-financeur totals (demandé, retenu, solde, taux) against
  the enveloppes, accumulated one report at a time (also used by ``cdv check``);
* :mod:`.repartitions` — retained totals by quartier, défi, objectif, porteur…;
* :mod:`.engagements` — what the CPO of the exercice already commit for the
  following years;
* :mod:`.calcul` — everything above for one exercice, and the programmation
  rules (section ``programmation:`` of the rules files, kinds of portée
  ``programmation`` in :mod:`cdv_prog.kinds`), as a
  :class:`~.calcul.Programmation` the renderers draw.
"""
