"""Campaigns once they send: steering, reports and the desk's dashboard."""
