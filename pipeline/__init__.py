"""cic-reports: children-in-care reporting from child-level records.

Flow: raw files -> raw_ tables -> validate -> core_ tables -> measures -> out_ tables
-> disclosure control -> pub_ tables -> notebooks and reports.
"""

__version__ = "0.1.0"
