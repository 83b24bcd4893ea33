"""Cyber-crisis exercises, awareness and training, phishing simulations."""
