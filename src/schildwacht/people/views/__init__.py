"""Pages of the people app: exercises, trainings, phishing, coverage and "Mijn trainingen"."""
