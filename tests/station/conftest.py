"""Station core tests: pure function calls with fixed ``now`` values, no network, no clock."""
