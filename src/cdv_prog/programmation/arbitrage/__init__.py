"""``cdv arbitrage``: a proposed programmation that fits every enveloppe and keeps every retained action eligible.

* :mod:`.modele` — the problem, pure and solver-neutral: the candidates (dossiers of
  exercice N eligible on their requested amounts), their lines, the enveloppes,
  the constraints the rule kinds generate (:mod:`cdv_prog.core.lineaire`) and the
  policy of ``--priorites``;
* :mod:`.solveur` — the mixed-integer program, solved with HiGHS (``highspy``, the
  only module of cdv that imports it), level by level (lexicographic objective),
  rounded back to exact :class:`~decimal.Decimal` amounts and re-checked with the engine;
* :mod:`.explication` — why each dossier is retained, cut or left out; which
  enveloppes bind, and what 1 000 € more would change.

Documented for users in ``docs/arbitrage.md``.
"""
