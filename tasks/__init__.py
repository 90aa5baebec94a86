"""Background jobs (Huey). Not the Task model: that lives in ``workspace``."""
