"""The halal rules: reference data, the rule catalogue and the assessment engine (pure)."""
