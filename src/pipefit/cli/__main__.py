"""`python -m pipefit.cli`."""

from pipefit.cli import main

main()
