"""Pages of the risk register, the heat map and the sector risk templates."""
