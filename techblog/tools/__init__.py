"""What authors and operators run: python -m techblog new|check|import-blogger|comments|serve,
and comments-backup|comments-restore."""
