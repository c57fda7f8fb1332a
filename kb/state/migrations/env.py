"""Alembic runs migrations on the connection kb.state.database hands it (SQLite or PostgreSQL)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
