"""Pages of the log analysis under ``/detectie/``."""
