"""State that is not content: the database (SQLite or PostgreSQL), its migrations, API keys and
staff sessions."""
