"""Named, evidence-cited alert rules: pure functions over a child's chronology and household at a time."""
