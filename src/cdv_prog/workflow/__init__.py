"""The lettre de cadrage workflow: check, test, compare and document a rule set.

* :mod:`.rules_lint` — checks beyond loading (``cdv regles verifier``);
* :mod:`.rules_test` — YAML test cases beside the rules (``cdv regles tester``), JUnit XML;
* :mod:`.rules_diff` — what changes between two rule sets, and on which dossiers (``cdv regles diff``);
* :mod:`.rules_doc` — the French reference of a rule set, Markdown or HTML (``cdv regles doc``);
* :mod:`.schema` — JSON Schemas of the dossier and rules formats (``cdv schema``).

Everything here is computation over loaded rule sets and dossiers; the command
line (``cli_regles``) does the I/O.
"""
