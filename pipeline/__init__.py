"""cic-reports: children-in-care reporting from child-level records.

Flow: raw files -> raw_ tables -> validate -> core_ tables -> measures -> out_ tables
-> disclosure control -> pub_ tables -> notebooks and reports.
"""

__version__ = "0.1.0"

import sys as _sys

# jsonschema (imported by altair and Great Expectations) optionally imports rfc3987_syntax,
# which builds dozens of Lark parsers at import time: seconds in every process and kernel,
# only to check the "iri" string format, which nothing here uses. Mark it unavailable.
_sys.modules.setdefault("rfc3987_syntax", None)
