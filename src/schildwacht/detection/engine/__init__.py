"""The detection engine: read log files, normalise them, run the rule pack, return alerts.

Nothing in this package imports Django: ``schildwacht detect`` runs it on an analyst's laptop
without a database or secret key, and the application calls the same functions from its
worker. DuckDB does the work in-process; pySigma turns the Sigma rules into DuckDB SQL.
"""
