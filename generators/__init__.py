"""Sample generators: bAbI facts hidden in long noise text, exact in tokens, no torch."""
