"""What the services need from the world, as protocols (one style, one module per family).

- `unit_of_work.UnitOfWork`: one transaction over every repository, the only way a service
  reaches stored data. `bootstrap` builds the SQL one; `store.memory` holds the fakes.
- `deals`, `leads`, `pay`, `history`, `imports`: the repositories inside a unit of work.
- `files`: readers and writers of files and saved models, handed to services that need them.
"""
