"""Security incidents and data breaches, with the 72-hour clock (AVG art. 33 and 34)."""
