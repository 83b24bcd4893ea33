"""Risk register, sector risk templates and financial exposure (basismaatregel 3)."""
