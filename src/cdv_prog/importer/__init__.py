"""``cdv importer``: dossiers from spreadsheets (.xlsx, .csv) and DAUPHIN exports.

Modules, each with one job: ``tableur`` reads files into rows, ``correspondance``
is the mapping file's model, ``conversion`` turns cells into dossier values,
``entetes`` finds the header row and columns, ``construction`` builds each
action's dossier data (both layouts), ``ecriture`` emits YAML and writes files
atomically, ``execution`` runs an import. Nothing here is imported by
``cdv check``.
"""
