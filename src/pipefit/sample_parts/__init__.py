"""Building blocks of the synthetic company generator (`pipefit.sample`).

Each module builds one part of the company as numpy arrays (one element per row), so a
million opportunities never loop in Python; `columns` turns arrays into Arrow text
columns and `writer` writes them as native CSV files.
"""
