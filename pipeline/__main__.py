"""`python -m pipeline ...` is the same as `cic-reports ...`."""

from pipeline.cli import main

main()
