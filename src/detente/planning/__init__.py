"""Negotiation: proposals, comparison, reduction and upload planning."""
