"""Programs, enrollments, sessions and roll call, distributions and stock."""
