"""Every write to the domain goes through a service: ``noun_verb(*, keyword, arguments)``."""
