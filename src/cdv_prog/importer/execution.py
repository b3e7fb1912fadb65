"""An import run: read the sheet, build each action's dossier, validate it, write it.

:class:`Import` is used by the CLI in two steps: :meth:`Import.preparer` (any
problem there is a usage error: missing file, bad mapping, no header row…)
then :meth:`Import.resultats`, one :class:`ResultatImport` per action in sheet order.
Every dossier is validated once, by the same models as ``cdv check``, before it
is written; written atomically; never replaces an existing file unless asked.
The files go through one :class:`cdv_prog.files.output.OutputBatch`: the target
folder is listed once (a name it lacks is neither read nor checked again), each
file's bytes go to disk under no final name, the file system is flushed once
(``syncfs``), then every file gets its name, then the folder is flushed once —
no ``fsync`` per file, and a crash never leaves a partly written dossier under its
name. From :data:`~cdv_prog.files.output_process.SEUIL` files on, a process of its own
puts them on disk, in rounds, while this one builds the next dossiers
(:func:`~cdv_prog.files.output_process.batch_for`). The results come in sheet order,
each once its file is named. That the
emitted text reads back as the validated dossier is proven by the tests of the
emitter (``tests/importer/test_importer_ecriture.py``,
``test_importer_proprietes.py``), not checked again for every file.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from cdv_prog.core.dossier import Dossier
from cdv_prog.core.ruleset import JeuDeRegles
from cdv_prog.files.output import AlreadyExists, OutputBatch, OutputRefused, Staged
from cdv_prog.importer.construction import ActionImportee, Lecture, Probleme, lire_actions, probleme_de
from cdv_prog.importer.conversion import Conversion
from cdv_prog.importer.correspondance import CorrespondanceInvalide, charger
from cdv_prog.importer.ecriture import schema_ref, yaml_dossier
from cdv_prog.importer.entetes import EnteteIntrouvable, Plan, plan, trouve_entete
from cdv_prog.importer.tableur import Feuille, TableurIllisible, ouvrir
from cdv_prog.importer.texte import neutralise, plages


class ImportImpossible(Exception):
    """A usage error: the import cannot start. ``lignes`` are French messages."""

    def __init__(self, lignes: list[str]):
        lignes = [neutralise(line) for line in lignes]  # a file name or a cell may hold control characters
        super().__init__("\n".join(lignes))
        self.lignes = lignes


@dataclass
class Options:
    fichier: Path
    exercice: int
    vers: Path
    correspondance: Path | None = None
    feuille: str | None = None
    disposition: str | None = None
    remplacer: bool = False
    essai: bool = False


# statut: ecrit | remplace | inchange | ignore ; with --essai: a-ecrire | a-remplacer | inchange | ignore
@dataclass
class ResultatImport:
    id: str | None
    statut: str
    fichier: Path | None = None
    problemes: list[Probleme] = field(default_factory=list)
    texte: str | None = None

    @property
    def ignore(self) -> bool:
        return self.statut == "ignore"


class Import:
    def __init__(self, options: Options, regles: JeuDeRegles):
        self.options = options
        self.regles = regles
        self.feuille: Feuille | None = None
        self.plan: Plan | None = None
        self.lecture: Lecture | None = None
        self.schema = ""
        self.notes: list[str] = []

    def preparer(self) -> None:
        opts = self.options
        first, last = self.regles.contrat.periode
        if not first <= opts.exercice <= last:
            raise ImportImpossible([f"exercice {opts.exercice} hors de la période du contrat ({first}-{last})"])
        if opts.vers.exists() and not opts.vers.is_dir():
            raise ImportImpossible([f"{opts.vers} existe et n'est pas un répertoire"])
        try:
            chargee = charger(opts.correspondance)
            conv = Conversion(chargee, self.regles)
        except CorrespondanceInvalide as exc:
            raise ImportImpossible(["Correspondance invalide :"] + ["  " + p for p in exc.problemes]) from None
        corr = chargee.correspondance
        disposition = opts.disposition or corr.disposition
        try:
            feuille = ouvrir(
                opts.fichier,
                opts.feuille or corr.feuille,
                lambda rows: trouve_entete(rows, corr, conv, disposition) is not None,
            )
            self.plan = plan(feuille, corr, conv, opts.disposition)
        except (TableurIllisible, EnteteIntrouvable) as exc:
            raise ImportImpossible([str(exc)]) from None
        self.feuille = feuille
        self.notes = list(feuille.notes)
        self.lecture = lire_actions(feuille, self.plan, conv, corr, opts.exercice)
        self.schema = schema_ref(opts.vers)

    def resultats(self) -> Iterator[ResultatImport]:
        assert self.lecture is not None and self.feuille is not None
        a_ecrire = (
            0 if self.options.essai else sum(1 for a in self.lecture.actions if a.id is not None and not a.problemes)
        )
        if a_ecrire:
            try:
                self.options.vers.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ImportImpossible(
                    [f"impossible de créer le répertoire {self.options.vers} : {exc.strerror or exc}"]
                ) from None
            from cdv_prog.files.output_process import batch_for  # its process machinery: only to write

            batch = batch_for(a_ecrire, self._entrees())
        else:
            batch = OutputBatch(self._entrees())
        with batch:  # inputs resolved, folder listed once for the batch
            names: dict[str, str] = {}
            pending: deque[tuple[ResultatImport, ActionImportee, Staged | None]] = deque()
            for action in self.lecture.actions:
                pending.append(self._one(action, names, batch))
                while pending and (pending[0][2] is None or pending[0][2].done):  # in sheet order
                    yield self._publie(*pending.popleft())
            try:
                batch.publish()
            except OSError as exc:
                while pending and (pending[0][2] is None or pending[0][2].done):  # named before the failure
                    yield self._publie(*pending.popleft())
                raise ImportImpossible(
                    [f"les dossiers à écrire dans {self.options.vers} n'ont pas pu être mis sur le disque : {exc}"]
                ) from None
            while pending:
                yield self._publie(*pending.popleft())
            try:
                batch.close()
            except OSError as exc:
                raise ImportImpossible(
                    [f"les dossiers écrits dans {self.options.vers} n'ont pas pu être mis sur le disque : {exc}"]
                ) from None

    # ----------------------------------------------------------------- one action

    def _one(
        self, action: ActionImportee, names: dict[str, str], batch: OutputBatch
    ) -> tuple[ResultatImport, ActionImportee, Staged | None]:
        """The action's result; for a file to write, staged in ``batch`` (its name given when published)."""
        assert self.feuille is not None and self.plan is not None
        if action.problemes or action.id is None:
            return ResultatImport(action.id, "ignore", problemes=action.problemes), action, None
        try:
            Dossier.valider(action.donnees, self.regles)
        except ValidationError as exc:
            from cdv_prog.files.messages import translate

            problems = [probleme_de(self.feuille, self.plan, action, e.champ, e.message) for e in translate(exc, None)]
            return ResultatImport(action.id, "ignore", problemes=problems), action, None
        if action.id.startswith("."):
            return (
                self._ignore(
                    action,
                    None,
                    "id",
                    f"identifiant « {action.id} » : il ne peut pas commencer par un point (le fichier serait caché)",
                    "valeur-invalide",
                ),
                action,
                None,
            )
        target = self.options.vers / f"{action.id}.yaml"
        key = os.path.normcase(action.id).lower()
        if key in names:
            return (
                self._ignore(
                    action,
                    target,
                    "id",
                    f"même nom de fichier que le dossier « {names[key]} » (majuscules/minuscules)",
                    "doublon",
                ),
                action,
                None,
            )
        names[key] = action.id
        text = yaml_dossier(action.donnees, self.schema, self._provenance(action))
        existing = self._existing(target) if batch.may_exist(target) else None
        if existing == text:
            return ResultatImport(action.id, "inchange", target, texte=text), action, None
        if existing is not None and not self.options.remplacer:
            return self._deja(action, target), action, None
        if self.options.essai:
            statut = "a-remplacer" if existing is not None else "a-ecrire"
            return ResultatImport(action.id, statut, target, texte=text), action, None
        statut = "remplace" if existing is not None else "ecrit"
        try:
            staged = batch.add(target, text.encode("utf-8"), replace=self.options.remplacer)
        except AlreadyExists:
            return self._deja(action, target), action, None
        except OutputRefused as exc:
            return self._ignore(action, target, "", str(exc), "ecriture"), action, None
        except OSError as exc:
            return self._ecriture_impossible(action, target, exc), action, None
        return ResultatImport(action.id, statut, target, texte=text), action, staged

    def _publie(self, res: ResultatImport, action: ActionImportee, staged: Staged | None) -> ResultatImport:
        """The result once its file is published: written, or why not (it existed meanwhile, an error)."""
        if staged is None or staged.error is None:
            return res
        assert res.fichier is not None
        if isinstance(staged.error, AlreadyExists):
            return self._deja(action, res.fichier)
        if isinstance(staged.error, OutputRefused):
            return self._ignore(action, res.fichier, "", str(staged.error), "ecriture")
        assert isinstance(staged.error, OSError)
        return self._ecriture_impossible(action, res.fichier, staged.error)

    def _ecriture_impossible(self, action: ActionImportee, target: Path, exc: OSError) -> ResultatImport:
        return self._ignore(action, target, "", f"écriture impossible de {target} : {exc.strerror or exc}", "ecriture")

    def _entrees(self) -> list[Path]:
        """The files this import reads: never written over."""
        found = [self.options.fichier, *self.regles.fichiers]
        if self.options.correspondance is not None:
            found.append(self.options.correspondance)
        return found

    def _ignore(
        self, action: ActionImportee, target: Path | None, champ: str, message: str, nature: str
    ) -> ResultatImport:
        """The action is left out, for one problem (field, French message, nature)."""
        assert self.feuille is not None and self.plan is not None
        return ResultatImport(
            action.id, "ignore", target, [probleme_de(self.feuille, self.plan, action, champ, message, nature)]
        )

    def _deja(self, action: ActionImportee, target: Path) -> ResultatImport:
        assert self.feuille is not None and self.plan is not None
        return self._ignore(
            action,
            target,
            "id",
            f"le fichier {target} existe déjà et diffère : non remplacé (option --remplacer pour le remplacer)",
            "fichier-existant",
        )

    @staticmethod
    def _existing(target: Path) -> str | None:
        try:
            return target.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError):
            return "" if target.exists() else None

    def _provenance(self, action: ActionImportee) -> str:
        assert self.feuille is not None
        rows = [self.feuille.numero(i) for i in action.lignes]
        where = f"« {Path(self.feuille.fichier).name} »"
        if self.feuille.nom is not None:
            where += f", feuille « {self.feuille.nom} »"
        label = "ligne" if len(rows) == 1 else "lignes"
        return f"Importé par cdv importer depuis {where}, {label} {plages(rows, limit=len(rows))}."
