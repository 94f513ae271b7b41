"""Use cases: load through the store, decide in the domain, save."""
