"""Background tasks and periodic jobs of the hall app."""
