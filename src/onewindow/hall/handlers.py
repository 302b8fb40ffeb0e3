"""Subscriptions of the hall app to events of lower apps (see core.events)."""
