"""The school calendar: terms, half-terms, holidays, INSET days and planned closures."""
