"""What every command shares: the error console, usage errors and exit codes, the rules, the files.

Neither typer nor click: the options are declared by :mod:`cdv_prog.cli.options`, and ``cdv
check``'s fast path (:mod:`cdv_prog.cli.fast`) runs these without them. Only the standard library
and :mod:`cdv_prog.core.texte` are imported at module level: each command imports what it needs
when it runs.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cdv_prog.core.texte import ascii_fallback, short, visible

if TYPE_CHECKING:
    from rich.console import Console

    from cdv_prog.core.report import WalkError
    from cdv_prog.core.ruleset import JeuDeRegles
    from cdv_prog.files.dossiers import Chemins


class CommandExit(Exception):
    """The end of a command with its exit code (2: a usage error, already shown on standard error).

    Raised where the command decides it; :func:`cdv_prog.cli.process.protected` turns it into
    the process's exit code, with or without typer (click does not know it: it passes through).
    """

    def __init__(self, exit_code: int) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code


def err_console() -> Console:
    """The console of messages (standard error): the payload alone goes to standard output.

    Every text it prints goes through :func:`cdv_prog.core.texte.visible` first: a control
    character or an undecodable byte of a value (a file name, an option) is shown written out,
    never sent to the terminal. Values interpolated into markup must still be escaped
    (:func:`rich.markup.escape`) — or printed with ``markup=False``.
    """
    from rich.console import Console

    class _Messages(Console):
        def print(self, *objects: Any, **options: Any) -> None:
            super().print(*(visible(o) if isinstance(o, str) else o for o in objects), **options)

    return _Messages(stderr=True, highlight=False, emoji=False, soft_wrap=True)  # no wrapping inside file paths


def fail_usage(message: str) -> CommandExit:
    """Print a French usage error; the caller raises the returned exit (code 2).

    ``message`` is plain text (no markup): a value quoted in it is shown as it is, written out
    by :func:`err_console` where it holds control characters; bound it with :func:`short`.
    """
    from rich.markup import escape

    err_console().print(f"[bold red]Erreur :[/] {escape(message)}", highlight=False)
    return CommandExit(2)


def default_rules() -> Path:
    """The default rules path, relative to the current folder when inside it (shorter messages)."""
    import os

    from cdv_prog.files.rules_cache import default_rules_path

    found = default_rules_path()
    try:
        rel = os.path.relpath(found)
    except ValueError:
        return found
    return Path(rel) if not rel.startswith("..") else found


def load_ruleset(rules: Path | None) -> JeuDeRegles:
    """The rule set at ``rules`` (default: ./rules, else the shipped one), or exit 2 with its problems."""
    from cdv_prog.core.ruleset import RulesError
    from cdv_prog.files.rules_cache import default_rules_path, load_rules  # the YAML read once per content

    path = rules if rules is not None else default_rules_path()
    try:
        return load_rules(path)
    except RulesError as exc:
        from rich.markup import escape

        console = err_console()
        console.print(f"[bold red]Règles invalides[/] ({escape(str(path))}) :", highlight=False)
        for p in exc.problems:
            console.print("  " + escape(str(p)), highlight=False)
        raise CommandExit(2) from None


def find_files(paths: list[Path], unread: list[WalkError] | None = None) -> Chemins:
    """The dossier files under ``paths`` (compact: :class:`~cdv_prog.files.dossiers.Chemins`), or exit 2
    naming the missing path.

    A folder that could not be searched is appended to ``unread`` when given
    (the caller shows it in its output and exits 1); without ``unread`` it is
    printed on standard error at once (:func:`warn_unread`).
    """
    from cdv_prog.files.dossiers import MissingPath, discover

    errors: list[WalkError] = []
    try:
        files = discover(paths, errors)
    except MissingPath as exc:
        raise fail_usage(f"chemin introuvable : {exc}") from None
    if unread is None:
        warn_unread(errors)
    else:
        unread.extend(errors)
    return files


def warn_unread(unread: list[WalkError]) -> None:
    """On standard error, each folder that could not be searched: its path and the French reason."""
    if not unread:
        return
    from rich.markup import escape

    console = err_console()
    for error in unread:
        console.print(f"[bold red]Erreur de lecture :[/] {escape(str(error))}", highlight=False)


def nothing_to_check(paths: list[Path], exercice: int | None, found: int) -> CommandExit:
    """Say what was searched when no dossier is left to check; the caller raises the returned exit (code 2).

    ``found``: the dossier files found under ``paths`` (with ``exercice``, none was of that year).
    """
    where = ", ".join(str(p) for p in paths)
    if found == 0:
        return fail_usage(f"aucun dossier à vérifier : aucun fichier *.yaml ou *.yml trouvé dans {where}")
    return fail_usage(
        f"aucun dossier de l'exercice {exercice} à vérifier parmi les {found} fichier(s) trouvé(s) dans {where}"
    )


def announce_rules(rules: Path | None, regles: JeuDeRegles) -> None:
    """One line on standard error: the rule set used (its folder, or the shipped one) and its fingerprint.

    Written plainly (no rich): ``cdv check --format json`` imports no rendering library.
    """
    import sys

    if rules is not None:
        shown = visible(str(rules))  # a control character of the path is written out, not sent
    elif (Path.cwd() / "rules").is_dir():  # picked up from the current folder (load_ruleset does the same)
        shown = visible(str(default_rules()))
    else:
        shown = "règles livrées avec cdv"
    sys.stderr.write(f"Règles : {shown} (empreinte {regles.empreinte[:12]})\n")
    sys.stderr.flush()


T = TypeVar("T")

PROGRESS_MIN_FILES = 100  # below that, reading takes less than a moment: no bar flickering by


def stderr_is_own_terminal() -> bool:
    """Standard error is a terminal, and standard output is not that same terminal.

    Only then may a progress bar be drawn on standard error while the payload
    streams out (on the same terminal, the bar would tear the payload's lines).
    """
    import os
    import sys

    try:
        if not sys.stderr.isatty():
            return False
        if not sys.stdout.isatty():
            return True
        return not os.path.samestat(os.fstat(sys.stdout.fileno()), os.fstat(sys.stderr.fileno()))
    except (OSError, ValueError):  # a closed or replaced stream: no bar
        return False


def progress(items: Iterable[T], total: int, shown: bool, label: str) -> Iterator[T]:
    """The items, with a transient progress bar on standard error when ``shown``."""
    if not shown:
        yield from items
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    # no redirection: what the caller writes on stdout meanwhile (a streamed payload) stays on stdout
    bar_on_stderr = Progress(
        *columns,
        console=Console(stderr=True, emoji=False),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    )
    with bar_on_stderr as bar:
        task = bar.add_task(label, total=total)
        for item in items:
            yield item
            bar.advance(task)


def write_report(
    target: Path,
    data: bytes | str | Iterable[str | bytes],
    inputs: Iterable[Path],
    roots: list[Path],
    *,
    announce: str | None = None,
) -> None:
    """Write a report file through the one write path, or exit 2 with a French message.

    ``data``: the report, or its chunks as they are rendered (written as they come, atomically all the
    same). Missing parent folders are created. ``announce``: what was written (« Rapport écrit »),
    followed by the file's name on standard error.
    """
    from cdv_prog.files.output import OutputRefused, write_output

    try:
        write_output(target, data, inputs, roots, make_parents=True)
    except OutputRefused as exc:
        raise fail_usage(str(exc)) from None
    except OSError as exc:
        raise fail_usage(f"impossible d'écrire {target} : {exc.strerror or exc}") from None
    if announce is not None:  # written plainly, as announce_rules: no rich to import for one line
        import sys

        sys.stderr.write(f"{announce} : {visible(str(target))}\n")
        sys.stderr.flush()


def check_report_target(target: Path, inputs: Iterable[Path], roots: list[Path]) -> None:
    """Refuse ``--output`` before the work starts (exit 2): an input, a YAML file, a folder…

    A target whose folder does not exist yet is checked when written (:func:`write_report` creates it).
    """
    import os

    from cdv_prog.files.output import OutputRefused, check_output

    if not os.path.isdir(os.path.dirname(os.path.realpath(target))):
        return
    try:
        check_output(target, inputs, roots)
    except OutputRefused as exc:
        raise fail_usage(str(exc)) from None


def report_format(formats: Collection[str], chosen: str | None, output: Path | None) -> str:
    """The format of a report: ``--format``, else the one the extension of ``--output`` names, else the default.

    Exit 2 (French message) on an unknown format, or on an extension that names another format
    (``-o copil.xlsx --format text``) or one the command does not write; a notice on standard error
    when the extension is unknown (the default format is written).
    """
    from cdv_prog.render.registry import FormatIncompatible, output_format

    if chosen is not None and chosen not in formats:
        raise fail_usage(f"format inconnu « {short(chosen)} » ; formats possibles : {', '.join(formats)}")
    try:
        name, notice = output_format(formats, chosen, output)
    except FormatIncompatible as exc:
        raise fail_usage(str(exc)) from None
    if notice is not None:
        err_console().print(f"Note : {notice}", highlight=False, markup=False)
    return name


def output_help(formats: Iterable[str], what: str = "le rapport", *, format_option: bool = True) -> str:
    """The help of ``-o/--output``: the same words in every command, with the extensions its formats have."""
    from cdv_prog.render.registry import EXTENSIONS, TEXT_FORMATS

    names = list(formats)
    by_format: dict[str, list[str]] = {}
    for extension, content in EXTENSIONS.items():
        fitting = [n for n in names if ("text" if n in TEXT_FORMATS else n) == content]
        if fitting:
            by_format.setdefault(fitting[0], []).append(extension)
    chosen = ", ".join(f"{name} ({' '.join(extensions)})" for name, extensions in by_format.items())
    return (
        f"Écrit {what} dans ce fichier plutôt que sur la sortie standard (écriture atomique ; refuse d'écraser "
        f"un fichier lu, dossier ou règles). {'Sans --format, son' if format_option else 'Son'} extension choisit "
        f"le format : {chosen} ; une autre extension : {names[0]}."
    )


def rules_inputs(path: Path) -> tuple[list[Path], list[Path]]:
    """The rules files under ``path`` and the folders they are read from (never written over)."""
    from cdv_prog.files.rules_cache import rules_files

    if not path.exists():
        return [], []
    files = rules_files(path)
    return files, sorted({f.parent for f in files} | ({path} if path.is_dir() else set()))


def out(line: str) -> None:
    """One line of text for people on standard output, its control characters written out (``visible``)."""
    write_payload(visible(line) + "\n", for_people=True)


FALLBACK_ERRORS = "cdv-ascii"
"""The codec error handler of the standard streams: :func:`cdv_prog.core.texte.ascii_fallback`."""


def _fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return ascii_fallback(exc.object[exc.start : exc.end]), exc.end


def prepare_streams() -> None:
    """Standard output and error never fail on a character they cannot encode.

    A ``cp1252`` file (``cdv check … > resultat.txt`` on Windows), ``PYTHONIOENCODING=ascii``, or
    a UTF-8 stream given a byte of a file name that is not UTF-8: what cannot be encoded is
    shown as :func:`~cdv_prog.core.texte.ascii_fallback` says (``✘`` → ``x``, ``é`` → ``e``),
    instead of a ``UnicodeEncodeError``. Data (JSON…) does not go through this: see
    :func:`write_payload`.
    """
    import codecs
    import contextlib
    import sys

    try:
        codecs.lookup_error(FALLBACK_ERRORS)
    except LookupError:
        codecs.register_error(FALLBACK_ERRORS, _fallback)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a closed or detached stream: left as it is
                reconfigure(errors=FALLBACK_ERRORS)


def write_payload(data: bytes | str, *, for_people: bool) -> None:
    """The payload on standard output: text for people, or data.

    * text for people (``--format text``, ``github``, Markdown): through the stream, in the
      encoding it can show, with ASCII stand-ins for the rest (:func:`prepare_streams`);
    * data (JSON, CSV, HTML, xlsx): its own bytes, UTF-8 as JSON requires, whatever the
      terminal's encoding — a stand-in character would change the data.
    """
    import sys

    buffer = getattr(sys.stdout, "buffer", None)
    if for_people or buffer is None:
        sys.stdout.write(data.decode("utf-8", "replace") if isinstance(data, bytes) else data)
        return
    sys.stdout.flush()
    buffer.write(_octets(data))


def _octets(data: bytes | str) -> bytes:
    """A data payload's bytes: UTF-8 (a lone surrogate written as ``\\udc80``, never a failure)."""
    return data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data


PAYLOAD_BLOCK = 1 << 18  # a data format's payload is written in blocks of about 256 KB
PAYLOAD_PARTS = 512  # and of at most so many pieces (one write takes at most 1 024: IOV_MAX)


def write_payloads(chunks: Iterable[bytes | str], *, for_people: bool) -> None:
    """:func:`write_payload` for each of ``chunks``; a data format's in blocks.

    Into a real file descriptor, a block's pieces go out in one gathered write (``os.writev``), without
    being joined first: the reports of a batch (≈ 16 KB each in JSON) are not copied once more into
    blocks of 256 KB (issue 17: half the memory traffic of writing them). Elsewhere (a stream that is
    not a file, as in the tests' runner) each block is joined and written (:func:`par_blocs`).
    """
    if for_people:
        for chunk in chunks:
            write_payload(chunk, for_people=True)
        return
    fd = _descripteur_sortie()
    if fd is None:
        for block in par_blocs(chunks):
            write_payload(block, for_people=False)
        return
    for lot in par_lots(chunks):
        ecrire_tout(fd, lot)


def _descripteur_sortie() -> int | None:
    """Standard output's file descriptor, everything written before flushed; None: not a real file."""
    import os
    import sys

    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None or not hasattr(os, "writev"):  # writev: POSIX only
        return None
    try:
        fd = sys.stdout.fileno()
        sys.stdout.flush()
        buffer.flush()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError and a ValueError
        return None
    return fd


def ecrire_tout(fd: int, parts: list[bytes]) -> None:
    """All of ``parts``, in order, into ``fd``: gathered writes, resumed after a partial one (a pipe, a signal)."""
    import os

    while parts:
        try:
            written = os.writev(fd, parts)
        except BlockingIOError:  # a descriptor some other program left non-blocking: wait until it takes more
            import select

            select.select([], [fd], [])
            continue
        while parts and written >= len(parts[0]):
            written -= len(parts[0])
            parts = parts[1:]
        if written:
            parts = [memoryview(parts[0])[written:].tobytes(), *parts[1:]]


def par_lots(chunks: Iterable[str | bytes]) -> Iterator[list[bytes]]:
    """A data format's chunks (one per dossier, ~16 KB of JSON, or its pieces) as UTF-8 lots of about
    :data:`PAYLOAD_BLOCK` bytes and at most :data:`PAYLOAD_PARTS` pieces: one write for sixteen dossiers
    rather than one each (into a file, 26 → 9 µs a dossier). Never an empty lot."""
    pending: list[bytes] = []
    size = 0
    for chunk in chunks:
        data = _octets(chunk)
        if not data:
            continue
        pending.append(data)
        size += len(data)
        if size >= PAYLOAD_BLOCK or len(pending) >= PAYLOAD_PARTS:
            yield pending
            pending = []
            size = 0
    if pending:
        yield pending


def par_blocs(chunks: Iterable[str | bytes]) -> Iterator[bytes]:
    """:func:`par_lots`, each lot joined: the same bytes as :func:`write_payload` writes for each chunk."""
    for lot in par_lots(chunks):
        yield b"".join(lot)
