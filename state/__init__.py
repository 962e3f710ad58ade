"""Reflex states: view state only; every read and change goes through caseapp's services."""
