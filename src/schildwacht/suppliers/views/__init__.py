"""Pages of the suppliers app, one module per topic: the catalogue, agreements and reviews."""
