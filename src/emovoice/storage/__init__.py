"""Storage: users, questions, answers and their audio in one SQL database (SQLite or PostgreSQL)."""
