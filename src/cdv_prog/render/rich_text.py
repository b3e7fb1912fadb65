"""Values shown through rich (``--format text``): as they are, never acting on the terminal.

rich reads the strings it prints as markup: a file named ``[old].yaml`` would
lose ``[old]``, and ``[/]`` stops the program. Every console of cdv is also built with
``emoji=False``: rich would turn ``:smile:`` or the ``:b:`` of an id ``CDV-2025-a:b:c``
into emoji. Every value a text renderer did
not write itself goes through :func:`markup` when it is interpolated into a
markup string, a table cell, a title or a caption, or through :func:`plain`
when it is appended to a :class:`rich.text.Text` (which reads no markup). Both
write out control characters and undecodable bytes first
(:func:`cdv_prog.core.texte.visible`).
"""

from __future__ import annotations

from cdv_prog.core.texte import visible


def plain(value: object) -> str:
    """A value for :meth:`rich.text.Text.append`: control characters written out."""
    return visible(value if isinstance(value, str) else str(value))


def markup(value: object) -> str:
    """A value to interpolate into markup (``console.print(f"…")``, a table cell): shown as it is."""
    from rich.markup import escape  # here: plain() serves the text written without rich (render.check_text)

    return escape(plain(value))
