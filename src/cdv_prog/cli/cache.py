"""``cdv cache``: the incremental cache of ``cdv check`` (:mod:`cdv_prog.files.cache`)."""

from __future__ import annotations

import typer

from cdv_prog.cli.common import err_console
from cdv_prog.cli.options import new_app

cache_app = new_app(
    "cache",
    "Le cache des rapports de « cdv check » : un dossier inchangé, avec les mêmes règles et la même version "
    "de cdv, n'est pas vérifié à nouveau.",
)


@cache_app.command("vider")
def vider() -> None:
    """Supprime le cache des rapports (il se reconstruit au prochain « cdv check »)."""
    from cdv_prog.core.texte import visible
    from cdv_prog.files import rules_cache
    from cdv_prog.files.cache import cache_dir, clear
    from cdv_prog.files.loader import os_error_fr

    folder = cache_dir()
    console = err_console()
    try:
        removed = clear(folder) + rules_cache.clear(folder)  # the reports, and the rule sets read back
    except OSError as exc:
        console.print(
            f"Erreur : le cache {visible(str(folder))} n'a pas pu être vidé ({os_error_fr(exc)})", markup=False
        )
        raise typer.Exit(1) from None
    if removed:
        console.print(f"Cache vidé : {visible(str(folder))}", markup=False, highlight=False)
    else:
        console.print(f"Cache déjà vide : {visible(str(folder))}", markup=False, highlight=False)


@cache_app.command("chemin")
def chemin() -> None:
    """Affiche le répertoire du cache (CDV_CACHE_DIR, sinon le répertoire de cache de l'utilisateur)."""
    from cdv_prog.cli.common import out
    from cdv_prog.files.cache import cache_dir

    out(str(cache_dir()))
