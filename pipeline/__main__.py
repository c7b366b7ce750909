"""`python -m pipeline ...` is the same as `cic-reports ...`."""

from pipeline.run.cli import main

main()
