"""UI pieces: functions of state vars, no data access."""
