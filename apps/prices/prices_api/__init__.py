"""Prices API: serves product prices in integer cents. A sample service for the mesh."""
