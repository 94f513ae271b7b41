"""The synthetic company generator: `generate(...)` writes a deterministic company as CSVs.

Each module builds one part of the company as numpy arrays (one element per row), so a
million opportunities never loop in Python; `columns` turns arrays into Arrow text
columns and `writer` writes them as native CSV files; `generator` puts them together.
"""

from pipefit.sample.company import segment_teams
from pipefit.sample.generator import FILES, generate

__all__ = ["FILES", "generate", "segment_teams"]
