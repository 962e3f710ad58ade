"""Pages: each puts a component body in the shell and names the state that loads it."""
