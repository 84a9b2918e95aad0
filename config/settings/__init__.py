"""Settings modules: base (shared), development (embedded demo), test (suite), production (fail closed)."""
