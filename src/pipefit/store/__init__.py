"""Storage: tables, migrations, repositories and the bulk loader."""
