"""Storage: SQLAlchemy tables, the queries over them, and Alembic migrations."""
