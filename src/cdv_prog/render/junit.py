"""JUnit XML of ``cdv regles tester --junit`` (for the CI of the rules repository)."""

from __future__ import annotations

from cdv_prog.core.texte import visible
from cdv_prog.workflow.cases import CaseResult


def junit_xml(results: list[CaseResult], name: str = "cdv regles tester") -> bytes:
    """JUnit XML (one testsuite per test file), deterministic: no timestamps, no durations."""
    import xml.etree.ElementTree as ET

    def counts(rs: list[CaseResult]) -> dict[str, str]:
        return {
            "tests": str(len(rs)),
            "failures": str(sum(r.statut == "failed" for r in rs)),
            "errors": str(sum(r.statut == "error" for r in rs)),
            "skipped": "0",
        }

    root = ET.Element("testsuites", {"name": name, **counts(results)})
    suites: dict[str, list[CaseResult]] = {}
    for r in results:
        suites.setdefault(r.fichier, []).append(r)
    # XML 1.0 cannot hold most control characters, nor an undecodable byte: each is written out (visible)
    for fichier, rs in suites.items():
        suite = ET.SubElement(root, "testsuite", {"name": visible(fichier), **counts(rs)})
        classname = visible(fichier.rsplit(".", 1)[0].replace("/", "."))
        for r in rs:
            attrs = {"classname": classname, "name": visible(r.nom), "file": visible(r.chemin)}
            if r.ligne:
                attrs["line"] = str(r.ligne)
            case = ET.SubElement(suite, "testcase", attrs)
            if r.statut != "passed":
                tag = "failure" if r.statut == "failed" else "error"
                child = ET.SubElement(
                    case,
                    tag,
                    {
                        "message": visible(r.details[0]) if r.details else tag,
                        "type": "echec" if tag == "failure" else "cas-invalide",
                    },
                )
                child.text = "\n".join(visible(d) for d in r.details)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
