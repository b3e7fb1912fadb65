"""``cdv arbitrage``: a proposed programmation that fits every enveloppe and keeps every retained action eligible.

Reads the dossiers of the given paths (exercice N: the candidates; earlier
exercices, and ``--historique``: the history), builds the problem
(:mod:`cdv_prog.programmation.arbitrage`), solves it with HiGHS, explains it,
renders it in the chosen format, and with ``--ecrire DIR`` writes the retained
dossiers there with ``accorde`` on every line (``--essai``: the diff on standard
error, nothing written). Exit code: 0 a proposal; 1 nothing fits (the
conflicts are in the report); 2 usage error (bad option, ``--priorites`` file,
a bloquant rule the solver cannot express).
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cdv_prog.cli.common import (
    announce_rules,
    check_report_target,
    err_console,
    fail_usage,
    find_files,
    load_ruleset,
    nothing_to_check,
    output_help,
    report_format,
    write_payload,
    write_report,
)
from cdv_prog.cli.historique import lire_historique
from cdv_prog.cli.options import HistoriqueOpt, JobsOpt, PathsArg, RulesOpt, format_option, output_option
from cdv_prog.render.registry import ARBITRAGE, TEXT_FORMATS

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from cdv_prog.core.report import DossierReport
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.programmation.arbitrage.explication import Arbitrage
    from cdv_prog.programmation.arbitrage.modele import Priorites, Probleme
    from cdv_prog.programmation.arbitrage.solveur import Proposition

EXERCICE_HELP = (
    "Exercice (année) à arbitrer. Défaut : le plus récent des dossiers lus ; les précédents servent d'historique."
)
FORMAT_HELP = "Format : text, json, csv (une ligne par ligne de financement), xlsx (classeur) ou html. Défaut : text, ou celui de l'extension de --output."
PRIORITES_HELP = (
    "Fichier YAML de priorités : part minimale gardée par ligne, poids (qpv, veille, hors-qpv, cpo, innovante, "
    "renouvellement), dossiers à garder ou à écarter (docs/arbitrage.md)."
)
ENVELOPPE_HELP = (
    "Remplace une enveloppe pour ce scénario, répétable : agglo=170000, agglo/aap-annuel=150000 "
    "(sous-enveloppe). Le rapport dit lesquelles ont été modifiées."
)
ECRIRE_HELP = (
    "Écrit les dossiers retenus dans ce répertoire, identiques à l'entrée sauf « accorde » sur chaque ligne "
    "(jamais par-dessus un fichier lu)."
)
ESSAI_HELP = "Avec --ecrire : montre sur la sortie d'erreur ce qui serait écrit (diff), sans rien écrire."
OUTPUT_HELP = output_help(ARBITRAGE)


def arbitrage(
    paths: PathsArg = None,
    rules: RulesOpt = None,
    exercice: Annotated[
        int | None, typer.Option("--exercice", "-e", metavar="ANNÉE", help=EXERCICE_HELP, show_default=False)
    ] = None,
    priorites: Annotated[
        Path | None, typer.Option("--priorites", metavar="FICHIER", help=PRIORITES_HELP, show_default=False)
    ] = None,
    enveloppe: Annotated[
        list[str] | None, typer.Option("--enveloppe", metavar="CODE=MONTANT", help=ENVELOPPE_HELP, show_default=False)
    ] = None,
    historique: HistoriqueOpt = None,
    format: Annotated[str | None, format_option(ARBITRAGE, FORMAT_HELP)] = None,
    output: Annotated[Path | None, output_option(OUTPUT_HELP)] = None,
    ecrire: Annotated[
        Path | None, typer.Option("--ecrire", metavar="RÉPERTOIRE", help=ECRIRE_HELP, show_default=False)
    ] = None,
    essai: Annotated[bool, typer.Option("--essai", help=ESSAI_HELP)] = False,
    jobs: JobsOpt = None,
) -> None:
    """Propose une programmation qui tient dans chaque enveloppe et garde chaque action retenue éligible."""
    from cdv_prog.files.parallel import check_reports
    from cdv_prog.programmation.arbitrage.explication import expliquer
    from cdv_prog.programmation.arbitrage.modele import ArbitrageImpossible, Priorites, construire
    from cdv_prog.programmation.arbitrage.solveur import resoudre
    from cdv_prog.render.registry import load

    format = report_format(ARBITRAGE, format, output)
    if essai and ecrire is None:
        raise fail_usage("--essai ne sert qu'avec --ecrire RÉPERTOIRE")
    regles = load_ruleset(rules)
    announce_rules(rules, regles)
    modifications = _modifications(enveloppe or [], regles)
    politique, lignes_ids = _priorites(priorites) if priorites is not None else (Priorites(), {})
    roots = paths or [Path("data/dossiers")]
    files = find_files(roots)
    first, last = regles.contrat.periode
    if exercice is not None and not first <= exercice <= last:
        raise fail_usage(f"exercice {exercice} hors de la période du contrat ({first}-{last})")
    if not files:
        raise nothing_to_check(roots, exercice, 0)
    if exercice is None:
        exercice = _exercice_le_plus_recent(files, regles, jobs)
    # the history read as cdv check reads it: the candidates are judged with their exercice's view of it
    lecture, seuls = lire_historique(files, historique, regles, exercice, jobs)
    inputs = files + [
        *seuls,
        *regles.fichiers,
        *([priorites] if priorites is not None else []),
    ]
    dirs = [*roots, *(historique or []), *sorted({p.parent for p in regles.fichiers})]
    if output is not None:
        check_report_target(output, inputs, dirs)
    elif format == "xlsx" and sys.stdout.isatty():
        raise fail_usage("un classeur xlsx ne s'affiche pas dans un terminal : ajouter --output FICHIER.xlsx")
    if ecrire is not None:
        _check_ecrire(ecrire, roots + list(historique or []))

    index = lecture.historique if lecture.historique.dossiers else None
    a_lire = lecture.rapportables(files, exercice)  # known of another exercice: not re-read
    du_jour = list(check_reports(a_lire, regles, exercice, jobs=jobs, historique=index))
    if not du_jour:
        raise nothing_to_check(roots, exercice, len(files))
    histo = index.vue(exercice) if index is not None else None
    _ids_connus(politique, lignes_ids, du_jour, priorites)
    try:
        probleme = construire(
            du_jour, regles, exercice, historique=histo, priorites=politique, modifications=modifications
        )
    except ArbitrageImpossible as exc:
        raise fail_usage(str(exc)) from None
    proposition = resoudre(probleme)
    resultat = expliquer(probleme, proposition)
    payload = load(ARBITRAGE, format)(resultat, regles, None)
    if output is not None:
        write_report(output, payload, inputs, dirs, announce="Rapport écrit")
    else:
        write_payload(payload, for_people=format in TEXT_FORMATS)
    sys.stdout.flush()
    if ecrire is not None and proposition.faisable:
        _ecrire(ecrire, probleme, proposition, resultat, inputs, essai)
    raise typer.Exit(resultat.exit_code)


def _exercice_le_plus_recent(files: Sequence[Path], regles: JeuDeRegles, jobs: int | None) -> int:
    """The exercice arbitrated without ``--exercice``: the most recent of the dossiers (earlier ones are history).

    A quick look at each file's ``exercice:`` line; the files it cannot tell are read.
    """
    from cdv_prog.files.historique import exercice_annonce
    from cdv_prog.files.parallel import check_reports

    annonces = {p: exercice_annonce(p) for p in files}
    annees = {e for e in annonces.values() if e is not None}
    inconnus = [p for p, e in annonces.items() if e is None]
    if inconnus:
        lus = check_reports(inconnus, regles, None, jobs=jobs)
        annees |= {r.exercice for r in lus if r.exercice is not None and r.dossier is not None}
    if not annees:
        raise fail_usage("aucun dossier dont l'exercice soit lisible : préciser l'exercice avec --exercice")
    exercice = max(annees)
    if len(annees) > 1:
        err_console().print(
            f"Exercice arbitré : {exercice} (les dossiers des exercices précédents servent d'historique)",
            highlight=False,
            markup=False,
        )
    return exercice


def _modifications(valeurs: list[str], regles: JeuDeRegles) -> dict[str, Decimal]:
    from cdv_prog.core.money import AmountError, parse_amount
    from cdv_prog.core.texte import short
    from cdv_prog.core.vocab import suggest
    from cdv_prog.programmation.arbitrage.modele import cles_enveloppes

    cles = cles_enveloppes(regles)
    out: dict[str, Decimal] = {}
    for valeur in valeurs:
        cle, egal, montant = valeur.partition("=")
        cle = cle.strip()
        if not egal:
            raise fail_usage(f"--enveloppe « {short(valeur)} » : attendu CODE=MONTANT (ex. agglo=170000)")
        if cle not in cles:
            raise fail_usage(
                f"--enveloppe : enveloppe inconnue « {short(cle)} »{suggest(cle, cles)} ; "
                f"enveloppes possibles : {', '.join(cles)}"
            )
        if cle in out:
            raise fail_usage(f"--enveloppe : « {short(cle)} » donnée deux fois")
        try:
            out[cle] = parse_amount(montant.strip())
        except AmountError as exc:
            raise fail_usage(f"--enveloppe {short(cle)} : {exc}") from None
    return out


def _priorites(path: Path) -> tuple[Priorites, dict[str, int]]:
    from cdv_prog.files.priorites import PrioritesIllisibles, lire_priorites
    from cdv_prog.programmation.arbitrage.modele import Poids, Priorites

    try:
        lu, lignes = lire_priorites(path)
    except PrioritesIllisibles as exc:
        detail = "\n".join(
            f"  {path}:{e.ligne or 1} :{f' [{e.champ}]' if e.champ else ''} {e.message}" for e in exc.errors
        )
        raise fail_usage(f"{path} : fichier de priorités incorrect\n{detail}") from None
    p = lu.poids
    politique = Priorites(
        part_minimum=lu.part_minimum,
        poids=Poids(
            statut={"qpv": p.qpv, "veille": p.veille, "hors-qpv": p.hors_qpv},
            cpo=p.cpo,
            innovante=p.innovante,
            renouvellement=p.renouvellement,
        ),
        garder=tuple(lu.garder),
        ecarter=tuple(lu.ecarter),
        cpo_en_cours_libres=lu.cpo_en_cours == "libres",
        fichier=str(path),
    )
    return politique, lignes


def _ids_connus(politique: Priorites, lignes: dict[str, int], reports: list[DossierReport], path: Path | None) -> None:
    from cdv_prog.core.texte import short
    from cdv_prog.core.vocab import suggest

    ids = sorted({r.id for r in reports if r.id is not None})
    for ident in [*politique.garder, *politique.ecarter]:
        if ident not in ids:
            raise fail_usage(
                f"{path}:{lignes.get(ident, 0)} : dossier inconnu « {short(ident)} »{suggest(ident, ids)} "
                f"(aucun dossier de l'exercice n'a cet identifiant)"
            )


def _check_ecrire(target: Path, roots: list[Path]) -> None:
    import os

    if target.exists() and not target.is_dir():
        raise fail_usage(f"--ecrire {target} : ce n'est pas un répertoire")
    cible = os.path.realpath(target)
    for root in roots:
        r = os.path.realpath(root)
        if cible == r or cible.startswith(r.rstrip(os.sep) + os.sep) or r.startswith(cible.rstrip(os.sep) + os.sep):
            raise fail_usage(
                f"--ecrire {target} : ce répertoire contient des dossiers lus ou est contenu dans l'un d'eux ({root}) ; "
                "choisir un autre répertoire"
            )


def _ecrire(
    target: Path, p: Probleme, prop: Proposition, resultat: Arbitrage, inputs: Iterable[Path], essai: bool
) -> None:
    import difflib

    from cdv_prog.files.ecriture_accorde import EcritureImpossible, avec_accorde
    from cdv_prog.files.loader import read_text
    from cdv_prog.files.output import OutputRefused, write_output

    console = err_console()
    noms: dict[str, str] = {}
    for c in p.candidats:
        montants = prop.retenus.get(c.id)
        if montants is None:
            continue
        source = Path(c.report.fichier)
        nom = source.name
        if nom in noms:
            raise fail_usage(
                f"--ecrire : deux dossiers retenus portent le nom de fichier {nom} ({noms[nom]}, {source})"
            )
        noms[nom] = str(source)
        try:
            avant = read_text(source)
            apres = avec_accorde(avant, montants)
        except (OSError, EcritureImpossible) as exc:
            raise fail_usage(f"{source} : impossible d'y écrire « accorde » ({exc})") from None
        cible = target / nom
        if essai:
            diff = difflib.unified_diff(
                avant.splitlines(keepends=True), apres.splitlines(keepends=True), str(source), str(cible)
            )
            for line in diff:
                console.print(line.rstrip("\n"), highlight=False, markup=False)
            continue
        try:
            write_output(cible, apres, inputs, yaml_ok=True, make_parents=True)
        except OutputRefused as exc:
            raise fail_usage(str(exc)) from None
        except OSError as exc:
            raise fail_usage(f"impossible d'écrire {cible} : {exc.strerror or exc}") from None
    ecartes = [d.id or d.fichier for d in resultat.dossiers if d.statut == "ecarte"]
    verbe = "seraient écrits" if essai else "écrits"
    console.print(
        f"Dossiers retenus {verbe} dans {target} : {len(noms)} ; écartés (non écrits) : {', '.join(ecartes) or 'aucun'}",
        highlight=False,
        markup=False,
    )
