"""Pages of the incidents app (see ``incidents/urls.py``)."""
