"""Pages of the DPIA module: lists, pre-scans, the DPIA with its four parts, sector DPIAs."""
