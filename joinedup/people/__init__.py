"""People: who each mention is, across agencies; households and residence over time."""
