"""Sign-in: passwords, sessions and the acting user behind a browser."""
