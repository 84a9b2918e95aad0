"""Simulated local authority ("Northbrook"): agency records with the ground truth behind them."""
