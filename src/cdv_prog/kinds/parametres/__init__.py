"""The pydantic models of the rule kinds' parameters, one module per kind (the kind's own module name).

A kind module (:mod:`cdv_prog.kinds`) gets its ``Parametres`` from here only when it is asked for
(validating rules, the JSON schema, ``cdv regles doc``): checking dossiers, the engine reads
each rule's parameters as :class:`~cdv_prog.core.valeurs.Valeurs` and never needs the models —
step 2 toward a ``cdv check`` that does not import pydantic (docs/performances.md).
"""
