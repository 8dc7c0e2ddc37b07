"""Importers for tickets, crews, shifts (CSV) and zones (GeoJSON).

Every row is checked and every problem is collected as ``FILE:ROW: field: what is wrong``
(ROW is the line in the file; the header is line 1). By default a file is imported whole or
not at all: any problem raises :class:`ImportErrors` before anything is written. With
``rejects=PATH`` the good rows are imported and the bad ones are written to PATH with a
``reject_reason``, so accepted + rejected always equals the input rows.

The functions take a session and never commit; the command that opened the session does."""
