"""DPIA pre-scans and DPIAs (AVG art. 35 and 36)."""
