"""Badges, leaderboard and levels: rules as data, a daily job that awards them, levels never lost."""
